// `npx tsx test/bench/ab.ts <before.js> <after.js> [seconds] [rounds]`: two builds of the gateway
// side by side on one SQLite file (FULL, logs at info), GraphQL and REST profile updates in
// alternating rounds; the same-run ratio after/before of the throughput, and of each gateway's
// CPU time per answered request (which other processes on a shared machine disturb far less). For measuring one change (the build before
// it copied aside, e.g. `cp -r dist dist-before` inside the worktree so its externals resolve).
import { readFileSync } from 'node:fs';
import { bodies, load, log, median, seed, sqliteDatabase, startServer, stopServer } from './lib.js';

/** CPU time (user + system) of a process so far, in µs (Linux /proc, clock ticks of 10 ms). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

const [before, after] = process.argv.slice(2, 4);
if (!before || !after) throw new Error('usage: ab.ts <before.js> <after.js> [seconds] [rounds]');
const seconds = Number(process.argv[4] ?? 4);
const rounds = Number(process.argv[5] ?? 3);
const db = sqliteDatabase();
const { token, ids } = await seed(db.seedUrl, 1000, () => {});
const body = bodies(ids, []);
const env = { DATABASE_URL: db.seedUrl, LOG_LEVEL: 'info', NODE_ENV: 'production', PASSWORD_HASH_COST: '10' };
const a = await startServer('before', before, env);
const b = await startServer('after', after, env);
try {
  const figures: Record<string, number[]> = {};
  for (const kind of ['graphql', 'rest'] as const) {
    await load(a.base, token, body[kind], 1, 32);
    await load(b.base, token, body[kind], 1, 32);
  }
  for (let round = 0; round < rounds; round++) {
    for (const kind of ['graphql', 'rest'] as const) {
      for (const [name, server] of [
        ['before', a],
        ['after', b],
      ] as const) {
        // The previous phase's stragglers finish first (both gateways write the same users).
        await new Promise((done) => setTimeout(done, 500));
        const cpu = cpuMicros(server.child.pid as number);
        const r = await load(server.base, token, body[kind], seconds, 32);
        // Stragglers answered after the window are in the CPU time, not in r.ok: a small bias, alike for both.
        const perRequest = (cpuMicros(server.child.pid as number) - cpu) / r.ok;
        if (r.other || r.errors) log(`${name} ${kind}: ${r.other} non-2xx, ${r.errors} errors`);
        const key = `${kind} ${name}`;
        figures[key] = [...(figures[key] ?? []), r.rps];
        figures[`${key} cpu`] = [...(figures[`${key} cpu`] ?? []), perRequest];
      }
    }
  }
  for (const kind of ['graphql', 'rest']) {
    const x = figures[`${kind} before`] as number[];
    const y = figures[`${kind} after`] as number[];
    const ratios = y.map((v, i) => v / (x[i] as number));
    log(
      `${kind}: before ${x.map((v) => v.toFixed(0)).join(', ')} | after ${y.map((v) => v.toFixed(0)).join(', ')} | ` +
        `after/before median ${median(ratios).toFixed(2)} (${ratios.map((r) => r.toFixed(2)).join(', ')})`,
    );
    const cx = figures[`${kind} before cpu`] as number[];
    const cy = figures[`${kind} after cpu`] as number[];
    log(
      `${kind} CPU µs per request: before ${cx.map((v) => v.toFixed(0)).join(', ')} (median ${median(cx).toFixed(0)}) | ` +
        `after ${cy.map((v) => v.toFixed(0)).join(', ')} (median ${median(cy).toFixed(0)})`,
    );
  }
} finally {
  await stopServer(a);
  await stopServer(b);
  await db.drop();
}
