// `npm run bench:layers [-- --quick]`: what each layer of a profile update costs, in µs of this
// process's CPU time (user + system, so garbage collection and the commit's system calls count, and
// other processes on a shared machine do not) per request, in one process on one SQLite database
// (synchronous=FULL, group commit, logs at info to /dev/null, metrics on), with 32 requests in
// flight (as the bench's 32 connections: group commit batches). Paths are measured in interleaved
// trials; the median per path is reported.
//
// Cumulative paths, each the previous one plus a layer (the differences are the layers' costs):
//   repository + commit   findUser + applyChange of a profile.changed change set
//   + domain              UserService.updateHumanUser with a known viewer (rules, change set)
//   + authentication      localOperations: the token read and the viewer, then the update
//   + execution           graphql-js execute of the pre-parsed document with the gateway's context
//   + envelop             yoga's enveloped contextFactory + execute (the execution plugins: auth first,
//                         translated errors, masking, rate limits) — the REST/gRPC faces' way in
//   + parse/validate      yoga's enveloped parse + validate of the request's text (yoga's cache)
//   GraphQL via fetch     yoga.fetch(Request) POST /graphql: HTTP adaptation (WHATWG Request and
//                         Response) and the request-level plugins on top
//   REST via fetch        yoga.fetch(Request) PUT /v2/users/human/{id}
// and the full GraphQL-via-fetch path again with one part of the pipeline left out at a time
// (AppDeps.without): the difference is that part's cost. Also parse + validate without a cache.
// Node's HTTP server (IncomingMessage → Request) is not in here: `npm run bench` measures it
// (raw_echo_rps against echo_rps).
import { availableParallelism, loadavg } from 'node:os';
import { execute, parse, validate } from 'graphql';
import pino from 'pino';
import { type App, createApp, type FramePart } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createContext, localOperationsFactory } from '../../src/context.js';
import type { Viewer } from '../../src/domain/auth/permissions.js';
import { createLogger } from '../../src/logger.js';
import { localOperations } from '../../src/operations.js';
import { openMigratedDatabase } from '../../src/runtime.js';
import { schema } from '../../src/schema/index.js';
import { COST, log, median, seed, sqliteDatabase } from './lib.js';

const QUICK = process.argv.includes('--quick');
const USERS = QUICK ? 500 : 2000;
/** Requests per measurement, and measurements per path (the median is reported). */
const REQUESTS = QUICK ? 1000 : 2500;
const TRIALS = QUICK ? 3 : 5;
const IN_FLIGHT = 32;

const DOCUMENT =
  'mutation Rename($input: UpdateHumanUserInput!) { updateHumanUser(input: $input) { details { sequence changeDate resourceOwner } } }';

