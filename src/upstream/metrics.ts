// /metrics for upstream mode: calls by method and code, latency by method, and the breaker's
// state. `upstreamMetrics(registry)` defines them on the app's registry and returns the observer
// that feeds them; `combineObservers` adds the log line beside it.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { UpstreamCallRecord, UpstreamObserver } from './client.js';
import type { BreakerState } from './resilience.js';

const BREAKER_VALUES: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export function upstreamMetrics(registry: Registry): UpstreamObserver {
  const calls = new Counter({
    name: 'gateway_upstream_calls_total',
    help: 'Calls to the upstream ZITADEL by RPC method and resulting gRPC code (OK, NOT_FOUND, UNAVAILABLE…).',
    labelNames: ['method', 'code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'gateway_upstream_call_duration_seconds',
    help: 'Latency of calls to the upstream ZITADEL by RPC method (each retry counts as a call).',
    labelNames: ['method'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const breaker = new Gauge({
    name: 'gateway_upstream_breaker_state',
    help: 'Circuit breaker in front of the upstream ZITADEL: 0 closed, 1 half-open (probing), 2 open (failing fast).',
    registers: [registry],
  });
  breaker.set(0);
  return {
    onCall(record) {
      calls.inc({ method: record.method, code: record.code });
      duration.observe({ method: record.method }, record.durationMs / 1000);
    },
    onBreakerState(state) {
      breaker.set(BREAKER_VALUES[state]);
    },
  };
}

/** The part of a pino logger the log observer needs. */
export interface UpstreamLog {
  info(object: Record<string, unknown>, message: string): void;
  warn(object: Record<string, unknown>, message: string): void;
}

/** One log line per upstream call (method, duration, code, request id) and per breaker change. */
export function upstreamLogObserver(log: UpstreamLog): UpstreamObserver {
  return {
    onCall(record: UpstreamCallRecord) {
      // `grpcCode`, not `code`: the logger redacts every `code` field (verification codes).
      const { code, ...rest } = record;
      const line = { upstream: { ...rest, grpcCode: code, durationMs: Math.round(record.durationMs * 10) / 10 } };
      if (record.code === 'UNAVAILABLE' || record.code === 'DEADLINE_EXCEEDED') log.warn(line, 'upstream call failed');
      else log.info(line, 'upstream call');
    },
    onBreakerState(state) {
      log.warn({ upstream: { breaker: state } }, `upstream circuit breaker ${state}`);
    },
  };
}

/** Several observers as one; one that throws does not stop the others or the call. */
export function combineObservers(...observers: UpstreamObserver[]): UpstreamObserver {
  const each = (fn: (o: UpstreamObserver) => void) => {
    for (const observer of observers) {
      try {
        fn(observer);
      } catch {
        // Observability must never fail a call.
      }
    }
  };
  return {
    onCall: (record) => each((o) => o.onCall(record)),
    onBreakerState: (state) => each((o) => o.onBreakerState(state)),
  };
}
