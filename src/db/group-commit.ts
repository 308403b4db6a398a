// Group commit for SQLite: the writes that arrive together share one transaction and one fsync.
//
// With SQLITE_SYNCHRONOUS=FULL every COMMIT waits for the disk (fsync of the WAL), and
// better-sqlite3 does that on the event loop: with one transaction per update the disk wait was
// a third of the gateway's busy time under load (`npm run bench -- --profile`). Here a write is
// queued, and at the end of the current turn of the event loop (setImmediate) everything queued
// runs in one transaction, each write inside its own SAVEPOINT:
//   - a write that throws is rolled back to its savepoint alone (the others stay in the batch);
//   - every write's promise settles only after the COMMIT, so "acknowledged" still means
//     "on disk" — if the COMMIT fails, every write of the batch fails and nothing was written.
// Under light load a batch holds one write, so nothing waits longer than it did; under load the
// batch grows with the queue and the fsync is shared.
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from './types.js';

/** Runs `work` in a transaction: all of it is written, or none of it. */
export type Transact = <T>(work: (trx: Transaction<Database>) => Promise<T>) => Promise<T>;

/** One transaction per call (PostgreSQL: the server commits concurrent transactions together itself). */
export function plainTransact(db: Kysely<Database>): Transact {
  return (work) => db.transaction().execute(work);
}

interface Queued {
  work: (trx: Transaction<Database>) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export interface GroupCommitOptions {
  /** Most writes in one transaction (a longer queue is split over several). */
  maxBatch?: number;
  /** Called with the size of every committed batch (metrics). */
  onBatch?: (size: number) => void;
}

export function groupCommit(db: Kysely<Database>, options: GroupCommitOptions = {}): Transact {
  const maxBatch = options.maxBatch ?? 256;
  const queue: Queued[] = [];
  let scheduled = false;
  let flushing = false;

  const schedule = () => {
    if (scheduled || flushing || queue.length === 0) return;
    scheduled = true;
    setImmediate(flush);
  };

  async function flush(): Promise<void> {
    scheduled = false;
    flushing = true;
    const batch = queue.splice(0, maxBatch);
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      await db.transaction().execute(async (trx) => {
        // A batch of one needs no savepoint: if it fails, the whole transaction rolls back.
        if (batch.length === 1) {
          outcomes.push({ ok: true, value: await (batch[0] as Queued).work(trx) });
          return;
        }
        for (const item of batch) {
          await sql`savepoint w`.execute(trx);
          try {
            outcomes.push({ ok: true, value: await item.work(trx) });
            await sql`release w`.execute(trx);
          } catch (error) {
            await sql`rollback to w`.execute(trx);
            await sql`release w`.execute(trx);
            outcomes.push({ ok: false, error });
          }
        }
      });
      options.onBatch?.(batch.length);
      batch.forEach((item, i) => {
        const outcome = outcomes[i] as (typeof outcomes)[number];
        if (outcome.ok) item.resolve(outcome.value);
        else item.reject(outcome.error);
      });
    } catch (error) {
      // BEGIN, a savepoint statement, a batch of one's work or COMMIT failed: the transaction was
      // rolled back whole.
      for (const item of batch) item.reject(error);
    } finally {
      flushing = false;
      schedule();
    }
  }

  return (work) =>
    new Promise((resolve, reject) => {
      queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      schedule();
    });
}
