// Upstream mode when the network between the gateway and upstream misbehaves: a fault peer in front
// of the stand-in hangs, resets, answers 503 or presents a self-signed certificate. Every failure
// must end as UNAVAILABLE (503, Retry-After) or DEADLINE_EXCEEDED (504) within the deadline, the
// breaker must fail fast while upstream is down and close by itself once it is back.
import { createServer as createHttp2Server, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UserService } from '../../src/grpc/gen/zitadel/user/v2/user_service_pb.js';
import { forwardedHeaders, type UpstreamClient } from '../../src/upstream/client.js';
import { UpstreamTransportError } from '../../src/upstream/errors.js';
import { UpstreamUserOperations } from '../../src/upstream/operations.js';
import {
  type Certificate,
  closedPort,
  type FaultPeer,
  selfSignedCertificate,
  startFaultPeer,
} from '../support/fault-peer.js';
import { failureOf, recordingClient, type StandIn, settingsFor, startStandIn } from './stand-in.js';

const TIMEOUT_MS = 600;
/** Generous slack over the deadline for a loaded 2-core machine; a hang would blow far past it. */
const SLACK_MS = 2_000;

let s: StandIn;
let peer: FaultPeer | undefined;
const clients: UpstreamClient[] = [];

beforeAll(async () => {
  s = await startStandIn();
});
afterAll(async () => {
  await s.close();
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await peer?.close();
  peer = undefined;
});

function clientFor(url: string, env: Record<string, string> = {}, ca?: string) {
  const recorded = recordingClient(
    settingsFor(url, { UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS), UPSTREAM_RETRIES: '0', ...env }),
    ca ? { ca } : {},
  );
  clients.push(recorded.client);
  return recorded;
}

const asOwner = (client: UpstreamClient) =>
  new UpstreamUserOperations(client, { authorization: `Bearer ${s.w.orgOwner.token}` });

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
}

const UNAVAILABLE = {
  status: 503,
  code: 14,
  id: 'GATEWAY-UPSTREAM503',
  message: 'The upstream ZITADEL is unavailable',
};
const TIMEOUT = {
  status: 504,
  code: 4,
  id: 'GATEWAY-UPSTREAM504',
  message: 'The upstream ZITADEL did not answer in time',
};

