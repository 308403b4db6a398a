// A per-user and per-client-IP limit on password and code checks (429 RESOURCE_EXHAUSTED).
// SQLite: in-memory sliding windows (one instance per database file). PostgreSQL: fixed windows
// counted in the database (src/http/window-counter.ts), so the limit holds across instances.
// It wraps the request's credential-check budget, so every check counts — each alias of a
// GraphQL request as well as each request.
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../context.js';
import { Errors } from '../domain/errors.js';
import type { WindowCounter } from './window-counter.js';

// One minute: the catalogue's Retry-After for `rateLimited` says the same.
export const WINDOW_MS = 60_000;
const MAX_KEYS = 10_000;

/** Counts events per key in a sliding window of `windowMs`. A limit of 0 means unlimited. */
export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly now: () => number,
    private readonly windowMs = WINDOW_MS,
  ) {}

  /** Records one event for `key`; false (nothing recorded) when the key is over its limit. */
  take(key: string): boolean {
    if (this.limit <= 0) return true;
    const now = this.now();
    const recent = (this.hits.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (recent.length >= this.limit) {
      this.hits.set(key, recent);
      return false;
    }
    recent.push(now);
    this.hits.delete(key); // re-insert: the map stays ordered by last use
    this.hits.set(key, recent);
    if (this.hits.size > MAX_KEYS) this.prune(now);
    return true;
  }

  private prune(now: number): void {
    for (const [key, times] of this.hits) {
      if (this.hits.size <= MAX_KEYS / 2) break;
      if ((times.at(-1) ?? 0) <= now - this.windowMs || this.hits.size > MAX_KEYS) this.hits.delete(key);
    }
  }
}

interface Limiter {
  /** Records one event for `key`; false when the key is over its limit. */
  take(key: string): boolean | Promise<boolean>;
}

/** A limit counted in a shared WindowCounter (fixed windows). */
class CountedLimiter {
  constructor(
    private readonly limit: number,
    private readonly counter: WindowCounter,
    private readonly prefix: string,
  ) {}

  async take(key: string): Promise<boolean> {
    if (this.limit <= 0) return true;
    return (await this.counter.hit(`${this.prefix}:${key}`)).count <= this.limit;
  }
}

export interface CredentialRateLimitOptions {
  perUser: number;
  perIp: number;
  /** Milliseconds since the epoch (the app's clock, so tests can move the window). */
  now: () => number;
  /** Count in this shared counter (PostgreSQL) instead of this instance's memory. */
  counter?: WindowCounter;
}

/** What clientIp answers without a socket (a request made in-process, e.g. app.fetch). */
export const UNKNOWN_CLIENT = 'unknown';

/** The client address: the socket's peer (X-Forwarded-For is not trusted). */
export function clientIp(context: Record<string, unknown>): string {
  const req = context.req as { socket?: { remoteAddress?: string } } | undefined;
  return req?.socket?.remoteAddress ?? UNKNOWN_CLIENT;
}

export function useCredentialCheckRateLimit(options: CredentialRateLimitOptions): Plugin<GraphQLContext> {
  const { counter } = options;
  const byUser: Limiter = counter
    ? new CountedLimiter(options.perUser, counter, 'credential-user')
    : new SlidingWindowLimiter(options.perUser, options.now);
  const byIp: Limiter = counter
    ? new CountedLimiter(options.perIp, counter, 'credential-ip')
    : new SlidingWindowLimiter(options.perIp, options.now);
  return {
    onContextBuilding() {
      return ({ context }) => {
        const inner = context.budget;
        if (!inner) return;
        const ip = clientIp(context as unknown as Record<string, unknown>);
        const own = inner.consumeCredentialCheck.bind(inner);
        // Wrapped in place: the request's operations hold this budget object (yoga's context is
        // a copy of the one the context factory built, so replacing the property would not reach them).
        inner.consumeCredentialCheck = async (userId?: string) => {
          await own(userId);
          const [ipOk, userOk] = await Promise.all([byIp.take(ip), userId === undefined || byUser.take(userId)]);
          if (!ipOk || !userOk) throw Errors.rateLimited();
        };
      };
    },
  };
}
