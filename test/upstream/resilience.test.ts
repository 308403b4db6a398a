// The breaker's states and the retries' backoff with an injected clock and random source (no
// sleeping), and upstream mode's settings.
import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { DomainError } from '../../src/domain/errors.js';
import { loadUpstreamSettings, UPSTREAM_CONFIG_VARIABLES } from '../../src/upstream/config.js';
import { UpstreamErrors, UpstreamTransportError } from '../../src/upstream/errors.js';
import { type BreakerState, backoffMs, CircuitBreaker, withRetries } from '../../src/upstream/resilience.js';

class FakeClock {
  ms = 0;
  slept: number[] = [];
  now = () => this.ms;
  sleep = async (ms: number) => {
    this.slept.push(ms);
    this.ms += ms;
  };
}

const reset = () => new ConnectError('read ECONNRESET', Code.Aborted);
const notFound = () => new DomainError(5, 'COMMAND-ugjs0upun6', 'User could not be found');
const fail = (error: Error) => () => Promise.reject(error);
const succeed = () => Promise.resolve('ok');

function breaker(failureThreshold = 3, resetTimeoutMs = 10_000) {
  const clock = new FakeClock();
  const states: BreakerState[] = [];
  const b = new CircuitBreaker({ failureThreshold, resetTimeoutMs }, clock, (s) => states.push(s));
  return { b, clock, states };
}

describe('circuit breaker', () => {
  it('opens after the threshold of consecutive transport failures, not before', async () => {
    const { b, states } = breaker(3);
    await expect(b.run(fail(reset()))).rejects.toThrow('ECONNRESET');
    await expect(b.run(fail(reset()))).rejects.toThrow('ECONNRESET');
    expect(b.state()).toBe('closed');
    await expect(b.run(fail(reset()))).rejects.toThrow('ECONNRESET');
    expect(b.state()).toBe('open');
    expect(states).toEqual(['open']);
  });

  it('a success or an answer from upstream resets the count', async () => {
    const { b } = breaker(2);
    await expect(b.run(fail(reset()))).rejects.toThrow();
    await expect(b.run(fail(notFound()))).rejects.toThrow('User could not be found');
    await expect(b.run(fail(reset()))).rejects.toThrow();
    expect(b.state()).toBe('closed');
    await b.run(succeed);
    await expect(b.run(fail(reset()))).rejects.toThrow();
    expect(b.state()).toBe('closed');
  });

  it('fails fast while open with Retry-After = the rest of the pause, then lets one probe through', async () => {
    const { b, clock, states } = breaker(1, 10_000);
    await expect(b.run(fail(reset()))).rejects.toThrow();
    clock.ms += 2_500;
    let called = 0;
    const error = await b.run(async () => ++called).catch((e: unknown) => e);
    expect(called).toBe(0);
    expect(error).toBeInstanceOf(UpstreamTransportError);
    expect(error).toMatchObject({ code: 14, id: 'GATEWAY-UPSTREAM503', retryAfterSeconds: 8 });

    clock.ms += 7_500;
    expect(b.state()).toBe('half-open');
    // While the probe runs, everyone else still fails fast.
    let release: (value: string) => void = () => {};
    const probe = b.run(() => new Promise<string>((resolve) => (release = resolve)));
    await expect(b.run(succeed)).rejects.toMatchObject({ id: 'GATEWAY-UPSTREAM503' });
    release('back');
    await expect(probe).resolves.toBe('back');
    expect(b.state()).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('a failed probe opens it again for a whole pause', async () => {
    const { b, clock, states } = breaker(1, 1_000);
    await expect(b.run(fail(reset()))).rejects.toThrow();
    clock.ms += 1_000;
    await expect(b.run(fail(reset()))).rejects.toThrow('ECONNRESET');
    expect(b.state()).toBe('open');
    expect(b.retryAfterSeconds()).toBe(1);
    clock.ms += 999;
    expect(b.state()).toBe('open');
    clock.ms += 1;
    expect(b.state()).toBe('half-open');
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open']);
  });
});

describe('retries', () => {
  const settings = { retries: 3, baseMs: 100, maxMs: 300 };

  it('full jitter: a random delay below min(max, base·2^attempt)', () => {
    expect([0, 1, 2, 3].map((attempt) => backoffMs(attempt, settings, () => 0.999))).toEqual([99, 199, 299, 299]);
    expect(backoffMs(2, settings, () => 0)).toBe(0);
  });

  it('retries transport failures up to the bound, sleeping the jittered backoff', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const call = async () => {
      calls++;
      throw reset();
    };
    await expect(withRetries(call, settings, clock, () => 0.5)).rejects.toThrow('ECONNRESET');
    expect(calls).toBe(4);
    expect(clock.slept).toEqual([50, 100, 150]);
  });

  it('stops at the first success', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const call = async () => {
      if (++calls < 3) throw reset();
      return 'user';
    };
    await expect(withRetries(call, settings, clock, () => 0.5)).resolves.toBe('user');
    expect(calls).toBe(3);
  });

  it.each([
    ['upstream’s answer', notFound()],
    ['a deadline', new ConnectError('deadline', Code.DeadlineExceeded)],
    ['the open breaker', UpstreamErrors.unavailable(5)],
  ])('never retries %s', async (_name, error) => {
    let calls = 0;
    const call = async () => {
      calls++;
      throw error;
    };
    await expect(withRetries(call, settings, new FakeClock())).rejects.toBe(error);
    expect(calls).toBe(1);
  });
});

