// Upstream calls in /metrics and in the log: calls by method and code, latency, breaker state.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { combineObservers, upstreamLogObserver, upstreamMetrics } from '../../src/upstream/metrics.js';

describe('upstream observability', () => {
  it('counts calls by method and code, observes latency and shows the breaker state', async () => {
    const registry = new Registry();
    const observer = upstreamMetrics(registry);
    observer.onCall({ method: 'GetUserByID', durationMs: 12, code: 'OK', attempt: 1 });
    observer.onCall({ method: 'GetUserByID', durationMs: 40, code: 'OK', attempt: 1 });
    observer.onCall({ method: 'UpdateHumanUser', durationMs: 5_000, code: 'DEADLINE_EXCEEDED', attempt: 1 });
    observer.onBreakerState('open');
    const text = await registry.metrics();
    expect(text).toContain('gateway_upstream_calls_total{method="GetUserByID",code="OK"} 2');
    expect(text).toContain('gateway_upstream_calls_total{method="UpdateHumanUser",code="DEADLINE_EXCEEDED"} 1');
    expect(text).toContain('gateway_upstream_call_duration_seconds_bucket{le="0.025",method="GetUserByID"} 1');
    expect(text).toContain('gateway_upstream_call_duration_seconds_bucket{le="0.05",method="GetUserByID"} 2');
    expect(text).toContain('gateway_upstream_call_duration_seconds_sum{method="UpdateHumanUser"} 5');
    expect(text).toContain('gateway_upstream_breaker_state 2');
    observer.onBreakerState('closed');
    expect(await registry.metrics()).toContain('gateway_upstream_breaker_state 0');
  });

  it('logs each call with method, duration, gRPC code (as grpcCode: the logger redacts `code`) and request id; failures and breaker changes as warnings', () => {
    const lines: [string, Record<string, unknown>, string][] = [];
    const log = {
      info: (o: Record<string, unknown>, m: string) => lines.push(['info', o, m]),
      warn: (o: Record<string, unknown>, m: string) => lines.push(['warn', o, m]),
    };
    const throwing = {
      onCall: () => {
        throw new Error('broken observer');
      },
      onBreakerState: () => {},
    };
    const observer = combineObservers(throwing, upstreamLogObserver(log));
    observer.onCall({ method: 'PasswordReset', durationMs: 3.14, code: 'OK', requestId: 'r1', attempt: 1 });
    observer.onCall({
      method: 'GetUserByID',
      durationMs: 9,
      code: 'UNAVAILABLE',
      errorId: 'GATEWAY-UPSTREAM503',
      attempt: 2,
    });
    observer.onBreakerState('half-open');
    expect(lines).toEqual([
      [
        'info',
        { upstream: { method: 'PasswordReset', durationMs: 3.1, grpcCode: 'OK', requestId: 'r1', attempt: 1 } },
        'upstream call',
      ],
      [
        'warn',
        {
          upstream: {
            method: 'GetUserByID',
            durationMs: 9,
            grpcCode: 'UNAVAILABLE',
            errorId: 'GATEWAY-UPSTREAM503',
            attempt: 2,
          },
        },
        'upstream call failed',
      ],
      ['warn', { upstream: { breaker: 'half-open' } }, 'upstream circuit breaker half-open'],
    ]);
  });
});
