// HumanUser.events: the user's event log as a Relay-style connection (issue 19.3), on SQLite and
// PostgreSQL. Pages both ways, cursors round-trip, visibility is GetUserByID's, payloads carry the
// changed values and never a secret; upstream mode refuses it by name.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createHarness, type Harness, PASSWORD, RESET, UPDATE, type World } from '../support/harness.js';
import { upstreamFront } from '../support/upstream-front.js';

const EVENTS = `query Events($userId: ID!, $first: Int, $after: String, $order: EventOrder) {
  userById(userId: $userId) {
    events(first: $first, after: $after, order: $order) {
      edges { cursor node { type sequence creationDate creator payload } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}`;

interface EventNode {
  type: string;
  sequence: string;
  creationDate: string;
  creator: string;
  payload: Record<string, unknown>;
}
interface Connection {
  edges: { cursor: string; node: EventNode }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

let h: Harness;
let w: World;

beforeEach(async () => {
  h = await createHarness();
  w = await h.seed();
});
afterEach(async () => {
  await h.close();
});

async function events(token: string, variables: Record<string, unknown>) {
  const res = await h.gql(EVENTS, { userId: w.alice.id, ...variables }, token);
  const connection = (res.body.data?.userById as { events: Connection } | null)?.events;
  return { res, connection };
}

async function rename(i: number) {
  const res = await h.gql(
    UPDATE,
    { input: { userId: w.alice.id, profile: { givenName: `Alice${i}`, familyName: 'Test' } } },
    w.orgOwner.token,
  );
  expect(res.body.errors).toBeUndefined();
}

const sequences = (c: Connection | undefined) => c?.edges.map((e) => Number(e.node.sequence));

describe('HumanUser.events', () => {
  it('pages oldest first and newest first by sequence, with cursors that continue where a page ended', async () => {
    for (let i = 1; i <= 4; i++) await rename(i); // sequences 2…5 after user.created (1)

    const first = await events(w.orgOwner.token, { first: 2 });
    expect(first.res.status).toBe(200);
    expect(sequences(first.connection)).toEqual([1, 2]);
    expect(first.connection?.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(first.connection?.pageInfo.startCursor).toBe(first.connection?.edges[0]?.cursor);
    expect(first.connection?.pageInfo.endCursor).toBe(first.connection?.edges[1]?.cursor);

    const second = await events(w.orgOwner.token, { first: 2, after: first.connection?.pageInfo.endCursor });
    expect(sequences(second.connection)).toEqual([3, 4]);
    expect(second.connection?.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const third = await events(w.orgOwner.token, { first: 2, after: second.connection?.pageInfo.endCursor });
    expect(sequences(third.connection)).toEqual([5]);
    expect(third.connection?.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });

    const newest = await events(w.orgOwner.token, { first: 3, order: 'NEWEST_FIRST' });
    expect(sequences(newest.connection)).toEqual([5, 4, 3]);
    expect(newest.connection?.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const older = await events(w.orgOwner.token, {
      first: 3,
      order: 'NEWEST_FIRST',
      after: newest.connection?.pageInfo.endCursor,
    });
    expect(sequences(older.connection)).toEqual([2, 1]);
    expect(older.connection?.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });

    // Default page size 20: the whole log here.
    expect(sequences((await events(w.orgOwner.token, {})).connection)).toEqual([1, 2, 3, 4, 5]);
  });

  it('round-trips cursors: opaque strings that stand for one event each, in either order', async () => {
    await rename(1);
    await rename(2);
    const all = (await events(w.orgOwner.token, {})).connection as Connection;
    const cursors = all.edges.map((e) => e.cursor);
    expect(new Set(cursors).size).toBe(3);
    for (const cursor of cursors) {
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(cursor).not.toMatch(/^\d+$/);
    }
    // The cursor of event 2 continues after 2 oldest first, before 2 newest first.
    const after2 = await events(w.orgOwner.token, { after: cursors[1] });
    expect(sequences(after2.connection)).toEqual([3]);
    const before2 = await events(w.orgOwner.token, { after: cursors[1], order: 'NEWEST_FIRST' });
    expect(sequences(before2.connection)).toEqual([1]);
    // The same cursor again gives the same page.
    expect((await events(w.orgOwner.token, { after: cursors[1] })).connection).toEqual(after2.connection);
  });

  it('records the changed values, the creator and the time in each payload', async () => {
    h.clock.advance(60_000);
    const res = await h.gql(
      UPDATE,
      {
        input: {
          userId: w.alice.id,
          username: 'alice.renamed',
          profile: { givenName: 'Ada', familyName: 'Lovelace', nickName: 'Countess' },
          email: { email: 'ada@example.com', sendCode: {} },
        },
      },
      w.orgOwner.token,
    );
    expect(res.body.errors).toBeUndefined();
    const page = (await events(w.alice.token, { order: 'NEWEST_FIRST', first: 4 })).connection as Connection;
    const nodes = page.edges.map((e) => e.node);
    expect(nodes.map((n) => n.type)).toEqual([
      'email.code.added',
      'email.changed',
      'profile.changed',
      'username.changed',
    ]);
    expect(nodes.map((n) => n.sequence)).toEqual(['5', '4', '3', '2']);
    for (const node of nodes) {
      expect(node.creator).toBe(w.orgOwner.id);
      expect(node.creationDate).toBe('2026-11-23T10:01:00.000Z');
    }
    expect(nodes[0]?.payload).toEqual({ returnCode: false, urlTemplate: null });
    expect(nodes[1]?.payload).toEqual({ email: 'ada@example.com' });
    expect(nodes[2]?.payload).toEqual({ givenName: 'Ada', familyName: 'Lovelace', nickName: 'Countess' });
    expect(nodes[3]?.payload).toEqual({ username: 'alice.renamed' });

    const created = (await events(w.alice.token, { first: 1 })).connection?.edges[0]?.node;
    expect(created).toMatchObject({ type: 'user.created', sequence: '1', creator: w.alice.id });
    expect(created?.payload).toMatchObject({ username: 'alice', givenName: 'alice', email: 'alice@example.com' });
  });

  it('never shows a password, hash or code in a payload', async () => {
    const newPassword = 'Brand-new-pass1!';
    const withCodes = await h.gql(
      UPDATE,
      {
        input: {
          userId: w.alice.id,
          email: { email: 'codes@example.com', returnCode: true },
          phone: { phone: '+41791234567', returnCode: true },
          password: { password: { password: newPassword }, currentPassword: PASSWORD },
        },
      },
      w.orgOwner.token,
    );
    expect(withCodes.body.errors).toBeUndefined();
    const payload = withCodes.body.data?.updateHumanUser as { emailCode: string; phoneCode: string };
    const reset = await h.gql(RESET, { input: { userId: w.alice.id, returnCode: true } }, w.orgOwner.token);
    const resetCode = String(
      (reset.body.data?.passwordReset as { verificationCode?: string } | undefined)?.verificationCode,
    );
    // A failed password check writes an event too.
    const failed = await h.gql(
      UPDATE,
      { input: { userId: w.alice.id, password: { password: { password: 'Other-pass1!' }, currentPassword: 'wrong' } } },
      w.alice.token,
    );
    expect(failed.body.errors?.[0]?.extensions?.code).toBe('INVALID_ARGUMENT');

    const stored = await h.repository.findUser(w.alice.id);
    const secrets = [
      PASSWORD,
      newPassword,
      'wrong',
      stored?.passwordHash as string,
      w.passwordHash,
      payload.emailCode,
      payload.phoneCode,
      resetCode,
    ];
    expect(secrets.every((s) => typeof s === 'string' && s.length >= 5)).toBe(true);
    const page = (await events(w.orgOwner.token, { first: 100 })).connection as Connection;
    const types = page.edges.map((e) => e.node.type);
    expect(types).toEqual(
      expect.arrayContaining(['password.changed', 'email.code.added', 'phone.code.added', 'password.code.added']),
    );
    expect(types).toContain('password.check.failed');
    const text = JSON.stringify(page);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/\$2[aby]\$/);
    expect(page.edges.find((e) => e.node.type === 'password.changed')?.node.payload).toEqual({ changeRequired: false });
  });

  it('is visible to the user itself and to user.read on its organization; others get GetUserByID errors', async () => {
    await rename(1);
    for (const token of [w.alice.token, w.orgViewer.token, w.iamOwner.token]) {
      expect(sequences((await events(token, {})).connection)).toEqual([1, 2]);
    }
    const stranger = await events(w.otherOwner.token, {});
    expect(stranger.res.status).toBe(404);
    expect(stranger.res.body.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', id: 'AUTHZ-cdgFk' });
    expect(stranger.res.body.data?.userById ?? null).toBeNull();
    // Through `user` (null when invisible), nothing of the log shows.
    const viaUser = await h.gql(
      `query { user(userId: "${w.alice.id}") { events { edges { cursor } } } }`,
      {},
      w.bob.token,
    );
    expect(viaUser.body.data?.user).toBeNull();
    const anonymous = await events('', {});
    expect(anonymous.res.status).toBe(401);
  });

  it('answers a bad cursor or page size with a catalogued 400', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ after: 'not a cursor' }, 'GATEWAY-CURSOR400'],
      [{ after: Buffer.from('event:abc').toString('base64url') }, 'GATEWAY-CURSOR400'],
      [{ after: Buffer.from('user:3').toString('base64url') }, 'GATEWAY-CURSOR400'],
      [{ after: '' }, 'GATEWAY-CURSOR400'],
      [{ first: 0 }, 'GATEWAY-FIRST400'],
      [{ first: 101 }, 'GATEWAY-FIRST400'],
      [{ first: -5 }, 'GATEWAY-FIRST400'],
    ];
    for (const [variables, id] of cases) {
      const { res } = await events(w.orgOwner.token, variables);
      expect(res.status, JSON.stringify(variables)).toBe(400);
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_ARGUMENT', id });
    }
    // The largest page is allowed.
    expect((await events(w.orgOwner.token, { first: 100 })).res.status).toBe(200);
  });
});

describe('HumanUser.events in upstream mode', () => {
  let front: Awaited<ReturnType<typeof upstreamFront>> | undefined;
  afterAll(async () => {
    await front?.close();
  });

  it('is refused by name: ZITADEL has no per-user event log over v2', async () => {
    front = await upstreamFront(h.app.yoga, h.config, createLogger('silent'));
    const response = await front.app.yoga.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${w.orgOwner.token}` },
      body: JSON.stringify({ query: EVENTS, variables: { userId: w.alice.id } }),
    });
    const body = (await response.json()) as { errors?: { message: string; extensions?: Record<string, unknown> }[] };
    expect(response.status).toBe(501);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'UNIMPLEMENTED', id: 'GATEWAY-UPSTREAM501' });
    expect(body.errors?.[0]?.message).toContain('HumanUser.events');
  });
});
