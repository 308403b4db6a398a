// Counts events per key in fixed windows, for the rate limits: in memory (SQLite: one instance per
// database file) or in the database (PostgreSQL: every instance on the schema shares the count, so
// N instances still allow the limit once, not N times).
import type { Kysely } from 'kysely';
import type { DatabaseHandle } from '../db/connection.js';
import type { Database } from '../db/types.js';

/** The count of `key` in the current window, this hit included, and when that window ends. */
export interface WindowCount {
  count: number;
  windowEndsAtMs: number;
}

export interface WindowCounter {
  hit(key: string): WindowCount | Promise<WindowCount>;
}

/** Keys kept in memory at most; the least recently hit go first. */
const MAX_KEYS = 10_000;

export class MemoryWindowCounter implements WindowCounter {
  private readonly counts = new Map<string, { window: number; count: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  hit(key: string): WindowCount {
    const window = Math.floor(this.now() / this.windowMs);
    const previous = this.counts.get(key);
    const count = previous?.window === window ? previous.count + 1 : 1;
    this.counts.delete(key); // re-insert: the map stays ordered by last hit
    this.counts.set(key, { window, count });
    if (this.counts.size > MAX_KEYS) {
      for (const stale of this.counts.keys()) {
        this.counts.delete(stale);
        if (this.counts.size <= MAX_KEYS / 2) break;
      }
    }
    return { count, windowEndsAtMs: (window + 1) * this.windowMs };
  }
}

/** Old windows are deleted after this many hits of one instance (a cheap, bounded table). */
const PRUNE_EVERY = 1_000;

export class DatabaseWindowCounter implements WindowCounter {
  private hits = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  async hit(key: string): Promise<WindowCount> {
    const window = Math.floor(this.now() / this.windowMs);
    // One atomic statement: concurrent hits on any instance each add exactly one.
    const row = await this.db
      .insertInto('rate_limit_hits')
      .values({ key, window_index: window, hits: 1 })
      .onConflict((oc) =>
        oc.columns(['key', 'window_index']).doUpdateSet((eb) => ({ hits: eb('rate_limit_hits.hits', '+', 1) })),
      )
      .returning('hits')
      .executeTakeFirstOrThrow();
    if (++this.hits % PRUNE_EVERY === 0) {
      await this.db.deleteFrom('rate_limit_hits').where('window_index', '<', window).execute();
    }
    return { count: Number(row.hits), windowEndsAtMs: (window + 1) * this.windowMs };
  }
}

/** The counter for the database's engine: shared on PostgreSQL, in memory on SQLite. */
export function windowCounterFor(database: DatabaseHandle, windowMs: number, now: () => number): WindowCounter {
  return database.engine === 'postgres'
    ? new DatabaseWindowCounter(database.db, windowMs, now)
    : new MemoryWindowCounter(windowMs, now);
}
