// Experiment: can password hashing saturate the cores without starving the event loop?
// Compares @node-rs/bcrypt on libuv's pool (what the gateway does) with bcrypt run synchronously
// in worker threads whose OS priority is lowered (nice 19, per thread on Linux), while the main
// thread serves a stand-in for profile updates: 1 ms of CPU every 10 ms, timed from schedule to done.
//   npx tsx test/bench/hash-priority.ts [--seconds=6] [--workers=2]
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { hash, verify } from '@node-rs/bcrypt';

const require = createRequire(import.meta.url);

const COST = 10;

// The worker (CommonJS source: worker threads do not inherit tsx's TypeScript loader).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { setPriority } = require('node:os');
const { hashSync, verifySync } = require(workerData.bcrypt);
// Linux: setpriority() on a thread id changes that thread only.
const tid = Number(readFileSync('/proc/thread-self/stat', 'utf8').split(' ')[0]);
if (workerData.nice) setPriority(tid, 19);
parentPort.on('message', (plain) => {
  const stored = hashSync(plain, ${COST});
  verifySync(plain, stored);
  parentPort.postMessage(1);
});
`;

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

  function workerPool(nice: boolean) {
    const workers = Array.from(
      { length: WORKERS },
      () => new Worker(WORKER_SOURCE, { eval: true, workerData: { nice, bcrypt: require.resolve('@node-rs/bcrypt') } }),
    );
    const idle = [...workers];
    const queue: (() => void)[] = [];
    const run = (plain: string) =>
      new Promise<void>((done) => {
        const go = () => {
          const worker = idle.pop() as Worker;
          worker.once('message', () => {
            idle.push(worker);
            queue.shift()?.();
            done();
          });
          worker.postMessage(plain);
        };
        if (idle.length > 0) go();
        else queue.push(go);
      });
    return { run, close: () => Promise.all(workers.map((w) => w.terminate())) };
  }

  console.log(`\n| hashing (${PARALLELISM} concurrent pairs) | pairs/s | stand-in request p50 / p99 (ms) |`);
  console.log('|---|---:|---:|');
  const idle = await requests(SECONDS);
  console.log(`| none (idle) | – | ${pct(idle, 50)} / ${pct(idle, 99)} |`);
  await withLoad('libuv pool (UV_THREADPOOL_SIZE default 4)', async (plain) => {
    const stored = await hash(plain, COST);
    await verify(plain, stored);
  });
  const normal = workerPool(false);
  await withLoad(`${WORKERS} worker threads, normal priority`, normal.run);
  await normal.close();
  const niced = workerPool(true);
  await withLoad(`${WORKERS} worker threads, nice 19`, niced.run);
  await niced.close();
}
