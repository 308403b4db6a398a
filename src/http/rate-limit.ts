// A per-user and per-client-IP limit on password and code checks (429 RESOURCE_EXHAUSTED).
// In-memory sliding windows: the limit holds per gateway instance, not across a cluster.
// It wraps the request's credential-check budget, so every check counts — each alias of a
// GraphQL request as well as each request.
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../context.js';
import { Errors } from '../domain/errors.js';

// One minute: the catalogue's Retry-After for `rateLimited` says the same.
const WINDOW_MS = 60_000;
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

export interface CredentialRateLimitOptions {
  perUser: number;
  perIp: number;
  /** Milliseconds since the epoch (the app's clock, so tests can move the window). */
  now: () => number;
}

/** The client address: the socket's peer (X-Forwarded-For is not trusted). */
function clientIp(context: Record<string, unknown>): string {
  const req = context.req as { socket?: { remoteAddress?: string } } | undefined;
  return req?.socket?.remoteAddress ?? 'unknown';
}

export function useCredentialCheckRateLimit(options: CredentialRateLimitOptions): Plugin<GraphQLContext> {
  const byUser = new SlidingWindowLimiter(options.perUser, options.now);
  const byIp = new SlidingWindowLimiter(options.perIp, options.now);
  return {
    onContextBuilding() {
      return ({ context }) => {
        const budget = context.budget;
        if (!budget) return;
        const ip = clientIp(context as unknown as Record<string, unknown>);
        // Wrapped in place: the operations read the budget object the context factory made (yoga
        // copies the factory's members into its own context, so a replaced member is not seen).
        const inner = budget.consumeCredentialCheck.bind(budget);
        budget.consumeCredentialCheck = (userId?: string) => {
          inner(userId);
          const ipOk = byIp.take(ip);
          const userOk = userId === undefined || byUser.take(userId);
          if (!ipOk || !userOk) throw Errors.rateLimited();
        };
      };
    },
  };
}
