// Round trips to PostgreSQL per request (issue 17.4): every statement the gateway sends goes
// through pg's Client#query, counted here around one request on the harness's app. A profile
// update is three: the token with its user and grants, the target user, and ONE write statement
// (data-modifying CTEs: guarded UPDATE + event INSERT + code / outbox rows) — no BEGIN/COMMIT; all
// three are named prepared statements (parsed and planned once per connection).
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHarness, type Harness, snapshot, UPDATE, type World } from '../support/harness.js';

let h: Harness;
let w: World;
let sent: string[];

beforeEach(async () => {
  h = await createHarness();
  w = await h.seed();
  sent = [];
  const query = pg.Client.prototype.query;
  vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    const first = args[0] as string | { text?: string; name?: string };
    // Only the pool's connections (pg-pool gives each a `release`) carry a request's statements; the
    // live-events connection (src/db/notifications.ts) relays commits to other instances afterwards,
    // off the request's path (its pg_notify is queued after the answer is decided).
    if (typeof (this as { release?: unknown }).release === 'function')
      sent.push(typeof first === 'string' ? first : `${first?.name ? `[${first.name}] ` : ''}${first?.text}`);
    // biome-ignore lint/suspicious/noExplicitAny: pg's query has many overloads; this passes them through
    return (query as (...a: any[]) => any).apply(this, args);
  });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await h.close();
});

/** What one request sent, each statement reduced to its first words (the kind and table). */
async function statementsOf(request: () => Promise<unknown>): Promise<string[]> {
  sent.length = 0;
  await request();
  return sent.map((text) =>
    text
      .replace(/\s+/g, ' ')
      .trim()
      .replace(/^\[gw_[0-9a-f]+\] \/\* prepared gw_[0-9a-f]+ \*\/ /, '[named] ')
      .split(' ')
      .slice(0, 4)
      .join(' ')
      .toLowerCase(),
  );
}

// All three go as named prepared statements (src/db/prepared-names.ts): planned once per connection.
const TOKEN_READ = expect.stringMatching(/^\[named\] select "access_tokens"/);
const USER_READ = expect.stringMatching(/^\[named\] select "id", "org_id",/);
const ONE_WRITE = '[named] with u as';

describe('round trips of an update on PostgreSQL', () => {
  it('GraphQL profile update: 3 statements (token, user, one write), no transaction', async () => {
    const statements = await statementsOf(async () => {
      const res = await h.gql(
        UPDATE,
        { input: { userId: w.alice.id, profile: { givenName: 'One', familyName: 'Trip' } } },
        w.orgOwner.token,
      );
      expect(res.body.errors).toBeUndefined();
    });
    expect(statements).toEqual([TOKEN_READ, USER_READ, ONE_WRITE]);
    const after = await snapshot(h, w.alice.id);
    expect(after.user).toMatchObject({ given_name: 'One', family_name: 'Trip', sequence: 2 });
    expect(after.events.map((e) => [e.sequence, e.type])).toEqual([
      [1, 'user.created'],
      [2, 'profile.changed'],
    ]);
  });

  it('REST profile update: the same 3 statements', async () => {
    const statements = await statementsOf(async () => {
      const res = await h.rest(
        'PUT',
        `/v2/users/human/${w.alice.id}`,
        { profile: { givenName: 'Rest', familyName: 'Trip' } },
        w.orgOwner.token,
      );
      expect(res.status).toBe(200);
    });
    expect(statements).toEqual([TOKEN_READ, USER_READ, ONE_WRITE]);
  });

  it('several sections, a code and a queued email: still one write statement, every row written', async () => {
    const statements = await statementsOf(async () => {
      const res = await h.gql(
        UPDATE,
        {
          input: {
            userId: w.alice.id,
            profile: { givenName: 'Many', familyName: 'Parts' },
            email: { email: 'many@acme.ch', sendCode: {} },
            phone: { phone: '+41791234567', returnCode: true },
          },
        },
        w.orgOwner.token,
      );
      expect(res.body.errors).toBeUndefined();
    });
    expect(statements.filter((s) => !s.includes('select'))).toEqual([ONE_WRITE]);
    const after = await snapshot(h, w.alice.id);
    expect(after.user).toMatchObject({ email: 'many@acme.ch', phone: '+41791234567', given_name: 'Many' });
    expect(after.events.map((e) => [e.sequence, e.type])).toEqual([
      [1, 'user.created'],
      [2, 'profile.changed'],
      [3, 'email.changed'],
      [4, 'email.code.added'],
      [5, 'phone.changed'],
      [6, 'phone.code.added'],
    ]);
    expect(after.user?.sequence).toBe(6);
    expect(after.codes.map((c) => c.kind)).toEqual(['email', 'phone']);
    expect(after.outbox.map((o) => [o.kind, o.channel, o.recipient])).toEqual([
      ['email_verification', 'email', 'many@acme.ch'],
    ]);
  });

  it('a stale sequence writes nothing: the guard of the one statement answers the conflict', async () => {
    const before = await snapshot(h, w.alice.id);
    const user = await h.repository.findUser(w.alice.id);
    if (!user) throw new Error('seeded user missing');
    // Another write moves the sequence on after `user` was read.
    await h.gql(
      UPDATE,
      { input: { userId: w.alice.id, profile: { givenName: 'First', familyName: 'Writer' } } },
      w.orgOwner.token,
    );
    const stale = await h.repository.applyChange(
      {
        user,
        creator: w.orgOwner.id,
        events: [{ type: 'profile.changed', payload: { givenName: 'Late' } }],
        columns: { given_name: 'Late' },
        setCodes: [{ kind: 'email', codeHash: 'x', urlTemplate: null, expiresAt: '2030-01-01T00:00:00.000Z' }],
        deleteCodes: ['phone'],
        outbox: [
          {
            kind: 'email_verification',
            channel: 'email',
            recipient: 'x@acme.ch',
            language: 'en',
            payload: { code: 'x' },
          },
        ],
      },
      new Date().toISOString(),
    );
    expect(stale).toEqual({ ok: false, reason: 'conflict' });
    const after = await snapshot(h, w.alice.id);
    expect(after.user).toMatchObject({ given_name: 'First', sequence: Number(before.user?.sequence) + 1 });
    expect(after.events).toHaveLength(before.events.length + 1);
    expect(after.codes).toEqual(before.codes);
    expect(after.outbox).toEqual(before.outbox);
  });

  it('a code to consume that is no longer pending: conflict, nothing written', async () => {
    const user = await h.repository.findUser(w.alice.id);
    if (!user) throw new Error('seeded user missing');
    const before = await snapshot(h, w.alice.id);
    const result = await h.repository.applyChange(
      {
        user,
        creator: w.alice.id,
        events: [{ type: 'email.verified', payload: {} }],
        columns: { email_verified: 1 },
        setCodes: [],
        deleteCodes: ['email'],
        consumeCode: { kind: 'email', codeHash: 'not-pending' },
        outbox: [],
      },
      new Date().toISOString(),
    );
    expect(result).toEqual({ ok: false, reason: 'conflict' });
    expect(await snapshot(h, w.alice.id)).toEqual(before);
  });
});
