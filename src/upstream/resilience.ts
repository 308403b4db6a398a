// Resilience around upstream calls: a circuit breaker that fails fast while upstream is down and
// lets one probe through after a pause, and bounded, jittered retries for idempotent reads. Time
// and randomness are injected, so tests drive them without sleeping.
import { Code, ConnectError } from '@connectrpc/connect';
import type { BreakerSettings, RetrySettings } from './config.js';
import { isTransportFailure, UpstreamErrors, UpstreamTransportError } from './errors.js';

export interface ResilienceClock {
  /** Milliseconds, monotonic enough for intervals. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: ResilienceClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * closed: calls pass; `failureThreshold` transport failures in a row open it.
 * open: calls fail fast with UNAVAILABLE (Retry-After = the rest of the pause) for `resetTimeoutMs`.
 * half-open: the first call after the pause is a probe; the others still fail fast. The probe's
 * success closes the breaker, its transport failure opens it again for another pause.
 * Upstream's application errors (NOT_FOUND, PERMISSION_DENIED…) prove it is up: they count as success.
 */
export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probing = false;

  constructor(
    private readonly settings: BreakerSettings,
    private readonly clock: Pick<ResilienceClock, 'now'> = systemClock,
    private readonly onStateChange: (state: BreakerState) => void = () => {},
  ) {}

  state(): BreakerState {
    if (this.current === 'open' && this.clock.now() - this.openedAt >= this.settings.resetTimeoutMs) {
      this.set('half-open');
    }
    return this.current;
  }

  async run<T>(call: () => Promise<T>): Promise<T> {
    const state = this.state();
    if (state === 'open' || (state === 'half-open' && this.probing)) {
      throw UpstreamErrors.unavailable(this.retryAfterSeconds());
    }
    const probe = state === 'half-open';
    if (probe) this.probing = true;
    try {
      const result = await call();
      this.succeeded();
      return result;
    } catch (error) {
      if (isTransportFailure(error)) this.failed();
      else this.succeeded();
      throw error;
    } finally {
      if (probe) this.probing = false;
    }
  }

  /** Seconds until an open breaker lets a probe through (at least 1). */
  retryAfterSeconds(): number {
    const left = this.settings.resetTimeoutMs - (this.clock.now() - this.openedAt);
    return Math.max(1, Math.ceil(left / 1000));
  }

  private succeeded(): void {
    this.failures = 0;
    if (this.current !== 'closed') this.set('closed');
  }

  private failed(): void {
    this.failures++;
    if (this.current === 'half-open' || this.failures >= this.settings.failureThreshold) {
      this.openedAt = this.clock.now();
      this.failures = 0;
      this.set('open');
    }
  }

  private set(state: BreakerState): void {
    if (state === this.current) return;
    this.current = state;
    this.onStateChange(state);
  }
}

/** Full-jitter exponential backoff: a random delay in [0, min(max, base·2^attempt)). */
export function backoffMs(attempt: number, settings: RetrySettings, random: () => number): number {
  return Math.floor(random() * Math.min(settings.maxMs, settings.baseMs * 2 ** attempt));
}

/**
 * Retries an idempotent call after transport failures that are worth another try (unreachable,
 * reset), at most `settings.retries` times. Never after upstream's own answer, a deadline (the
 * caller's time is spent) or an open breaker (it fails fast on purpose).
 */
export async function withRetries<T>(
  call: () => Promise<T>,
  settings: RetrySettings,
  clock: Pick<ResilienceClock, 'sleep'> = systemClock,
  random: () => number = Math.random,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= settings.retries || !retryable(error)) throw error;
      await clock.sleep(backoffMs(attempt, settings, random));
    }
  }
}

function retryable(error: unknown): boolean {
  // The breaker's fail-fast error (already mapped) and deadlines are final.
  if (error instanceof UpstreamTransportError) return false;
  if (error instanceof ConnectError && error.code === Code.DeadlineExceeded) return false;
  return isTransportFailure(error);
}
