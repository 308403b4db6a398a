// The body of one bcrypt hashing thread (started by hash-workers.ts; never imported by the main
// thread except for its types). It lowers its own OS priority first, then answers one job at a time.
// Bundled by esbuild as dist/hash-worker.js beside dist/main.js (package.json `build`); from source it
// runs through tsx's loader, registered by the thread's bootstrap in hash-workers.ts.
import { readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { hashSync, verifySync } from '@node-rs/bcrypt';

export type HashJob =
  | { op: 'hash'; password: string; cost: number }
  | { op: 'verify'; password: string; encoded: string };

export type HashReply = { ok: true; value: string | boolean } | { ok: false; message: string };

export interface HashWorkerData {
  /** OS niceness for this thread (0 = unchanged; Linux only). */
  nice: number;
}

/** One job's answer. A stored hash bcrypt cannot read never matches; any other failure is the caller's error. */
export function runJob(job: HashJob): HashReply {
  try {
    return {
      ok: true,
      value: job.op === 'hash' ? hashSync(job.password, job.cost) : verifySync(job.password, job.encoded),
    };
  } catch (error) {
    return job.op === 'verify'
      ? { ok: true, value: false }
      : { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/** Linux: setpriority() on a thread id changes that thread only. Best effort elsewhere. */
function lowerOwnPriority(nice: number): void {
  if (nice <= 0 || process.platform !== 'linux') return;
  try {
    const tid = Number(readFileSync('/proc/thread-self/stat', 'utf8').split(' ')[0]);
    setPriority(tid, nice);
  } catch {
    // No /proc or no permission: hash at normal priority.
  }
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  lowerOwnPriority((workerData as HashWorkerData).nice);
  port.on('message', (job: HashJob) => port.postMessage(runJob(job)));
}
