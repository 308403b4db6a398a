// Building blocks of the benchmark (test/bench/run.ts) and of its experiments: child processes,
// the run's database (an SQLite file, or a PostgreSQL schema), seeding, closed-loop load
// (autocannon), an open-loop latency probe, raw bcrypt.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { hash as bcryptHash, verify as bcryptVerify } from '@node-rs/bcrypt';
import autocannon from 'autocannon';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { bcryptHasher } from '../../src/domain/users/passwords.js';
import { createIdGenerator } from '../../src/ids.js';
import { openMigratedDatabase } from '../../src/runtime.js';
import { adminOver } from '../support/admin.js';
import { createTestSchema, DEFAULT_TEST_DATABASE_URL, postgresUnreachable } from '../support/engine.js';
import { freePort, startCommand } from '../support/processes.js';

/** bcrypt cost of the gateways and of the raw comparison. */
export const COST = 10;
export const ROOT = resolve(import.meta.dirname, '../..');
export const log = (line: string) => process.stderr.write(`${line}\n`);

// --- processes -----------------------------------------------------------------------------------

export { freePort } from '../support/processes.js';

export interface Server {
  name: string;
  base: string;
  child: ChildProcess;
  readyMs: number;
  stderr: string[];
}

export async function startServer(name: string, script: string, env: Record<string, string>, nodeArgs: string[] = []) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const stderr: string[] = [];
  const started = performance.now();
  // Built JavaScript runs with npm start's node options (heap limit, source maps), TypeScript through tsx.
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : startCommand().nodeArgs;
  const child = spawn(process.execPath, [...nodeArgs, ...loader, script], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}): ${stderr.join('')}`);
    const ok = await fetch(`${base}/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (performance.now() - started > 60_000) throw new Error(`${name} not ready after 60 s: ${stderr.join('')}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return { name, base, child, readyMs: performance.now() - started, stderr } satisfies Server;
}

export async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  // A cleared timer, not a race with a pending one: that timer kept the benchmark alive 15 s after its report.
  const deadline = setTimeout(() => server.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(deadline);
}

/** Peak resident set size of a child (VmHWM), in MB. */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? /VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

// --- the run's database --------------------------------------------------------------------------

/** A consistent copy of an SQLite database (VACUUM INTO) for the raw server, with its own event count. */
export function sqliteCopy(file: string) {
  const copy = join(mkdtempSync(join(tmpdir(), 'gw-bench-raw-')), 'raw.sqlite');
  const source = new SQLite(file, { readonly: true });
  source.prepare('vacuum into ?').run(copy);
  source.close();
  let events: SQLite.Database | undefined;
  return {
    file: copy,
    async countEvents() {
      events ??= new SQLite(copy, { readonly: true });
      return (events.prepare('select count(*) as n from user_events').get() as { n: number }).n;
    },
    drop() {
      events?.close();
      rmSync(dirname(copy), { recursive: true, force: true });
    },
  };
}

/** A run's own database: where seeding and each gateway connect, and the event count that verifies writes. */
export interface BenchDatabase {
  /** For the log: the file, or the schema and server. */
  where: string;
  /** DATABASE_URL for seeding (which needs no durability). */
  seedUrl: string;
  /** Gateway environment of the default, durable setting (an acknowledged update is on disk)… */
  durable: { name: string; env: Record<string, string> };
  /** …and of the faster one it is compared with. */
  fast: { name: string; env: Record<string, string> };
  /** The durability comparison, as one line of the report. */
  durability(durableRps: number, fastRps: number, fastRounds: string): string;
  /** Rows in user_events (call after seeding). */
  countEvents(): Promise<number>;
  /** Closes the counting connection and deletes everything the run wrote. */
  drop(): Promise<void>;
}

/** A fresh SQLite file in a temporary folder; FULL against NORMAL synchronous. */
export function sqliteDatabase(): BenchDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'gw-bench-'));
  const file = join(dir, 'bench.sqlite');
  let events: SQLite.Database | undefined;
  return {
    where: file,
    seedUrl: file,
    durable: { name: 'FULL', env: { DATABASE_URL: file, SQLITE_SYNCHRONOUS: 'FULL' } },
    fast: { name: 'NORMAL', env: { DATABASE_URL: file, SQLITE_SYNCHRONOUS: 'NORMAL' } },
    durability: (durableRps, fastRps, fastRounds) =>
      `SQLITE_SYNCHRONOUS=FULL ${durableRps} req/s (the default: an acknowledged update survives power loss) ` +
      `vs NORMAL ${fastRps} req/s (per round: ${fastRounds}; may lose the last commits on power loss, never corrupts)`,
    async countEvents() {
      events ??= new SQLite(file, { readonly: true });
      return (events.prepare('select count(*) as n from user_events').get() as { n: number }).n;
    },
    async drop() {
      events?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The PostgreSQL server of `--db postgres` (trust auth); each run creates its own schema there. */
export const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL || DEFAULT_TEST_DATABASE_URL;
/** DATABASE_POOL_SIZE of each gateway on PostgreSQL (the gateway's default, stated). */
export const POOL_SIZE = 10;

/**
 * A fresh, randomly named schema in `baseUrl`'s database (made and dropped like the tests' schemas):
 * every connection selects it with `options=-c search_path=…`. Durable is `synchronous_commit=on`,
 * fast `off` — set per connection the same way.
 */
export async function postgresDatabase(baseUrl = BENCH_DATABASE_URL): Promise<BenchDatabase> {
  const unreachable = await postgresUnreachable(baseUrl);
  if (unreachable) throw new Error(`PostgreSQL at ${baseUrl}: ${unreachable} (set BENCH_DATABASE_URL)`);
  const schema = await createTestSchema(baseUrl);
  const gateway = (synchronousCommit: 'on' | 'off') => {
    const url = new URL(baseUrl);
    url.searchParams.set('options', `-c search_path=${schema.name} -c synchronous_commit=${synchronousCommit}`);
    return { DATABASE_URL: url.toString(), DATABASE_POOL_SIZE: String(POOL_SIZE) };
  };
  let counter: Promise<pg.Client> | undefined;
  const server = new URL(baseUrl);
  return {
    where: `schema ${schema.name} of ${server.host}${server.pathname}`,
    seedUrl: schema.url,
    durable: { name: 'synchronous_commit=on', env: gateway('on') },
    fast: { name: 'synchronous_commit=off', env: gateway('off') },
    durability: (durableRps, fastRps, fastRounds) =>
      `synchronous_commit=on ${durableRps} req/s (the default: an acknowledged update is in the WAL on disk) ` +
      `vs off ${fastRps} req/s (per round: ${fastRounds}; a PostgreSQL or OS crash may lose the last commits, ` +
      `up to 3 × wal_writer_delay, never corrupts)`,
    async countEvents() {
      counter ??= (async () => {
        const client = new pg.Client({ connectionString: schema.url });
        await client.connect();
        return client;
      })();
      const { rows } = await (await counter).query<{ n: number }>('select count(*)::int as n from user_events');
      return (rows[0] as { n: number }).n;
    },
    async drop() {
      await counter?.then((client) => client.end()).catch(() => {});
      await schema.drop();
    },
  };
}

// --- seeding -------------------------------------------------------------------------------------

export async function seed(url: string, users: number, migrated: () => void) {
  const config = loadConfig({ DATABASE_URL: url, SQLITE_SYNCHRONOUS: 'NORMAL', PASSWORD_HASH_COST: String(COST) });
  const { database } = await openMigratedDatabase(config);
  migrated();
  const newId = createIdGenerator();
  const admin = adminOver(database.db, newId, bcryptHasher(COST));
  // One cost-10 hash shared by every seeded user, so a password update's verify costs what it costs in production.
  const passwordHash = await bcryptHash('Seed-pass-1!', COST);
  const org = await admin.addOrganization({ name: 'Bench' });
  const owner = await admin.addHuman({
    orgId: org.id,
    username: 'bench-admin',
    givenName: 'Bench',
    familyName: 'Admin',
    email: 'admin@bench.example',
  });
  await admin.addRole({ userId: owner.id, role: 'IAM_OWNER' });
  const { token } = await admin.addToken({ userId: owner.id });
  const ids: string[] = [];
  for (let i = 0; i < users; i++) {
    const { id } = await admin.addHuman({
      orgId: org.id,
      username: `user-${i}`,
      givenName: 'Given',
      familyName: 'Family',
      email: `user-${i}@bench.example`,
      passwordHash,
    });
    ids.push(id);
  }
  await database.close();
  return { token, ids };
}

// --- load ----------------------------------------------------------------------------------------

export type Body = (n: number) => { method: 'POST' | 'PUT'; path: string; body: string };

export interface LoadResult {
  rps: number;
  ok: number;
  other: number;
  errors: number;
}

/** Request counter shared by every phase, so no request repeats an earlier one's values. */
let n = 0;

export async function load(base: string, token: string, body: Body, seconds: number, connections: number) {
  const result = await autocannon({
    url: base,
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    requests: [
      {
        setupRequest: (request) => {
          const { method, path, body: text } = body(n++);
          return { ...request, method, path, body: text };
        },
      },
    ],
  });
  const ok = result['2xx'];
  return { rps: ok / seconds, ok, other: result.non2xx, errors: result.errors + result.timeouts } satisfies LoadResult;
}

/** `load` on several gateways at once, the connections split evenly among them; the sums. */
export async function loadSplit(bases: string[], token: string, body: Body, seconds: number, connections: number) {
  const each = Math.max(1, Math.round(connections / bases.length));
  const results = await Promise.all(bases.map((base) => load(base, token, body, seconds, each)));
  const sum = (key: keyof LoadResult) => results.reduce((total, r) => total + r[key], 0);
  return { rps: sum('rps'), ok: sum('ok'), other: sum('other'), errors: sum('errors') } satisfies LoadResult;
}

const PROFILE_DOCUMENT =
  'mutation Rename($input: UpdateHumanUserInput!) { updateHumanUser(input: $input) { details { sequence changeDate resourceOwner } } }';
const ECHO_DOCUMENT =
  'mutation Echo($input: EchoInput!) { echo(input: $input) { details { sequence changeDate resourceOwner } } }';

export function bodies(ids: string[], passwordIds: string[]) {
  const user = (n: number) => ids[n % ids.length] as string;
  // A run-unique prefix: every request really changes the given name.
  const tag = Date.now().toString(36);
  const profile = (n: number) => ({ givenName: `G${tag}${n}`, familyName: 'Family' });
  return {
    echo: ((n) => ({
      method: 'POST',
      path: '/graphql',
      body: JSON.stringify({ query: ECHO_DOCUMENT, variables: { input: { userId: user(n), profile: profile(n) } } }),
    })) satisfies Body,
    graphql: ((n) => ({
      method: 'POST',
      path: '/graphql',
      body: JSON.stringify({ query: PROFILE_DOCUMENT, variables: { input: { userId: user(n), profile: profile(n) } } }),
    })) satisfies Body,
    rest: ((n) => ({
      method: 'PUT',
      path: `/v2/users/human/${user(n)}`,
      body: JSON.stringify({ profile: profile(n) }),
    })) satisfies Body,
    /** The raw server's echo (test/bench/raw-server.ts): REST's body, no database. */
    rawEcho: ((n) => ({
      method: 'POST',
      path: '/echo',
      body: JSON.stringify({ profile: profile(n) }),
    })) satisfies Body,
    password: ((n) => ({
      method: 'POST',
      path: '/graphql',
      body: JSON.stringify({
        query: PROFILE_DOCUMENT,
        variables: {
          input: {
            userId: passwordIds[n % passwordIds.length],
            password: { password: { password: `Bench-${tag}-${n}-pW1!` } },
          },
        },
      }),
    })) satisfies Body,
  };
}

/** hash+verify pairs with @node-rs/bcrypt alone, `parallelism` at a time, for `seconds`. */
export async function bcryptRaw(seconds: number, parallelism: number): Promise<number> {
  const stored = await bcryptHash('Seed-pass-1!', COST);
  // Counted like autocannon counts answers: pairs completed within the window.
  const end = performance.now() + seconds * 1000;
  let pairs = 0;
  await Promise.all(
    Array.from({ length: parallelism }, async (_, worker) => {
      for (let i = 0; performance.now() < end; i++) {
        const plain = `Raw-${worker}-${i}-pW1!`;
        // The order of a password update: compare with the current hash, then hash the new one.
        await bcryptVerify(plain, stored);
        await bcryptHash(plain, COST);
        if (performance.now() <= end) pairs++;
      }
    }),
  );
  return pairs / seconds;
}

/** Open-loop latency probe: `rate` requests per second for `seconds`; latencies in ms. */
export async function probe(base: string, token: string, body: Body, seconds: number, rate: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const latencies: number[] = [];
  const failures: string[] = [];
  const sends: Promise<void>[] = [];
  const start = performance.now();
  const total = Math.round(seconds * rate);
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const { method, path, body: text } = body(n++);
    sends.push(
      new Promise<void>((done) => {
        const sent = performance.now();
        const request = http.request(
          `${base}${path}`,
          {
            method,
            agent,
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${token}`,
              'content-length': Buffer.byteLength(text),
            },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (c: Buffer) => chunks.push(c));
            response.on('end', () => {
              // Latency from the scheduled send time: a delayed send (coordinated omission) counts.
              latencies.push(performance.now() - Math.min(sent, due));
              const answer = Buffer.concat(chunks).toString();
              if (response.statusCode !== 200 || answer.includes('"errors"')) failures.push(answer.slice(0, 200));
              done();
            });
          },
        );
        request.on('error', (error) => {
          failures.push(String(error));
          done();
        });
        request.end(text);
      }),
    );
  }
  await Promise.all(sends);
  agent.destroy();
  if (failures.length > 0) throw new Error(`latency probe: ${failures.length} failures, e.g. ${failures[0]}`);
  return latencies;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

export const median = (values: number[]) => percentile(values, 50);

/** The value of `--name value` or `--name=value` on this process's command line, if given. */
export function cliOption(name: string): string | undefined {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}
