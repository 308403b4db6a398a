// Failed authentications per client IP (issue 16.8): an address that failed `limit` times in a
// window gets 429 RESOURCE_EXHAUSTED with Retry-After for the rest of that window, answered from
// memory before any token lookup. Failures are counted in a WindowCounter: in the database on
// PostgreSQL, so an address blocked on one instance is answered 429 by any other at its next
// failure (and from memory after that). Requests without a client address (made in-process) are
// not limited: they would all share one count.
import { type DomainError, Errors } from '../domain/errors.js';
import { GRPC_CODES } from '../grpc-status.js';
import { UNKNOWN_CLIENT } from './rate-limit.js';
import type { WindowCounter } from './window-counter.js';

/** Addresses remembered as blocked at most; the oldest blocks go first. */
const MAX_BLOCKED = 10_000;

export class FailedAuthenticationLimit {
  /** Blocked address → end of its window (ms since the epoch). */
  private readonly blocked = new Map<string, number>();

  constructor(
    /** Failed authentications allowed per address and window; 0 = unlimited. */
    private readonly limit: number,
    private readonly counter: WindowCounter,
    private readonly now: () => number,
  ) {}

  /** Throws the 429 when `ip` is blocked: no database work. */
  check(ip: string): void {
    if (this.limit <= 0 || ip === UNKNOWN_CLIENT) return;
    const until = this.blocked.get(ip);
    if (until === undefined) return;
    if (until > this.now()) throw Errors.authenticationRateLimited();
    this.blocked.delete(ip);
  }

  /**
   * Counts `error` (a failed authentication) against `ip`; answers it, or the 429 when the
   * address is past its limit (possibly counted by other instances). Other errors pass as they are.
   */
  async failed(ip: string, error: DomainError): Promise<DomainError> {
    if (this.limit <= 0 || ip === UNKNOWN_CLIENT || error.code !== GRPC_CODES.UNAUTHENTICATED) return error;
    const { count, windowEndsAtMs } = await this.counter.hit(`auth-failed:${ip}`);
    if (count < this.limit) return error;
    this.blocked.delete(ip);
    this.blocked.set(ip, windowEndsAtMs);
    if (this.blocked.size > MAX_BLOCKED) {
      for (const oldest of this.blocked.keys()) {
        this.blocked.delete(oldest);
        if (this.blocked.size <= MAX_BLOCKED / 2) break;
      }
    }
    return count > this.limit ? Errors.authenticationRateLimited() : error;
  }
}
