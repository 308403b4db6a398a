// Precompiled statements for the queries every update runs.
//
// Kysely builds an operation tree and compiles it to SQL on every call. For the handful of
// statements on the update path that was more CPU than SQLite spent executing them (CPU profile of
// `npm run bench`, issue #6). A precompiled statement is built once per dialect with named slots
// where the values go, and per call only the parameter list is bound. The query keeps Kysely's
// types and SQL generation; only the per-call rebuild is skipped. A statement whose SQL depends on
// its input (which columns an UPDATE sets) names that input's shape: one compilation per shape.
import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import { preparedText } from './prepared-names.js';
import type { Database } from './types.js';

/** Stands in for a value at compile time; replaced by the call's value of that name. */
class Slot {
  constructor(readonly name: string) {}
}

type Compiled = CompiledQuery<unknown>;

/** Anything that runs queries: the database or a transaction. */
export type Executor = Kysely<Database>;

export type Precompiled<P, R> = (executor: Executor, params: P) => Promise<QueryResult<R>>;

/**
 * `build(executor, slots)` must produce the same SQL for every `params` of the same `shape(params)`
 * (default: one shape), taking every varying value from `slots` (one per key of the call's params). The compiled SQL
 * is that of the first executor's dialect: make one per database (and its transactions).
 */
export function precompile<P extends Record<string, unknown>, R>(
  build: (executor: Executor, slots: P) => Compilable<R>,
  shape: (params: P) => string = () => '',
  /** PostgreSQL: send it as a named prepared statement (./prepared-names.ts; columns spelled out, no `*`). */
  named = false,
): Precompiled<P, R> {
  const byShape = new Map<string, Compiled>();
  return async (executor, params) => {
    const key = shape(params);
    let compiled = byShape.get(key);
    if (!compiled) {
      // The slots have exactly the call's keys, so `values(slots)` and `set(slots)` see them all.
      const slots = Object.fromEntries(Object.keys(params).map((name) => [name, new Slot(name)])) as P;
      compiled = build(executor, slots).compile() as Compiled;
      if (named) compiled = { ...compiled, sql: preparedText(compiled.sql) };
      byShape.set(key, compiled);
    }
    const parameters = compiled.parameters.map((value) => {
      if (!(value instanceof Slot)) return value;
      const bound = params[value.name];
      if (bound === undefined) throw new TypeError(`precompiled statement: no value for ${value.name}`);
      return bound;
    });
    return executor.executeQuery({ ...compiled, parameters } as CompiledQuery<R>);
  };
}
