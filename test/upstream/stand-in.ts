// The embedded gateway as a stand-in for ZITADEL (it speaks upstream's UserService over gRPC),
// listening on a loopback port, and the upstream-mode pieces pointed at it.
import { DomainError } from '../../src/domain/errors.js';
import { httpStatusOf } from '../../src/grpc-status.js';
import { type UpstreamCallRecord, UpstreamClient, type UpstreamClientOptions } from '../../src/upstream/client.js';
import type { UpstreamSettings } from '../../src/upstream/config.js';
import type { BreakerState } from '../../src/upstream/resilience.js';
import type { Failure } from '../support/faces.js';
import { createHarness, type Harness, type World } from '../support/harness.js';
import { serveOnLoopback, settingsFor } from '../support/upstream-front.js';

export interface StandIn {
  h: Harness;
  w: World;
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startStandIn(): Promise<StandIn> {
  const h = await createHarness();
  const w = await h.seed();
  const served = await serveOnLoopback(h.app.yoga, h.config.maxRequestBodyBytes);
  return {
    h,
    w,
    port: served.port,
    url: served.url,
    async close() {
      await served.close();
      await h.close();
    },
  };
}

export { settingsFor };

/** A client that records every call and breaker change. */
export function recordingClient(settings: UpstreamSettings, options: Omit<UpstreamClientOptions, 'observer'> = {}) {
  const calls: UpstreamCallRecord[] = [];
  const breaker: BreakerState[] = [];
  const client = new UpstreamClient(settings, {
    ...options,
    observer: { onCall: (record) => calls.push(record), onBreakerState: (state) => breaker.push(state) },
  });
  return { client, calls, breaker };
}

/** What a rejected promise rejected with, normalized like test/support/faces.ts's Failure. */
export async function failureOf(call: Promise<unknown>): Promise<Failure> {
  const error = await call.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
  if (!(error instanceof DomainError)) throw error;
  return {
    status: httpStatusOf(error.code),
    code: error.code,
    message: error.message,
    ...(error.id ? { id: error.id } : {}),
    ...(error.details.failedAttempts !== undefined ? { failedAttempts: error.details.failedAttempts } : {}),
  };
}
