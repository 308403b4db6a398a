// Failed authentications per client IP (issue 16.8) and rate-limit counters shared across
// instances on PostgreSQL (issue 16.9). Requests go through app.yoga.fetch with a Node-like server
// context, so each call names its client address; on PostgreSQL a second app on the harness's
// schema plays another instance.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { createHarness, type Harness, PASSWORD, UPDATE, type World } from '../support/harness.js';

let h: Harness;
let w: World;
const others: { close: () => Promise<void> }[] = [];
async function setup(env: Record<string, string> = {}) {
  h = await createHarness(env);
  w = await h.seed();
}
afterEach(async () => {
  await Promise.all(others.splice(0).map((app) => app.close()));
  await h?.close();
});

type Yoga = Harness['app']['yoga'];
type FaceName = 'graphql' | 'rest' | 'connect';
const FACE_NAMES: FaceName[] = ['graphql', 'rest', 'connect'];

interface Answer {
  status: number;
  retryAfter: string | null;
  /** The error id (GraphQL extensions.id, REST details[0].id, Connect details' debug id or message). */
  id: string | undefined;
  ok: boolean;
}

/** One rename of `userId` through `face`, from client address `ip`. */
async function call(yoga: Yoga, face: FaceName, ip: string, token: string, userId: string): Promise<Answer> {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const serverContext = { req: { socket: { remoteAddress: ip } } };
  const profile = { givenName: 'Renamed', familyName: 'Test' };
  const [path, body] =
    face === 'graphql'
      ? ['/graphql', { query: UPDATE, variables: { input: { userId, profile } } }]
      : face === 'rest'
        ? [`/v2/users/human/${userId}`, { profile }]
        : ['/zitadel.user.v2.UserService/UpdateHumanUser', { userId, profile }];
  const response = await yoga.fetch(
    `http://gateway${path}`,
    { method: face === 'rest' ? 'PUT' : 'POST', headers, body: JSON.stringify(body) },
    serverContext,
  );
  const json = (await response.json()) as Record<string, unknown>;
  const retryAfter = response.headers.get('retry-after');
  if (face === 'graphql') {
    const errors = json.errors as { extensions?: { id?: string } }[] | undefined;
    return { status: response.status, retryAfter, id: errors?.[0]?.extensions?.id, ok: !errors && !!json.data };
  }
  if (face === 'rest') {
    const details = json.details as { id?: string }[] | { sequence?: string } | undefined;
    const id = Array.isArray(details) ? details[0]?.id : undefined;
    return { status: response.status, retryAfter, id, ok: response.status === 200 };
  }
  // Connect's error: {code, message}; ZITADEL's id is in the message "… (ID)".
  const message = typeof json.message === 'string' ? json.message : '';
  const id = /\(([A-Za-z0-9-]+)\)$/.exec(message)?.[1];
  return { status: response.status, retryAfter, id, ok: response.status === 200 };
}

const LIMITED = { status: 429, retryAfter: '60', id: 'GATEWAY-AUTH429', ok: false };
const INVALID_TOKEN = { status: 401, id: 'AUTH-7fs1e', ok: false };

describe('failed authentications per client IP', () => {
  for (const face of FACE_NAMES) {
    it(`${face}: after the limit an address gets 429 with Retry-After, before any token lookup, until the window ends; other addresses are unaffected`, async () => {
      await setup({ AUTH_FAILURES_PER_IP_PER_MINUTE: '3' });
      const yoga = h.app.yoga;
      const lookups = vi.spyOn(h.app.services.authenticator, 'authenticate');
      for (let i = 0; i < 3; i++) {
        expect(await call(yoga, face, '203.0.113.7', `bogus-${i}`, w.alice.id)).toMatchObject(INVALID_TOKEN);
      }
      expect(lookups).toHaveBeenCalledTimes(3);
      // Past the limit: bogus and valid tokens alike, answered without a lookup.
      expect(await call(yoga, face, '203.0.113.7', 'bogus-3', w.alice.id)).toEqual(LIMITED);
      expect(await call(yoga, face, '203.0.113.7', w.orgOwner.token, w.alice.id)).toEqual(LIMITED);
      expect(lookups).toHaveBeenCalledTimes(3);
      // Another address is served as before.
      expect(await call(yoga, face, '198.51.100.1', w.orgOwner.token, w.alice.id)).toMatchObject({ ok: true });
      // The next window forgives.
      h.clock.advance(60_000);
      expect(await call(yoga, face, '203.0.113.7', w.orgOwner.token, w.alice.id)).toMatchObject({
        status: 200,
        ok: true,
      });
    });
  }

  it('counts every face together, and successful authentications not at all', async () => {
    await setup({ AUTH_FAILURES_PER_IP_PER_MINUTE: '3' });
    const yoga = h.app.yoga;
    for (let i = 0; i < 10; i++) {
      expect(await call(yoga, 'graphql', '203.0.113.9', w.orgOwner.token, w.alice.id)).toMatchObject({ ok: true });
    }
    expect(await call(yoga, 'graphql', '203.0.113.9', 'bogus-a', w.alice.id)).toMatchObject(INVALID_TOKEN);
    expect(await call(yoga, 'rest', '203.0.113.9', 'bogus-b', w.alice.id)).toMatchObject(INVALID_TOKEN);
    expect(await call(yoga, 'connect', '203.0.113.9', 'bogus-c', w.alice.id)).toMatchObject(INVALID_TOKEN);
    expect(await call(yoga, 'rest', '203.0.113.9', 'bogus-d', w.alice.id)).toEqual(LIMITED);
  });

  it('does not limit requests without a client address (in-process: they would share one count)', async () => {
    await setup({ AUTH_FAILURES_PER_IP_PER_MINUTE: '2' });
    for (let i = 0; i < 5; i++) {
      const r = await h.rest('PUT', `/v2/users/human/${w.alice.id}`, { profile: { givenName: 'X' } }, `bogus-${i}`);
      expect(r.status).toBe(401);
    }
  });

  it('AUTH_FAILURES_PER_IP_PER_MINUTE=0 turns the limit off', async () => {
    await setup({ AUTH_FAILURES_PER_IP_PER_MINUTE: '0' });
    for (let i = 0; i < 20; i++) {
      expect(await call(h.app.yoga, 'rest', '203.0.113.7', `bogus-${i}`, w.alice.id)).toMatchObject(INVALID_TOKEN);
    }
  });
});

