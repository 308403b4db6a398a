// Opens the database named by DATABASE_URL. SQLite (better-sqlite3) is the embedded default;
// a postgres:// URL selects PostgreSQL with a connection pool, for several instances on one
// database. Everything engine-specific about connecting lives here.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { PostgresTimeouts } from '../config.js';
import { groupCommit, plainTransact, type Transact } from './group-commit.js';
import { type CommitChannel, openCommitChannel } from './notifications.js';
import { preparedNameOf } from './prepared-names.js';
import type { Database } from './types.js';

export interface DatabaseHandle {
  db: Kysely<Database>;
  engine: 'sqlite' | 'postgres';
  /** Runs writes transactionally; on SQLite concurrent writes share a commit (src/db/group-commit.ts). */
  transact: Transact;
  /** Cheap liveness probe used by /ready. */
  ping(): Promise<void>;
  /**
   * PostgreSQL only: commits of other instances on the same schema (LISTEN/NOTIFY on a dedicated
   * connection, src/db/notifications.ts); SQLite has one process, so nothing to relay.
   */
  openCommitChannel?(
    deliver: (userId: string, sequence: number) => void,
    onError?: (error: unknown) => void,
  ): CommitChannel;
  close(): Promise<void>;
}

export interface SqliteOptions {
  /** SQLite `synchronous` pragma: FULL makes an acknowledged commit survive power loss. */
  synchronous?: 'FULL' | 'NORMAL';
}

export interface PostgresOptions {
  /** Connections in this instance's pool (DATABASE_POOL_SIZE). */
  poolSize?: number;
  /** Extra server options for every connection, e.g. `-c search_path=…` (tests). */
  options?: string;
  /** Bounds for a slow or silent server (DATABASE_*_TIMEOUT_MS); the defaults are the config's. */
  timeouts?: Partial<PostgresTimeouts>;
}

export const DEFAULT_POSTGRES_TIMEOUTS: PostgresTimeouts = {
  connectMs: 5_000,
  statementMs: 5_000,
  idleInTransactionMs: 10_000,
};

/** How long the client waits for an answer after the server's own statement timeout would have fired. */
const CLIENT_GRACE_MS = 500;

/**
 * A pg client whose timed-out query also ends its connection. pg's client-side `query_timeout`
 * rejects the query but leaves the connection waiting for the answer: back in the pool it would
 * delay the next caller, and a BEGIN or ROLLBACK answered late could leave a transaction open under
 * someone else's statements. Ending the connection makes the server roll back whatever was open.
 */
class BoundedClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    // A connection ending while the client is checked out (ended above, or the server went away)
    // is reported to the query in flight; the event itself must not crash the process.
    this.on('error', () => {});
  }

  // biome-ignore lint/suspicious/noExplicitAny: pg's query has many overloads; this passes them through
  override query(...args: any[]): any {
    // A statement marked with its name (src/db/prepared-names.ts) goes as a named prepared statement.
    const name = args.length === 2 && typeof args[0] === 'string' ? preparedNameOf(args[0]) : undefined;
    if (name !== undefined) args = [{ name, text: args[0], values: args[1] }];
    // biome-ignore lint/suspicious/noExplicitAny: see above
    const result = (super.query as (...a: any[]) => any)(...args);
    if (result && typeof result.catch === 'function') {
      result.catch((error: unknown) => {
        if (error instanceof Error && error.message === 'Query read timeout') {
          (this as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
        }
      });
    }
    return result;
  }
}

export type DatabaseOptions = SqliteOptions & PostgresOptions;

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

type CachedStatement = Pick<SQLite.Statement, 'reader' | 'run' | 'iterate'> & {
  all(parameters: readonly unknown[]): unknown[];
};

/**
 * A prepared statement as Kysely's driver uses it. Readers fetch rows as arrays and build the
 * objects in JavaScript with a fixed shape: better-sqlite3 building each row object natively cost
 * ~1 µs per column (29 µs for a user row, 13 µs as arrays; measured on this machine).
 */
