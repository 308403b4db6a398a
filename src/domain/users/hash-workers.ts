// bcrypt on a pool of low-priority worker threads.
//
// Password updates are CPU-bound (a cost-12 hash is ~250 ms of one core). On libuv's thread
// pool they compete with the event loop as equals, so while a few password updates saturate the
// cores every profile update's latency grows several-fold (measured: p99 4.5× idle at cost 10).
// Here each hashing thread lowers its own OS priority (nice 19; on Linux setpriority() on a thread
// id changes that thread only), so the kernel runs the event loop first and hashing takes the
// remaining CPU: the same hashing throughput on an otherwise idle machine, and request latency
// that barely moves under password load (test/bench/hash-priority.ts, `npm run bench`).
//
// Threads start on first use (a deployment that never changes passwords pays nothing), do one
// job at a time, and never keep the process alive. A thread that dies fails its job and is
// replaced by the next job.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { HashReply, HashWorkerData, HashJob as Job } from './hash-worker.js';
import type { PasswordHasher } from './passwords.js';

/**
 * How to start a hashing thread. The bundle has dist/hash-worker.js beside dist/main.js (plain
 * JavaScript). From source (tsx, vitest) there is only hash-worker.ts, and worker threads do not
 * inherit the TypeScript loader: a two-line bootstrap registers tsx's require hook in the thread,
 * then loads the module through it.
 */
function workerEntry(): { entry: URL | string; eval: boolean } {
  const built = new URL('./hash-worker.js', import.meta.url);
  if (existsSync(built)) return { entry: built, eval: false };
  const require = createRequire(import.meta.url);
  const tsx = require.resolve('tsx/cjs/api');
  const source = fileURLToPath(new URL('./hash-worker.ts', import.meta.url));
  return { entry: `require(${JSON.stringify(tsx)}).register();\nrequire(${JSON.stringify(source)});`, eval: true };
}

interface Pending {
  job: Job;
  resolve(value: string | boolean): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  current: Pending | undefined;
}

export interface HashWorkerOptions {
  /** Hashing threads (at most this many jobs run at once). */
  threads: number;
  /** OS niceness of the hashing threads (0 = normal priority; Linux only). */
  nice?: number;
}

export interface WorkerHasher extends PasswordHasher {
  /** Jobs waiting for a free thread. */
  readonly queued: number;
  /** Stops the threads; queued and running jobs fail. */
  close(): Promise<void>;
}

export function workerBcryptHasher(cost: number, options: HashWorkerOptions): WorkerHasher {
  const threads = Math.max(1, Math.floor(options.threads));
  const { entry, eval: evaluate } = workerEntry();
  const data: HashWorkerData = { nice: options.nice ?? 19 };
  const slots: Slot[] = [];
  const queue: Pending[] = [];
  let closed = false;

  function spawn(): Slot {
    const worker = new Worker(entry, {
      eval: evaluate,
      workerData: data,
      // A thread that only hashes needs little heap; keeps each thread's memory small.
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
      stdout: false,
      stderr: false,
    });
    worker.unref();
    const slot: Slot = { worker, current: undefined };
    worker.on('message', (reply: HashReply) => {
      const done = slot.current;
      slot.current = undefined;
      if (done) {
        if (reply.ok) done.resolve(reply.value);
        else done.reject(new Error(`bcrypt: ${reply.message}`));
      }
      dispatch();
    });
    const fail = (error: Error) => {
      const index = slots.indexOf(slot);
      if (index >= 0) slots.splice(index, 1);
      const lost = slot.current;
      slot.current = undefined;
      lost?.reject(error);
      dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`hashing thread exited (${code})`)));
    slots.push(slot);
    return slot;
  }

  function dispatch(): void {
    while (!closed && queue.length > 0) {
      const slot = slots.find((s) => s.current === undefined) ?? (slots.length < threads ? spawn() : undefined);
      if (!slot) return;
      const next = queue.shift() as Pending;
      slot.current = next;
      slot.worker.postMessage(next.job);
    }
  }

  function run(job: Job): Promise<string | boolean> {
    if (closed) return Promise.reject(new Error('password hasher is closed'));
    return new Promise((resolve, reject) => {
      queue.push({ job, resolve, reject });
      dispatch();
    });
  }

  return {
    hash: async (password) => (await run({ op: 'hash', password, cost })) as string,
    // A malformed stored hash answers false (as bcryptHasher); a lost thread or a closed pool
    // rejects, so an infrastructure failure is never counted as a wrong password.
    verify: async (password, encoded) => (await run({ op: 'verify', password, encoded })) === true,
    get queued() {
      return queue.length;
    },
    async close() {
      closed = true;
      const error = new Error('password hasher is closed');
      for (const pending of queue.splice(0)) pending.reject(error);
      await Promise.all(slots.splice(0).map((s) => s.worker.terminate()));
    },
  };
}
