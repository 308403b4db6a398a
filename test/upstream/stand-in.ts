// The embedded gateway as a stand-in for ZITADEL (it speaks upstream's UserService over gRPC),
// listening on a loopback port, and the upstream-mode pieces pointed at it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DomainError } from '../../src/domain/errors.js';
import { enableH2c } from '../../src/grpc/server.js';
import { httpStatusOf } from '../../src/grpc-status.js';
import { type UpstreamCallRecord, UpstreamClient, type UpstreamClientOptions } from '../../src/upstream/client.js';
import { loadUpstreamSettings, type UpstreamSettings } from '../../src/upstream/config.js';
import type { BreakerState } from '../../src/upstream/resilience.js';
import type { Failure } from '../support/faces.js';
import { createHarness, type Harness, type World } from '../support/harness.js';

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
  const server: Server = createServer(h.app.yoga);
  enableH2c(server, h.app.yoga, { maxBodyBytes: h.config.maxRequestBodyBytes, onUnexpected: () => {} });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    h,
    w,
    port,
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await h.close();
    },
  };
}

/** Upstream settings for a loopback URL (h2c allowed), with environment-style overrides. */
export function settingsFor(url: string, env: Record<string, string> = {}): UpstreamSettings {
  const settings = loadUpstreamSettings({
    ZITADEL_URL: url,
    ZITADEL_INSECURE: String(url.startsWith('http:')),
    ...env,
  });
  if (!settings) throw new Error('no settings');
  return settings;
}

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
