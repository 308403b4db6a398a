// Live user events (issue 19.2): subscription userEvents over SSE and WebSocket against a real
// server (createGatewayServer on 127.0.0.1:0), on SQLite and PostgreSQL. Replay then live, gapless
// and ordered through a burst of concurrent updates, visibility, a revoked token ending the stream,
// limits, shutdown, HTTP bounds that do not cut a healthy SSE stream, and (PostgreSQL) an update
// through one instance reaching a subscriber of another through LISTEN/NOTIFY.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/connection.js';
import { sha256Hex } from '../../src/http/trusted-documents.js';
import { createLogger } from '../../src/logger.js';
import { TEST_ENGINE } from '../support/engine.js';
import { createHarness, type Harness, UPDATE, type World } from '../support/harness.js';
import {
  type GatewayOnLoopback,
  type LiveStream,
  serveGateway,
  sseSubscribe,
  USER_EVENTS,
  wsClient,
  wsSubscribe,
} from '../support/live-clients.js';
import { upstreamFront } from '../support/upstream-front.js';

const POLL_MS = 100;

let h: Harness;
let w: World;
let served: GatewayOnLoopback;
const streams: LiveStream[] = [];

async function start(env: Record<string, string> = {}, options: Parameters<typeof serveGateway>[1] = {}) {
  h = await createHarness({ SUBSCRIPTION_POLL_MS: String(POLL_MS), ...env });
  w = await h.seed();
  served = await serveGateway(h.app.yoga, options);
}

afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  await served?.close();
  await h?.close();
});

const sse = async (token: string | null, variables: Record<string, unknown>, base = served.base) => {
  const stream = await sseSubscribe(fetch, base, token, variables);
  streams.push(stream);
  return stream;
};
const ws = (token: string | null, variables: Record<string, unknown>, client?: ReturnType<typeof wsClient>) => {
  const stream = wsSubscribe(served.base, token, variables, client);
  streams.push(stream);
  return stream;
};

