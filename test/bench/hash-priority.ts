// Experiment: can password hashing saturate the cores without starving the event loop?
// Compares @node-rs/bcrypt on libuv's pool with the gateway's hashing threads
// (src/domain/users/hash-worker.ts) at normal priority and at nice 19 (per thread on Linux), while the main
// thread serves a stand-in for profile updates: 1 ms of CPU every 10 ms, timed from schedule to done.
//   npx tsx test/bench/hash-priority.ts [--seconds=6] [--workers=2]
import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/bcrypt';
import { workerBcryptHasher } from '../../src/domain/users/hash-workers.js';

const COST = 10;

{
  const option = (name: string, fallback: string) =>
    process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
  const SECONDS = Number(option('seconds', '6'));
  const WORKERS = Number(option('workers', String(availableParallelism())));
  const PARALLELISM = 4;

  const spin = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end) {}
  };

  /** The stand-in request stream: p50/p99 of schedule-to-done latency in ms. */
  async function requests(seconds: number): Promise<number[]> {
    const latencies: number[] = [];
    const start = performance.now();
    for (let i = 0; i < seconds * 100; i++) {
      const due = start + i * 10;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      spin(1);
      latencies.push(performance.now() - due);
    }
    return latencies.sort((a, b) => a - b);
  }
  const pct = (sorted: number[], p: number) => (sorted[Math.ceil((p / 100) * sorted.length) - 1] ?? 0).toFixed(1);

  async function withLoad(name: string, pair: (plain: string) => Promise<unknown>) {
    let pairs = 0;
    let running = true;
    const loops = Array.from({ length: PARALLELISM }, async (_, w) => {
      for (let i = 0; running; i++) {
        await pair(`Pw-${w}-${i}-x1!`);
        pairs++;
      }
    });
    const latencies = await requests(SECONDS);
    running = false;
    await Promise.all(loops);
    console.log(`| ${name} | ${(pairs / SECONDS).toFixed(1)} | ${pct(latencies, 50)} / ${pct(latencies, 99)} |`);
  }

  /** The gateway's own hashing threads (src/domain/users/hash-worker.ts), at a given niceness. */
  function workerPool(nice: number) {
    const hasher = workerBcryptHasher(COST, { threads: WORKERS, nice });
    const run = async (plain: string) => {
      await hasher.verify(plain, await hasher.hash(plain));
    };
    return { run, close: () => hasher.close() };
  }

  console.log(`\n| hashing (${PARALLELISM} concurrent pairs) | pairs/s | stand-in request p50 / p99 (ms) |`);
  console.log('|---|---:|---:|');
  const idle = await requests(SECONDS);
  console.log(`| none (idle) | – | ${pct(idle, 50)} / ${pct(idle, 99)} |`);
  await withLoad('libuv pool (UV_THREADPOOL_SIZE default 4)', async (plain) => {
    const stored = await hash(plain, COST);
    await verify(plain, stored);
  });
  const normal = workerPool(0);
  await withLoad(`${WORKERS} worker threads, normal priority`, normal.run);
  await normal.close();
  const niced = workerPool(19);
  await withLoad(`${WORKERS} worker threads, nice 19`, niced.run);
  await niced.close();
}
