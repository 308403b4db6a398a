// `tsx test/bench/compare-builds.ts --base <dir> [--db postgres|sqlite] [--rounds R] [--seconds S] [--users N]`:
// two builds of the gateway side by side in one run, so that a change is measured against its
// parent under the same machine load (a shared machine's load drifts between separate runs).
//
// <dir> holds an older checkout built with `npm run build` (e.g. `git archive <commit> | tar -x -C
// <dir>`, a node_modules symlink, `npm run build` there); this checkout is built here. One database
// (lib's `seed`, as `npm run bench`) serves both; GraphQL profile updates, 32 connections, in
// alternating rounds: base then this build, then this build then base, … On PostgreSQL each build
// also runs as two instances on the same schema (16 + 16 connections), alternating the same way.
// Then the latency of each at a fixed 40 req/s (one instance, alternating). Prints the medians, this
// build / base, and the latency percentiles.
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import {
  bodies,
  COST,
  cliOption,
  loadSplit,
  log,
  median,
  POOL_SIZE,
  percentile,
  postgresDatabase,
  probe,
  ROOT,
  type Server,
  seed,
  sqliteDatabase,
  startServer,
  stopServer,
} from './lib.js';

const option = cliOption;
const BASE = option('base');
if (!BASE) throw new Error('--base <dir with an older build in dist/main.js> is required');
const POSTGRES = (option('db') ?? 'postgres') === 'postgres';
const ROUNDS = Number(option('rounds') ?? 4);
const SECONDS = Number(option('seconds') ?? 5);
const USERS = Number(option('users') ?? 2000);
const CONNECTIONS = 32;

execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
const db = POSTGRES ? await postgresDatabase() : sqliteDatabase();
const servers: Server[] = [];
try {
  log(`seeding ${USERS} users into ${db.where} …`);
  const { token, ids } = await seed(db.seedUrl, USERS, () => {});
  const env = { PASSWORD_HASH_COST: String(COST), LOG_LEVEL: 'warn', NODE_ENV: 'production', ...db.durable.env };
  const start = async (name: string, script: string) => {
    const server = await startServer(name, script, { ...env, DATABASE_POOL_SIZE: String(POOL_SIZE) });
    servers.push(server);
    return server;
  };
  const builds = {
    base: [await start('base', resolve(BASE, 'dist/main.js'))],
    this: [await start('this', 'dist/main.js')],
  };
  if (POSTGRES) {
    builds.base.push(await start('base 2', resolve(BASE, 'dist/main.js')));
    builds.this.push(await start('this 2', 'dist/main.js'));
  }
  const body = bodies(ids, []).graphql;
  const load0 = loadavg()[0] ?? 0;
  const phases = POSTGRES ? [1, 2] : [1];
  const rps = new Map<string, number[]>();
  const run = async (build: 'base' | 'this', instances: number, seconds: number, counted: boolean) => {
    const bases = builds[build].slice(0, instances).map((s) => s.base);
    const r = await loadSplit(bases, token, body, seconds, CONNECTIONS);
    if (r.other > 0 || r.errors > 0) throw new Error(`${build} × ${instances}: ${r.other} non-2xx, ${r.errors} errors`);
    const key = `${build} × ${instances}`;
    if (counted) rps.set(key, [...(rps.get(key) ?? []), Math.round(r.rps)]);
  };
  for (const instances of phases) for (const build of ['base', 'this'] as const) await run(build, instances, 2, false);
  for (let round = 0; round < ROUNDS; round++) {
    log(`round ${round + 1}/${ROUNDS} …`);
    const order = round % 2 === 0 ? (['base', 'this'] as const) : (['this', 'base'] as const);
    for (const instances of phases) for (const build of order) await run(build, instances, SECONDS, true);
  }
  // Latency at a fixed, low rate (one instance each, alternating): what round trips cost a request.
  const latencies = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? (['base', 'this'] as const) : (['this', 'base'] as const);
    for (const build of order) {
      const base = builds[build][0]?.base as string;
      latencies.set(build, [...(latencies.get(build) ?? []), ...(await probe(base, token, body, 3, 40))]);
    }
  }
  const load1 = loadavg()[0] ?? 0;
  console.log(
    `\n${POSTGRES ? 'PostgreSQL' : 'SQLite'}, GraphQL profile update, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds × ${SECONDS} s, ` +
      `${USERS} users; base ${BASE}; 1-min load ${load0.toFixed(1)} → ${load1.toFixed(1)}\n`,
  );
  console.log(
    "| instances | base req/s | this req/s | this / base | median of the rounds' ratios | per round (base; this) |",
  );
  console.log('|---:|---:|---:|---:|---:|---|');
  for (const instances of phases) {
    const b = rps.get(`base × ${instances}`) ?? [];
    const t = rps.get(`this × ${instances}`) ?? [];
    // Each round measured both builds back to back: its ratio is the least affected by drift.
    const paired = median(b.map((x, i) => (t[i] ?? 0) / x));
    console.log(
      `| ${instances} | ${median(b)} | ${median(t)} | ${(median(t) / median(b)).toFixed(2)} | ${paired.toFixed(2)} | ` +
        `${b.join(', ')}; ${t.join(', ')} |`,
    );
  }
  const ms = (build: string, p: number) => percentile(latencies.get(build) ?? [], p).toFixed(2);
  console.log(
    `\nlatency at 40 req/s (1 instance, ${ROUNDS} × 3 s each): base p50 ${ms('base', 50)} ms, p90 ${ms('base', 90)} ms; ` +
      `this p50 ${ms('this', 50)} ms, p90 ${ms('this', 90)} ms`,
  );
} finally {
  for (const server of servers) await stopServer(server).catch(() => {});
  await db.drop();
}
