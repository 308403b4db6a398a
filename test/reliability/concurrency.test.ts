// Concurrency against a running gateway: the harness's app served by node:http on 127.0.0.1:0,
// hit with real parallel HTTP requests on both faces.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, UPDATE, type World } from '../support/harness.js';

let h: Harness;
let w: World;
let server: Server;
let base: string;

beforeAll(async () => {
  h = await createHarness();
  w = await h.seed();
  server = createServer(h.app.yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await h.close();
});

interface Answer {
  status: number;
  sequence?: string;
  code?: unknown;
  id?: unknown;
}

/** One update through REST (even i) or GraphQL (odd i); normalized to status, sequence, code, id. */
async function update(i: number, userId: string, input: Record<string, unknown>, token: string): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  if (i % 2 === 0) {
    // REST carries expectedSequence as If-Match: "<sequence>".
    const { expectedSequence, ...restInput } = input;
    if (expectedSequence !== undefined) headers['if-match'] = `"${expectedSequence}"`;
    const response = await fetch(`${base}/v2/users/human/${userId}`, {
      method: 'PUT',
      headers,
      body: JSON.stringify(restInput),
    });
    const body = (await response.json()) as {
      details?: { sequence: string };
      code?: number;
      details_?: unknown;
    } & Record<string, unknown>;
    const detail = Array.isArray(body.details) ? (body.details[0] as { id?: string }) : undefined;
    return {
      status: response.status,
      ...(response.status === 200 ? { sequence: (body.details as { sequence: string }).sequence } : {}),
      code: body.code,
      id: detail?.id,
    };
  }
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: UPDATE, variables: { input: { userId, ...input } } }),
  });
  const body = (await response.json()) as {
    data?: { updateHumanUser?: { details: { sequence: string } } } | null;
    errors?: { extensions?: { code?: string; id?: string } }[];
  };
  const error = body.errors?.[0];
  return {
    status: response.status,
    ...(body.data?.updateHumanUser ? { sequence: body.data.updateHumanUser.details.sequence } : {}),
    code: error?.extensions?.code,
    id: error?.extensions?.id,
  };
}

describe('parallel writers', () => {
  it('50 parallel updates of one user without expectedSequence: 50 × 200 (writes to one user queue), gapless events, row = last event', async () => {
    const userId = w.alice.id;
    const before = await h.repository.events(userId);
    const names = Array.from({ length: 50 }, (_, i) => `Writer-${i}`);
    const answers = await Promise.all(
      names.map((givenName, i) =>
        update(i, userId, { profile: { givenName, familyName: 'Parallel' } }, w.orgOwner.token),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(names.map(() => 200));
    const ok = answers;
    // Every answer names its own sequence: the 50 writes took 50 consecutive sequences.
    const answered = answers.map((a) => Number(a.sequence)).sort((a, b) => a - b);
    expect(answered).toEqual(Array.from({ length: 50 }, (_, i) => before.length + i + 1));

    const events = await h.repository.events(userId);
    const sequences = events.map((e) => Number(e.sequence));
    expect(sequences).toEqual(Array.from({ length: sequences.length }, (_, i) => i + 1)); // gapless, increasing
    const added = events.slice(before.length);
    expect(added).toHaveLength(ok.length); // one event per acknowledged update, none for a conflict
    // Each acknowledged update is the event at the sequence it was answered with.
    const bySequence = new Map(events.map((e) => [String(e.sequence), e]));
    answers.forEach((answer, i) => {
      if (answer.status !== 200) return;
      const event = bySequence.get(answer.sequence as string);
      expect(event?.type).toBe('profile.changed');
      // The payload holds what changed: the new given name (and the family name the first time).
      expect(event?.payload).toMatchObject({ givenName: names[i] });
      expect(event?.creator).toBe(w.orgOwner.id);
    });
    const last = added.at(-1);
    const row = await h.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
    expect(row.sequence).toBe(last?.sequence);
    expect(row.given_name).toBe((last?.payload as { givenName?: string } | undefined)?.givenName);
    expect(row.family_name).toBe('Parallel');
  });

  it('parallel updates with a stale expectedSequence: 412 GATEWAY-SEQ412 for all but the one that matched', async () => {
    const userId = w.bob.id;
    const current = (await h.repository.events(userId)).length;
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        update(
          i,
          userId,
          { profile: { givenName: `Stale-${i}`, familyName: 'Seq' }, expectedSequence: String(current) },
          w.orgOwner.token,
        ),
      ),
    );
    const winners = answers.filter((a) => a.status === 200);
    expect(winners).toHaveLength(1);
    expect(winners[0]?.sequence).toBe(String(current + 1));
    for (const [i, answer] of answers.entries()) {
      if (answer.status === 200) continue;
      // REST answers a failed If-Match with 412; GraphQL maps FAILED_PRECONDITION to 400.
      expect(answer).toMatchObject({ status: i % 2 === 0 ? 412 : 400, id: 'GATEWAY-SEQ412' });
      expect([9, 'FAILED_PRECONDITION']).toContain(answer.code);
    }
    expect(await h.repository.events(userId)).toHaveLength(current + 1);
  });

  it('20 users claim one username differing only in case: exactly one wins, the rest 409 V3-DKcYh', async () => {
    const word = 'shared-login';
    const variants = Array.from({ length: 20 }, (_, n) =>
      [...word].map((c, i) => ((n >> i) & 1 ? c.toUpperCase() : c)).join(''),
    );
    expect(new Set(variants).size).toBe(20);
    const users = [];
    for (let i = 0; i < 20; i++) {
      users.push(
        await h.admin.addHuman({
          orgId: w.orgs.acme,
          username: `claimant-${i}`,
          givenName: 'C',
          familyName: String(i),
          email: `claimant-${i}@example.com`,
        }),
      );
    }
    const answers = await Promise.all(
      users.map((user, i) => update(i, user.id, { username: variants[i] }, w.orgOwner.token)),
    );
    const winners = answers.flatMap((a, i) => (a.status === 200 ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const [i, answer] of answers.entries()) {
      if (i === winners[0]) continue;
      expect(answer).toMatchObject({ status: 409, id: 'V3-DKcYh' });
      expect([6, 'ALREADY_EXISTS']).toContain(answer.code);
    }
    const winner = winners[0] as number;
    const rows = await h.db
      .selectFrom('users')
      .select(['id', 'username'])
      .where(
        'id',
        'in',
        users.map((u) => u.id),
      )
      .execute();
    for (const row of rows) {
      const i = users.findIndex((u) => u.id === row.id);
      expect(row.username).toBe(i === winner ? variants[winner] : `claimant-${i}`);
    }
    const changed = await h.db
      .selectFrom('user_events')
      .select('user_id')
      .where('type', '=', 'username.changed')
      .where(
        'user_id',
        'in',
        users.map((u) => u.id),
      )
      .execute();
    expect(changed).toEqual([{ user_id: users[winner]?.id }]);
  });
});