/** Polls until `check` holds, failing after `ms`: no fixed sleeps. */
async function eventually(check: () => Promise<boolean>, ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('transport failures', () => {
  it('passes through the proxy untouched when nothing is wrong', async () => {
    peer = await startFaultPeer(s.port);
    const { client } = clientFor(peer.url);
    expect((await asOwner(client).getUserById(s.w.alice.id)).username).toBe('alice');
    expect(await client.ready()).toBe(true);
  });

  it('a peer that never answers ends as DEADLINE_EXCEEDED (504) at the deadline', async () => {
    peer = await startFaultPeer(s.port);
    peer.mode = 'hang';
    const { client, calls } = clientFor(peer.url);
    const { value, ms } = await timed(
      failureOf(asOwner(client).updateHumanUser({ userId: s.w.alice.id, username: 'never-applied' })),
    );
    expect(value).toEqual(TIMEOUT);
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    expect(calls).toMatchObject([
      { method: 'UpdateHumanUser', code: 'DEADLINE_EXCEEDED', errorId: 'GATEWAY-UPSTREAM504' },
    ]);
    expect((await s.h.repository.findUser(s.w.alice.id))?.username).toBe('alice');
  });

  it.each([
    ['connection reset', 'reset'],
    ['an HTTP 503 from a proxy', 'http503'],
  ] as const)('%s is UNAVAILABLE (503) with Retry-After', async (_name, mode) => {
    peer = await startFaultPeer(s.port);
    peer.mode = mode;
    const { client } = clientFor(peer.url);
    const call = asOwner(client).updateHumanUser({ userId: s.w.alice.id, username: 'never-applied' });
    const { value, ms } = await timed(call.catch((e: unknown) => e));
    expect(await failureOf(Promise.reject(value))).toEqual(UNAVAILABLE);
    expect(value).toBeInstanceOf(UpstreamTransportError);
    expect(value).toMatchObject({ httpStatus: 503, retryAfterSeconds: 1 });
    expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
  });

  it('an unreachable upstream (connection refused) is UNAVAILABLE, and not ready', async () => {
    const { client } = clientFor(`http://127.0.0.1:${await closedPort()}`);
    const { value, ms } = await timed(failureOf(asOwner(client).getUserById(s.w.alice.id)));
    expect(value).toEqual(UNAVAILABLE);
    expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    expect(await client.ready()).toBe(false);
  });
});

describe('TLS', () => {
  let certificate: Certificate;
  beforeAll(() => {
    certificate = selfSignedCertificate();
  });

  it('refuses a self-signed certificate: UNAVAILABLE, nothing sent', async () => {
    peer = await startFaultPeer(s.port, { tls: certificate });
    const { client } = clientFor(peer.url);
    expect(await failureOf(asOwner(client).updateHumanUser({ userId: s.w.bob.id, username: 'bobby' }))).toEqual(
      UNAVAILABLE,
    );
    expect((await s.h.repository.findUser(s.w.bob.id))?.username).toBe('bob');
    expect(await client.ready()).toBe(false);
  });

  it('accepts it once its CA is configured (ZITADEL_CA_FILE)', async () => {
    peer = await startFaultPeer(s.port, { tls: certificate });
    const { client } = clientFor(peer.url, {}, certificate.cert);
    expect((await asOwner(client).getUserById(s.w.bob.id)).username).toBe('bob');
    expect(await client.ready()).toBe(true);
  });
});

describe('circuit breaker and retries', () => {
  it('opens after consecutive failures, fails fast, and closes by itself when upstream is back', async () => {
    peer = await startFaultPeer(s.port);
    peer.mode = 'reset';
    const { client, breaker } = clientFor(peer.url, {
      UPSTREAM_BREAKER_FAILURES: '3',
      UPSTREAM_BREAKER_RESET_MS: '300',
    });
    // One request each, as the gateway makes them.
    for (let i = 0; i < 3; i++) {
      expect(await failureOf(asOwner(client).getUserById(s.w.alice.id))).toEqual(UNAVAILABLE);
    }
    expect(client.breakerState()).toBe('open');

    // Open: no connection is even tried.
    const connections = peer.connections;
    const { value, ms } = await timed(
      asOwner(client)
        .getUserById(s.w.alice.id)
        .catch((e: unknown) => e),
    );
    expect(await failureOf(Promise.reject(value))).toEqual(UNAVAILABLE);
    expect(value).toMatchObject({ retryAfterSeconds: 1 });
    expect(ms).toBeLessThan(100);
    expect(peer.connections).toBe(connections);

    // Upstream comes back: after the pause one probe goes through and closes the breaker.
    peer.mode = 'pass';
    peer.dropConnections();
    await eventually(async () => client.breakerState() === 'half-open', 5_000);
    expect((await asOwner(client).getUserById(s.w.alice.id)).id).toBe(s.w.alice.id);
    expect(client.breakerState()).toBe('closed');
    expect(breaker).toEqual(['open', 'half-open', 'closed']);
  });

  it('upstream’s own errors do not open it', async () => {
    peer = await startFaultPeer(s.port);
    const { client } = clientFor(peer.url, { UPSTREAM_BREAKER_FAILURES: '1' });
    const ops = asOwner(client);
    expect(await failureOf(ops.getUserById('no-such-user'))).toMatchObject({ code: 5, id: 'QUERY-Dfbg2' });
    expect(client.breakerState()).toBe('closed');
  });

  it('retries GetUserByID after a reset, but never a write', async () => {
    peer = await startFaultPeer(s.port);
    peer.mode = 'reset';
    const { client, calls } = clientFor(peer.url, { UPSTREAM_RETRIES: '2', UPSTREAM_RETRY_BASE_MS: '5' });
    const ops = asOwner(client);
    expect(await failureOf(ops.getUserById(s.w.alice.id))).toEqual(UNAVAILABLE);
    expect(calls.map((c) => [c.method, c.attempt])).toEqual([
      ['GetUserByID', 1],
      ['GetUserByID', 2],
      ['GetUserByID', 3],
    ]);
    calls.length = 0;
    expect(await failureOf(ops.updateHumanUser({ userId: s.w.alice.id, username: 'x-alice' }))).toEqual(UNAVAILABLE);
    expect(calls.map((c) => [c.method, c.attempt])).toEqual([['UpdateHumanUser', 1]]);
    // The code flows and UpdateUser are writes too (a code is consumed, a failure counted).
    calls.length = 0;
    const userId = s.w.alice.id;
    const writes = [
      () => ops.updateUser({ userId, username: 'x-alice' }),
      () => ops.verifyEmail({ userId, verificationCode: 'ABCDEF' }),
      () => ops.resendEmailCode({ userId, delivery: { kind: 'returnCode' } }),
      () => ops.verifyPhone({ userId, verificationCode: 'ABCDEF' }),
      () => ops.resendPhoneCode({ userId, delivery: { kind: 'sendCode' } }),
    ];
    for (const write of writes) expect(await failureOf(write())).toEqual(UNAVAILABLE);
    expect(calls.map((c) => [c.method, c.attempt])).toEqual([
      ['UpdateUser', 1],
      ['VerifyEmail', 1],
      ['ResendEmailCode', 1],
      ['VerifyPhone', 1],
      ['ResendPhoneCode', 1],
    ]);
  });
});

describe('what is forwarded', () => {
  let fake: Http2Server;
  const seen: Headers[] = [];
  afterEach(async () => {
    seen.length = 0;
    for (const client of clients.splice(0)) client.close();
    await new Promise((resolve) => fake.close(resolve));
  });

  it('Authorization unchanged, x-zitadel-orgid, Accept-Language and the request id; nothing absent', async () => {
    fake = createHttp2Server(
      connectNodeAdapter({
        routes: (router) =>
          router.service(UserService, {
            getUserByID(req, ctx) {
              seen.push(ctx.requestHeader);
              return { user: { userId: req.userId, type: { case: 'human', value: {} } } };
            },
          }),
      }),
    );
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const { client, calls } = clientFor(`http://127.0.0.1:${(fake.address() as AddressInfo).port}`);
    const request = new Request('http://gateway/graphql', {
      headers: {
        authorization: 'Bearer  odd-but-passed-as-is',
        'x-zitadel-orgid': 'org-1',
        'accept-language': 'de-CH, de;q=0.9',
        cookie: 'session=never-forwarded',
      },
    });
    await new UpstreamUserOperations(client, forwardedHeaders(request, 'req-42')).getUserById('u1');
    await new UpstreamUserOperations(client, { authorization: 'Bearer t' }).getUserById('u2');
    expect(seen[0]?.get('authorization')).toBe('Bearer  odd-but-passed-as-is');
    expect(seen[0]?.get('x-zitadel-orgid')).toBe('org-1');
    expect(seen[0]?.get('accept-language')).toBe('de-CH, de;q=0.9');
    expect(seen[0]?.get('x-request-id')).toBe('req-42');
    expect(seen[0]?.get('cookie')).toBeNull();
    expect(Number(seen[0]?.get('grpc-timeout')?.replace(/m$/, ''))).toBeLessThanOrEqual(TIMEOUT_MS);
    expect([seen[1]?.get('x-zitadel-orgid'), seen[1]?.get('accept-language'), seen[1]?.get('x-request-id')]).toEqual([
      null,
      null,
      null,
    ]);
    expect(calls.map((c) => c.requestId)).toEqual(['req-42', undefined]);
  });
});
