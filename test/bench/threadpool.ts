// Experiment behind the hashing-thread sizing advice: gateways with UV_THREADPOOL_SIZE 1, 2 and 4
// (Node's default) on one SQLite file, measured alternately: password-update throughput at 4
// concurrent requests, and profile-update latency (open loop, fixed rate) alone and during that load.
//   npx tsx test/bench/threadpool.ts [--sizes=1,2,4] [--rounds=2] [--seconds=4]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bodies, COST, load, log, percentile, probe, type Server, seed, startServer, stopServer } from './lib.js';

const option = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const SIZES = option('sizes', '1,2,4').split(',');
const ROUNDS = Number(option('rounds', '2'));
const SECONDS = Number(option('seconds', '4'));
const PARALLELISM = 4;
const RATE = 50;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'gw-threadpool-'));
  const file = join(dir, 'bench.sqlite');
  const servers: Server[] = [];
  try {
    const { token, ids } = await seed(file, 2000, () => undefined);
    const half = ids.length / 2;
    const body = bodies(ids.slice(0, half), ids.slice(half));
    for (const size of SIZES) {
      servers.push(
        await startServer(`UV_THREADPOOL_SIZE=${size}`, 'src/main.ts', {
          DATABASE_URL: file,
          PASSWORD_HASH_COST: String(COST),
          LOG_LEVEL: 'error',
          NODE_ENV: 'production',
          UV_THREADPOOL_SIZE: size,
        }),
      );
    }
    const results = new Map(
      servers.map((s) => [s, { idle: [] as number[], loaded: [] as number[], rps: [] as number[] }]),
    );
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order each round so drift does not favour one size.
      const order = servers.map((_, i) => servers[(i + round) % servers.length] as Server);
      for (const server of order) {
        log(`round ${round + 1}: ${server.name}`);
        const r = results.get(server) as { idle: number[]; loaded: number[]; rps: number[] };
        r.idle.push(...(await probe(server.base, token, body.graphql, SECONDS, RATE)));
        const saturate = load(server.base, token, body.password, SECONDS + 1.5, PARALLELISM);
        await new Promise((done) => setTimeout(done, 750));
        r.loaded.push(...(await probe(server.base, token, body.graphql, SECONDS, RATE)));
        const s = await saturate;
        if (s.other > 0 || s.errors > 0) throw new Error(`password load: ${s.other} non-2xx, ${s.errors} errors`);
        r.rps.push(s.rps);
      }
    }
    console.log(
      `\n| gateway | password_update_rps (${PARALLELISM} concurrent) | p50 / p99 idle (ms) | p50 / p99 under password load (ms) | p99 ratio |`,
    );
    console.log('|---|---:|---:|---:|---:|');
    for (const [server, r] of results) {
      const rps = r.rps.reduce((a, b) => a + b, 0) / r.rps.length;
      const idle99 = percentile(r.idle, 99);
      const loaded99 = percentile(r.loaded, 99);
      console.log(
        `| ${server.name} | ${rps.toFixed(1)} | ${percentile(r.idle, 50).toFixed(1)} / ${idle99.toFixed(1)} | ` +
          `${percentile(r.loaded, 50).toFixed(1)} / ${loaded99.toFixed(1)} | ${(loaded99 / idle99).toFixed(1)} |`,
      );
    }
  } finally {
    await Promise.all(servers.map(stopServer));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