async function main() {
  const store = sqliteDatabase();
  const { token, ids } = await seed(store.seedUrl, USERS, () => {});
  const config = loadConfig({
    DATABASE_URL: store.seedUrl,
    SQLITE_SYNCHRONOUS: 'FULL',
    PASSWORD_HASH_COST: String(COST),
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
  });
  const { database } = await openMigratedDatabase(config);
  // The gateway's log destination (stdout, asynchronous: src/logger.ts) replaced by /dev/null, written the same way.
  const logger = createLogger('info', pino.destination({ dest: '/dev/null', sync: false }));
  const apps: App[] = [];
  const app = (without: FramePart[] = []) => {
    const made = createApp({ database, config, logger, without: new Set(without) });
    apps.push(made);
    return made;
  };
  const full = app();
  const authorization = `Bearer ${token}`;
  const tag = Date.now().toString(36);
  let n = 0;
  const next = () => {
    const i = n++;
    return { userId: ids[i % ids.length] as string, profile: { givenName: `L${tag}${i}`, familyName: 'Family' } };
  };

  /** The paths, measured in interleaved trials (so the machine's drift hits each alike). */
  const paths: { name: string; call: () => Promise<unknown>; us: number[] }[] = [];
  const results = new Map<string, number>();
  /** Registers a path; its figure (µs per request, median of TRIALS) is read after `runAll`. */
  function measure(name: string, call: () => Promise<unknown>): string {
    paths.push({ name, call, us: [] });
    return name;
  }
  async function runAll() {
    for (let trial = 0; trial <= TRIALS; trial++) {
      log(`trial ${trial}/${TRIALS} …`);
      for (const path of paths) {
        let left = trial === 0 ? Math.round(REQUESTS / 4) : REQUESTS; // trial 0 warms up
        const count = left;
        const started = process.cpuUsage();
        await Promise.all(
          Array.from({ length: IN_FLIGHT }, async () => {
            while (left-- > 0) await path.call();
          }),
        );
        const used = process.cpuUsage(started);
        if (trial > 0) path.us.push((used.user + used.system) / count);
      }
    }
    for (const path of paths) {
      results.set(path.name, median(path.us));
      log(`${path.name}: ${median(path.us).toFixed(0)} µs (${path.us.map((v) => v.toFixed(0)).join(', ')})`);
    }
  }

  const { viewer } = await (async () => {
    let known: Viewer | undefined;
    const ops = localOperations(full.services, {
      authorization,
      orgId: null,
      budget: () => ({ consumeCredentialCheck() {} }),
      onViewer: (v) => {
        known = v;
      },
    });
    await ops.authenticate();
    return { viewer: known as Viewer };
  })();
  const budget = () => ({ consumeCredentialCheck() {} });
  const ok = (result: { errors?: readonly unknown[] } | Response) => {
    if (result instanceof Response) {
      if (result.status !== 200) throw new Error(`HTTP ${result.status}`);
      return result.text().then((text) => {
        if (text.includes('"errors"')) throw new Error(text.slice(0, 300));
      });
    }
    if (result.errors?.length) throw new Error(JSON.stringify(result.errors).slice(0, 300));
  };

  const rows: [string, string][] = [];
  const repository = full.repository;
  rows.push([
    'repository + commit',
    await measure('repository + commit', async () => {
      const { userId, profile } = next();
      const user = await repository.findUser(userId);
      if (!user) throw new Error('no user');
      const r = await repository.applyChange(
        {
          user,
          creator: viewer.userId,
          events: [{ type: 'profile.changed', payload: { givenName: profile.givenName } }],
          columns: { given_name: profile.givenName },
          setCodes: [],
          deleteCodes: [],
          outbox: [],
        },
        new Date().toISOString(),
      );
      if (!r.ok) throw new Error(r.reason);
    }),
  ]);
  rows.push([
    '+ domain (UserService.updateHumanUser)',
    await measure('domain', () => full.services.users.updateHumanUser(viewer, next(), budget())),
  ]);
  rows.push([
    '+ authentication (token read, viewer)',
    await measure('authentication', async () => {
      const ops = localOperations(full.services, { authorization, orgId: null, budget });
      await ops.authenticate();
      await ops.updateHumanUser(next());
    }),
  ]);
  const operationsFor = localOperationsFactory(full.services);
  const document = parse(DOCUMENT);
  const headers = { authorization, 'content-type': 'application/json' };
  rows.push([
    '+ context + execution (graphql-js, parsed document)',
    await measure('execution', async () => {
      const request = new Request('http://gw/graphql', { method: 'POST', headers });
      const contextValue = createContext(operationsFor, request);
      await ok((await execute({ schema, document, variableValues: { input: next() }, contextValue })) as never);
    }),
  ]);
  rows.push([
    '+ envelop (execution plugins; the REST/gRPC way in)',
    await measure('envelop', async () => {
      const request = new Request('http://gw/graphql', { method: 'POST', headers });
      const enveloped = full.yoga.getEnveloped({ request });
      const contextValue = await enveloped.contextFactory();
      await ok(
        (await enveloped.execute({
          schema: enveloped.schema,
          document,
          variableValues: { input: next() },
          contextValue,
        })) as never,
      );
    }),
  ]);
  rows.push([
    '+ parse/validate (yoga, cached)',
    await measure('parse/validate', async () => {
      const request = new Request('http://gw/graphql', { method: 'POST', headers });
      const enveloped = full.yoga.getEnveloped({ request });
      const parsed = enveloped.parse(DOCUMENT);
      const errors = enveloped.validate(enveloped.schema, parsed);
      if (errors.length > 0) throw new Error(errors[0]?.message);
      const contextValue = await enveloped.contextFactory();
      await ok(
        (await enveloped.execute({
          schema: enveloped.schema,
          document: parsed,
          variableValues: { input: next() },
          contextValue,
        })) as never,
      );
    }),
  ]);
  /** As an HTTP client sends it: with Content-Length (yoga.fetch does not add one). */
  const sent = (method: string, body: string) => ({
    method,
    headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    body,
  });
  const graphqlRequest = (yoga: App['yoga']) => () =>
    Promise.resolve(
      yoga.fetch('http://gw/graphql', sent('POST', JSON.stringify({ query: DOCUMENT, variables: { input: next() } }))),
    ).then(ok);
  const graphql = await measure('GraphQL via fetch', graphqlRequest(full.yoga));
  rows.push(['GraphQL via yoga.fetch (+ HTTP adaptation, request plugins)', graphql]);
  rows.push([
    'REST via yoga.fetch',
    await measure('REST via fetch', () => {
      const { userId, profile } = next();
      return Promise.resolve(
        full.yoga.fetch(`http://gw/v2/users/human/${userId}`, sent('PUT', JSON.stringify({ profile }))),
      ).then(ok);
    }),
  ]);

  const parts: FramePart[] = ['observability', 'security-headers', 'csrf', 'armor', 'masking', 'rate-limits'];
  const partRows: [string, string][] = [];
  for (const part of parts) {
    partRows.push([part, measure(`GraphQL without ${part}`, graphqlRequest(app([part]).yoga))]);
  }
  partRows.push(['all six together', measure('GraphQL without all of them', graphqlRequest(app(parts).yoga))]);
  await runAll();
  const us = (name: string) => results.get(name) as number;

  // parse + validate of the document without any cache (what yoga's cache saves per request).
  let uncached = 0;
  {
    const count = 2000;
    const started = process.cpuUsage();
    for (let i = 0; i < count; i++) validate(schema, parse(DOCUMENT));
    const used = process.cpuUsage(started);
    uncached = (used.user + used.system) / count;
  }

  const out: string[] = [];
  out.push('');
  out.push(
    `layers of a profile update (${REQUESTS} requests × ${TRIALS} trials, ${IN_FLIGHT} in flight, ${USERS} users, ` +
      `SQLite FULL, logs at info to /dev/null; 1-min load ${(loadavg()[0] as number).toFixed(1)} on ${availableParallelism()} cores)`,
  );
  out.push('');
  out.push('| path | CPU µs per request | layer adds |');
  out.push('|---|---:|---:|');
  rows.forEach(([label, name], i) => {
    const own = us(name);
    // Rows 0–6 are cumulative (each adds one layer to the previous); REST (row 7) stands alone.
    const adds = i === 0 ? own : own - us((rows[i - 1] as [string, string])[1]);
    out.push(`| ${label} | ${own.toFixed(0)} | ${i === 7 ? '' : adds.toFixed(0)} |`);
  });
  out.push('');
  out.push('| part of the pipeline (GraphQL via fetch with it left out) | CPU µs per request |');
  out.push('|---|---:|');
  for (const [label, name] of partRows) out.push(`| ${label} | ${(us(graphql) - us(name)).toFixed(0)} |`);
  out.push(`| parse + validate without a cache (graphql-js alone) | ${uncached.toFixed(0)} |`);
  process.stdout.write(`${out.join('\n')}\n`);

  for (const made of apps) await made.close();
  await database.close();
  await store.drop();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