describe('settings', () => {
  it('are undefined without ZITADEL_URL (embedded mode), with defaults otherwise', () => {
    expect(loadUpstreamSettings({})).toBeUndefined();
    expect(loadUpstreamSettings({ ZITADEL_URL: '' })).toBeUndefined();
    expect(loadUpstreamSettings({ ZITADEL_URL: 'https://my-instance.example/' })).toEqual({
      url: 'https://my-instance.example',
      insecure: false,
      caFile: undefined,
      timeoutMs: 5_000,
      poolSize: 2,
      keepAliveMs: 30_000,
      retry: { retries: 2, baseMs: 50, maxMs: 1_000 },
      breaker: { failureThreshold: 5, resetTimeoutMs: 10_000 },
    });
  });

  it('take http:// only with ZITADEL_INSECURE=true', () => {
    expect(() => loadUpstreamSettings({ ZITADEL_URL: 'http://localhost:8080' })).toThrow(ConfigError);
    expect(() => loadUpstreamSettings({ ZITADEL_URL: 'http://localhost:8080' })).toThrow(/ZITADEL_INSECURE=true/);
    expect(loadUpstreamSettings({ ZITADEL_URL: 'http://localhost:8080', ZITADEL_INSECURE: 'true' })).toMatchObject({
      url: 'http://localhost:8080',
      insecure: true,
    });
    expect(() => loadUpstreamSettings({ ZITADEL_URL: 'https://x.example', ZITADEL_INSECURE: 'true' })).toThrow(
      /only applies to an http/,
    );
  });

  it.each([
    [{ ZITADEL_URL: 'ftp://x.example' }, 'ZITADEL_URL="ftp://x.example"'],
    [{ ZITADEL_URL: 'not a url' }, 'ZITADEL_URL="not a url"'],
    [{ ZITADEL_URL: 'https://user:pw@x.example' }, 'must not carry credentials'],
    [{ ZITADEL_URL: 'https://x.example', UPSTREAM_TIMEOUT_MS: '0' }, 'UPSTREAM_TIMEOUT_MS="0"'],
    [{ ZITADEL_URL: 'https://x.example', UPSTREAM_POOL_SIZE: 'many' }, 'UPSTREAM_POOL_SIZE="many"'],
    [{ ZITADEL_URL: 'https://x.example', UPSTREAM_RETRY_BASE_MS: '500', UPSTREAM_RETRY_MAX_MS: '100' }, 'RETRY_MAX_MS'],
  ])('refuse %o naming the variable', (env, text) => {
    expect(() => loadUpstreamSettings(env)).toThrow(ConfigError);
    expect(() => loadUpstreamSettings(env)).toThrow(text);
  });

  it('list every variable they read', () => {
    expect(UPSTREAM_CONFIG_VARIABLES).toContain('ZITADEL_URL');
    expect(UPSTREAM_CONFIG_VARIABLES).toContain('UPSTREAM_BREAKER_RESET_MS');
    expect(UPSTREAM_CONFIG_VARIABLES).toHaveLength(11);
  });
});