async function rename(givenName: string, token = w.orgOwner.token) {
  const res = await h.gql(UPDATE, { input: { userId: w.alice.id, profile: { givenName, familyName: 'Test' } } }, token);
  expect(res.body.errors).toBeUndefined();
  const payload = res.body.data?.updateHumanUser as { details: { sequence: string } } | undefined;
  return Number(payload?.details.sequence);
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe.each(['sse', 'ws'] as const)('userEvents over %s', (transport) => {
  beforeEach(async () => {
    await start();
  });
  const follow = (token: string | null, variables: Record<string, unknown>) =>
    transport === 'sse' ? sse(token, variables) : Promise.resolve(ws(token, variables));

  it('replays the log after afterSequence, then streams new events as they commit', async () => {
    await rename('Replay1'); // 2
    await rename('Replay2'); // 3
    const stream = await follow(w.orgOwner.token, { userId: w.alice.id, afterSequence: '1' });
    await expect.poll(() => stream.sequences(), { timeout: 5_000 }).toEqual([2, 3]);
    await rename('Live'); // 4
    await expect.poll(() => stream.sequences(), { timeout: 5_000 }).toEqual([2, 3, 4]);
    const live = stream.results.at(-1)?.data?.userEvents;
    expect(live).toMatchObject({
      type: 'profile.changed',
      sequence: '4',
      creator: w.orgOwner.id,
      payload: { givenName: 'Live' },
    });
    expect(live?.creationDate).toBe('2026-11-23T10:00:00.000Z');
    expect(stream.errors()).toEqual([]);
    expect(stream.ended).toBe(false);

    // Without afterSequence: the whole log from 1.
    const whole = await follow(w.alice.token, { userId: w.alice.id });
    await expect.poll(() => whole.sequences(), { timeout: 5_000 }).toEqual([1, 2, 3, 4]);
    expect(whole.results[0]?.data?.userEvents).toMatchObject({ type: 'user.created', sequence: '1' });
  });

  it('is gapless and in order, without duplicates, through a burst of 200 concurrent updates', async () => {
    const before = (await h.repository.findUser(w.alice.id))?.sequence as number;
    const stream = await follow(w.orgOwner.token, { userId: w.alice.id, afterSequence: String(before - 1) });
    await expect.poll(() => stream.sequences(), { timeout: 5_000 }).toEqual([before]);
    const started = Date.now();
    const updates = await Promise.all(range(1, 200).map((i) => rename(`Burst${i}`)));
    expect(new Set(updates).size).toBe(200);
    const last = before + 200;
    expect(Math.max(...updates)).toBe(last);
    await expect.poll(() => stream.sequences().length, { timeout: 15_000 }).toBe(201);
    expect(stream.sequences()).toEqual(range(before, last));
    expect(Date.now() - started).toBeLessThan(20_000);
    // Each event says what its update set.
    const names = stream.results.slice(1).map((r) => r.data?.userEvents?.payload.givenName);
    expect(new Set(names).size).toBe(200);
    expect(stream.errors()).toEqual([]);
  }, 40_000);

  it('refuses a caller who may not read the user (GetUserByID errors), and a caller without a token', async () => {
    const bob = await follow(w.bob.token, { userId: w.alice.id });
    await expect.poll(() => bob.errors().length, { timeout: 5_000 }).toBe(1);
    expect(bob.errors()[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', id: 'AUTHZ-cdgFk' });
    const stranger = await follow(w.otherOwner.token, { userId: w.alice.id });
    await expect.poll(() => stranger.errors()[0]?.extensions?.id, { timeout: 5_000 }).toBe('AUTHZ-cdgFk');
    const nobody = await follow(null, { userId: w.alice.id });
    await expect.poll(() => nobody.errors()[0]?.extensions?.code, { timeout: 5_000 }).toBe('UNAUTHENTICATED');
    const badSequence = await follow(w.alice.token, { userId: w.alice.id, afterSequence: '-1' });
    await expect.poll(() => badSequence.errors()[0]?.extensions?.id, { timeout: 5_000 }).toBe('GATEWAY-SEQ400');
    await rename('Secret');
    // None of them saw an event.
    for (const stream of [bob, stranger, nobody, badSequence]) expect(stream.sequences()).toEqual([]);
  });

  it('ends the stream when its token is revoked', async () => {
    const stream = await follow(w.alice.token, { userId: w.alice.id, afterSequence: '1' });
    await rename('BeforeRevoke');
    await expect.poll(() => stream.sequences(), { timeout: 5_000 }).toEqual([2]);
    await h.admin.revokeToken({ token: w.alice.token });
    await expect.poll(() => stream.ended, { timeout: 5_000 }).toBe(true);
    expect(stream.errors().at(-1)?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', id: 'AUTH-7fs1e' });
    // No event after the revocation reaches it.
    await rename('AfterRevoke');
    expect(stream.sequences()).toEqual([2]);
  });

  it('ends every stream when the gateway stops (GATEWAY-SUB503), and takes no new one', async () => {
    const a = await follow(w.alice.token, { userId: w.alice.id });
    const b = await follow(w.orgOwner.token, { userId: w.alice.id });
    await expect.poll(() => [a.sequences(), b.sequences()], { timeout: 5_000 }).toEqual([[1], [1]]);
    expect(h.app.services.events.open).toBe(2);
    h.app.endSubscriptions();
    await expect.poll(() => a.ended && b.ended, { timeout: 5_000 }).toBe(true);
    expect(a.errors().at(-1)?.extensions).toMatchObject({ code: 'UNAVAILABLE', id: 'GATEWAY-SUB503' });
    expect(h.app.services.events.open).toBe(0);
    const late = await follow(w.alice.token, { userId: w.alice.id });
    await expect.poll(() => late.errors()[0]?.extensions?.id, { timeout: 5_000 }).toBe('GATEWAY-SUB503');
  });
});

describe('bounds', () => {
  it('refuses subscriptions past SUBSCRIPTIONS_MAX, and frees the slot when one ends', async () => {
    await start({ SUBSCRIPTIONS_MAX: '2' });
    const a = await sse(w.alice.token, { userId: w.alice.id });
    const b = ws(w.alice.token, { userId: w.alice.id });
    await expect.poll(() => [a.sequences(), b.sequences()], { timeout: 5_000 }).toEqual([[1], [1]]);
    const third = await sse(w.alice.token, { userId: w.alice.id });
    await expect
      .poll(() => third.errors()[0]?.extensions, { timeout: 5_000 })
      .toMatchObject({
        code: 'RESOURCE_EXHAUSTED',
        id: 'GATEWAY-SUB429',
      });
    const liveGauge = async () =>
      (await (await fetch(`${served.base}/metrics`)).text()).match(/^gateway_live_subscriptions (\d+)$/m)?.[1];
    expect(await liveGauge()).toBe('2');
    a.close();
    await expect.poll(() => h.app.services.events.open, { timeout: 5_000 }).toBe(1);
    expect(await liveGauge()).toBe('1');
    const fourth = await sse(w.alice.token, { userId: w.alice.id });
    await expect.poll(() => fourth.sequences(), { timeout: 5_000 }).toEqual([1]);
  });

  it('counts failed authentications of subscriptions per client IP like any request (429 past the limit)', async () => {
    await start({ AUTH_FAILURES_PER_IP_PER_MINUTE: '2' });
    for (const token of ['bogus-1', 'bogus-2']) {
      const refused = await sse(token, { userId: w.alice.id });
      await expect.poll(() => refused.errors()[0]?.extensions?.code, { timeout: 5_000 }).toBe('UNAUTHENTICATED');
    }
    // Past the limit, even a valid token from that address is answered 429 before any lookup.
    const limited = await sse(w.alice.token, { userId: w.alice.id });
    await expect.poll(() => limited.errors()[0]?.extensions?.id, { timeout: 5_000 }).toBe('GATEWAY-AUTH429');
    const overWs = ws(w.alice.token, { userId: w.alice.id });
    await expect.poll(() => overWs.errors()[0]?.extensions?.id, { timeout: 5_000 }).toBe('GATEWAY-AUTH429');
    expect(limited.sequences()).toEqual([]);
  });

  it('refuses a WebSocket connection more subscriptions than its limit', async () => {
    await start({}, { websocket: { maxSubscriptionsPerConnection: 2 } });
    const client = wsClient(served.base, w.alice.token);
    const a = ws(w.alice.token, { userId: w.alice.id }, client);
    const b = ws(w.alice.token, { userId: w.alice.id }, client);
    await expect.poll(() => [a.sequences(), b.sequences()], { timeout: 5_000 }).toEqual([[1], [1]]);
    const third = ws(w.alice.token, { userId: w.alice.id }, client);
    await expect.poll(() => third.errors()[0]?.extensions?.id, { timeout: 5_000 }).toBe('GATEWAY-SUB429');
    // Another connection has its own allowance.
    const other = ws(w.alice.token, { userId: w.alice.id });
    await expect.poll(() => other.sequences(), { timeout: 5_000 }).toEqual([1]);
    await client.dispose();
  });

  it('closes a WebSocket connection that holds no subscription for the idle timeout', async () => {
    await start({}, { websocket: { idleTimeoutMs: 300 } });
    const { default: WebSocket } = await import('ws');
    const socket = new WebSocket(`${served.base.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    expect(await closed).toBe(1000);
  });

  it('keeps a healthy SSE stream open past the HTTP request and idle bounds', async () => {
    // Request bodies must arrive within 200 ms and an idle h2c session lives 200 ms; the stream lives on.
    await start({}, { bodyTimeoutMs: 200, idleTimeoutMs: 200 });
    const stream = await sse(w.alice.token, { userId: w.alice.id });
    await expect.poll(() => stream.sequences(), { timeout: 5_000 }).toEqual([1]);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(stream.ended).toBe(false);
    await rename('StillThere');
    await expect.poll(() => stream.sequences(), { timeout: 5_000 }).toEqual([1, 2]);
  });
});

describe('TRUSTED_DOCUMENTS over WebSocket (the allow-list /graphql applies in onParams, checked again here)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'live-trusted-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const manifest = (documents: Record<string, string>) => {
    const path = join(dir, 'manifest.json');
    writeFileSync(path, JSON.stringify(documents));
    return path;
  };
  const startWith = async (documents: Record<string, string>) => {
    const env = { TRUSTED_DOCUMENTS: manifest(documents) };
    await start(env, { websocket: { trustedDocuments: loadConfig(env).trustedDocuments } });
  };

  it('refuses an unlisted subscription with GATEWAY-DOC400 and runs nothing', async () => {
    await startWith({ other: '{ user(userId: "x") { userId } }' });
    const stream = ws(w.orgOwner.token, { userId: w.alice.id, afterSequence: '0' });
    await expect.poll(() => stream.ended, { timeout: 5_000 }).toBe(true);
    expect(stream.results).toEqual([]);
    expect(stream.errors()).toEqual([
      expect.objectContaining({
        extensions: expect.objectContaining({ code: 'INVALID_ARGUMENT', id: 'GATEWAY-DOC400' }),
      }),
    ]);
  });

  it('runs a listed subscription, asked by its exact text', async () => {
    await startWith({ [sha256Hex(USER_EVENTS)]: USER_EVENTS });
    const stream = ws(w.orgOwner.token, { userId: w.alice.id, afterSequence: '0' });
    await expect.poll(() => stream.sequences(), { timeout: 5_000 }).toEqual([1]);
    // A REST update (the wire layer's own documents need no listing) is the live event.
    const put = await h.rest(
      'PUT',
      `/v2/users/human/${w.alice.id}`,
      { profile: { givenName: 'Trusted', familyName: 'Test' } },
      w.orgOwner.token,
    );
    expect(put.status).toBe(200);
    await expect.poll(() => stream.sequences(), { timeout: 5_000 }).toEqual([1, 2]);
    expect(stream.errors()).toEqual([]);
  });
});

describe('SSE over h2c', () => {
  it("stays open past the h2c session idle and stream body timeouts: yoga's pings keep it busy", async () => {
    // NODE_ENV=test makes yoga ping every 300 ms (12 s otherwise, under the 60 s default idle timeout).
    await start({}, { bodyTimeoutMs: 500, idleTimeoutMs: 500 });
    const session = connect(served.base);
    session.on('error', () => {});
    try {
      const stream = session.request({
        ':method': 'POST',
        ':path': '/graphql',
        accept: 'text/event-stream',
        'content-type': 'application/json',
        authorization: `Bearer ${w.alice.token}`,
      });
      stream.end(JSON.stringify({ query: USER_EVENTS, variables: { userId: w.alice.id } }));
      let text = '';
      let closed = false;
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        text += chunk;
      });
      stream.on('close', () => {
        closed = true;
      });
      const seen = () => [...text.matchAll(/"sequence":"(\d+)"/g)].map((m) => Number(m[1]));
      await expect.poll(seen, { timeout: 5_000 }).toEqual([1]);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(closed).toBe(false);
      await rename('OverH2c');
      await expect.poll(seen, { timeout: 5_000 }).toEqual([1, 2]);
      stream.close();
    } finally {
      session.destroy();
    }
  });
});

describe('upstream mode', () => {
  it('refuses live user events by name', async () => {
    await start();
    const front = await upstreamFront(h.app.yoga, h.config, createLogger('silent'));
    try {
      const frontServed = await serveGateway(front.app.yoga);
      try {
        const stream = await sse(w.alice.token, { userId: w.alice.id }, frontServed.base);
        await expect
          .poll(() => stream.errors()[0]?.extensions, { timeout: 5_000 })
          .toMatchObject({
            code: 'UNIMPLEMENTED',
            id: 'GATEWAY-UPSTREAM501',
          });
        expect(stream.errors()[0]?.message).toContain('userEvents');
      } finally {
        await frontServed.close();
      }
    } finally {
      await front.close();
    }
  });
});

describe.skipIf(TEST_ENGINE !== 'postgres')('two instances on one PostgreSQL schema', () => {
  it('an update through instance A reaches a subscriber of instance B, in order (LISTEN/NOTIFY)', async () => {
    await start();
    // Instance B: its own pool, bus and notification connection; its safety-net poll is a minute,
    // so what arrives within seconds came through NOTIFY.
    const database = openDatabase(h.config.databaseUrl, { poolSize: 2 });
    const config = loadConfig({
      NODE_ENV: 'test',
      PASSWORD_HASH_COST: '4',
      DATABASE_URL: h.config.databaseUrl,
      SUBSCRIPTION_POLL_MS: '60000',
    });
    const b = createApp({ database, config, logger: createLogger('silent'), hasher: h.hasher });
    const servedB = await serveGateway(b.yoga);
    try {
      await b.commits?.ready();
      await h.app.commits?.ready();
      const stream = await sse(w.orgOwner.token, { userId: w.alice.id }, servedB.base);
      await expect.poll(() => stream.sequences(), { timeout: 5_000 }).toEqual([1]);
      const updates = await Promise.all(range(1, 20).map((i) => rename(`ThroughA${i}`)));
      expect(Math.max(...updates)).toBe(21);
      await expect.poll(() => stream.sequences().length, { timeout: 10_000 }).toBe(21);
      expect(stream.sequences()).toEqual(range(1, 21));
      expect(stream.errors()).toEqual([]);
    } finally {
      await servedB.close();
      await b.close();
      await database.close();
    }
  }, 30_000);
});