function cacheable(statement: SQLite.Statement): CachedStatement {
  if (!statement.reader) return statement as unknown as CachedStatement;
  const names = statement.columns().map((c) => c.name);
  statement.raw(true);
  // Same result as better-sqlite3's objects: a later column of the same name wins.
  const toRow = (values: unknown[]) => {
    if (values.length !== names.length) {
      throw new Error(`SQLite statement returned ${values.length} columns, prepared for ${names.length}`);
    }
    const row: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) row[names[i] as string] = values[i];
    return row;
  };
  return {
    reader: true,
    run: statement.run.bind(statement),
    iterate: (...parameters: unknown[]) => {
      const rows = statement.iterate(...parameters) as IterableIterator<unknown[]>;
      return (function* () {
        for (const values of rows) yield toRow(values);
      })();
    },
    all: (parameters) => (statement.all(parameters) as unknown[][]).map(toRow),
  } as CachedStatement;
}

export function openSqlite(path: string, options: SqliteOptions = {}): DatabaseHandle {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const raw = new SQLite(path);
  raw.pragma('journal_mode = WAL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  raw.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);

  // Kysely's SQLite driver prepares every statement anew; the SQL text of a compiled Kysely
  // query is stable, so caching the prepared statement per text removes that cost.
  // A cached reader names its columns as they were when it was prepared; after a schema change
  // (a migration, also by another process) SQLite re-prepares it silently and `select *` may
  // return other columns. So the cache holds for one schema version (read from the database
  // header: ~1 µs) and starts afresh when it changes.
  const statements = new Map<string, CachedStatement>();
  const schemaVersion = raw.prepare('pragma schema_version').pluck();
  const reloadSchema = raw.prepare('select count(*) from sqlite_master');
  let cachedVersion = schemaVersion.get();
  const cached = {
    prepare(sqlText: string) {
      const version = schemaVersion.get();
      if (version !== cachedVersion) {
        statements.clear();
        // A statement that reads the schema makes the connection reload it before the next prepare.
        reloadSchema.get();
        cachedVersion = version;
      }
      let statement = statements.get(sqlText);
      if (!statement) {
        statement = cacheable(raw.prepare(sqlText));
        if (statements.size < 500) statements.set(sqlText, statement);
      }
      return statement;
    },
    close() {
      statements.clear();
      raw.close();
    },
  };
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cached }) });
  return {
    db,
    engine: 'sqlite',
    transact: groupCommit(db),
    async ping() {
      raw.prepare('select 1').get();
    },
    async close() {
      await db.destroy();
    },
  };
}

const INT8_OID = 20;

/** int8 (bigint, and what count(*) returns) as a JS number, like SQLite; refuses to lose precision. */
function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${value} exceeds Number.MAX_SAFE_INTEGER`);
  return n;
}

// Per pool, not pg.types.setTypeParser: the process-wide parsers stay untouched.
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? parseInt8
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

export function openPostgres(url: string, options: PostgresOptions = {}): DatabaseHandle {
  const timeouts = { ...DEFAULT_POSTGRES_TIMEOUTS, ...options.timeouts };
  const pool = new pg.Pool({
    Client: BoundedClient,
    connectionString: url,
    max: options.poolSize ?? 10,
    types: pgTypes,
    ...(options.options ? { options: options.options } : {}),
    // Connecting and waiting for a pooled connection (pg-pool uses one bound for both).
    connectionTimeoutMillis: timeouts.connectMs,
    // The server cancels a long statement; the client gives up a little later on a silent server.
    statement_timeout: timeouts.statementMs,
    query_timeout: timeouts.statementMs + CLIENT_GRACE_MS,
    idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
    // A peer that vanished (no FIN) is noticed by the kernel.
    keepAlive: true,
  });
  // An idle client losing its connection (server restart) must not crash the process; the
  // pool replaces it and the next query reports the failure.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    engine: 'postgres',
    transact: plainTransact(db),
    async ping() {
      await sql`select 1`.execute(db);
    },
    openCommitChannel: (deliver, onError) =>
      openCommitChannel(
        {
          connectionString: url,
          ...(options.options ? { options: options.options } : {}),
          connectTimeoutMs: timeouts.connectMs,
          ...(onError ? { onError } : {}),
        },
        deliver,
      ),
    async close() {
      await db.destroy();
    },
  };
}

export function openDatabase(url: string, options: DatabaseOptions = {}): DatabaseHandle {
  if (isPostgresUrl(url)) return openPostgres(url, options);
  return openSqlite(url, options);
}