describe('two instances on one database', () => {
  /** A second app (another instance) on the harness's database, with its own memory. */
  function secondInstance() {
    const app = createApp({
      database: h.database,
      config: h.config,
      logger: createLogger('silent'),
      clock: h.clock,
      hasher: h.hasher,
      sleep: async () => {},
    });
    others.push(app);
    return app;
  }

  it('PostgreSQL: failed authentications count across instances; SQLite: per instance, in memory', async () => {
    await setup({ AUTH_FAILURES_PER_IP_PER_MINUTE: '4' });
    const [a, b] = [h.app.yoga, secondInstance().yoga];
    for (let i = 0; i < 4; i++) {
      const yoga = i % 2 ? b : a;
      expect(await call(yoga, 'graphql', '203.0.113.7', `bogus-${i}`, w.alice.id)).toMatchObject(INVALID_TOKEN);
    }
    if (h.database.engine === 'postgres') {
      // Each instance saw two failures; together four: b, which counted the fourth, blocks from
      // memory; a counts a fifth in the database, answers 429 and blocks from then on.
      expect(await call(b, 'rest', '203.0.113.7', 'bogus-4', w.alice.id)).toEqual(LIMITED);
      expect(await call(a, 'rest', '203.0.113.7', 'bogus-5', w.alice.id)).toEqual(LIMITED);
      expect(await call(a, 'rest', '203.0.113.7', w.orgOwner.token, w.alice.id)).toEqual(LIMITED);
      const rows = await h.db.selectFrom('rate_limit_hits').selectAll().execute();
      expect(rows.map((r) => [r.key, Number(r.hits)])).toEqual([['auth-failed:203.0.113.7', 5]]);
    } else {
      expect(await call(b, 'rest', '203.0.113.7', 'bogus-4', w.alice.id)).toMatchObject(INVALID_TOKEN);
      expect(await h.db.selectFrom('rate_limit_hits').selectAll().execute()).toEqual([]);
    }
  });

  it('PostgreSQL: credential checks per user count across instances; SQLite: per instance', async () => {
    await setup({ CREDENTIAL_CHECKS_PER_USER_PER_MINUTE: '2' });
    const [a, b] = [h.app.yoga, secondInstance().yoga];
    const check = async (yoga: Yoga, currentPassword: string) => {
      const response = await yoga.fetch('http://gateway/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${w.alice.token}` },
        body: JSON.stringify({
          query: UPDATE,
          variables: {
            input: { userId: w.alice.id, password: { password: { password: 'Next-Passw0rd!' }, currentPassword } },
          },
        }),
      });
      const body = (await response.json()) as { errors?: { extensions?: { id?: string } }[] };
      return { status: response.status, id: body.errors?.[0]?.extensions?.id };
    };
    expect(await check(a, 'wrong')).toEqual({ status: 400, id: 'COMMAND-3M0fs' });
    expect(await check(b, 'wrong')).toEqual({ status: 400, id: 'COMMAND-3M0fs' });
    if (h.database.engine === 'postgres') {
      expect(await check(a, PASSWORD)).toEqual({ status: 429, id: 'GATEWAY-RATE429' });
      expect(await check(b, PASSWORD)).toEqual({ status: 429, id: 'GATEWAY-RATE429' });
      // The window ends for every instance.
      h.clock.advance(60_000);
      expect(await check(b, PASSWORD)).toEqual({ status: 200, id: undefined });
    } else {
      // Each instance counted one check: both allow a second.
      expect(await check(a, 'wrong')).toEqual({ status: 400, id: 'COMMAND-3M0fs' });
      expect(await check(b, PASSWORD)).toEqual({ status: 200, id: undefined });
    }
  });
});
