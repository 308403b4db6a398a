// Concurrency against a running gateway: the harness's app served by node:http on a loopback port,
// hit with real parallel HTTP requests on both faces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, type World } from '../support/harness.js';
import * as race from '../support/races.js';
import { type Served, serve } from '../support/serve.js';

let h: Harness;
let w: World;
let server: Served;

beforeAll(async () => {
  h = await createHarness();
  w = await h.seed();
  server = await serve(h);
});
afterAll(async () => {
  await server.close();
  await h.close();
});

/** One update through REST (even i) or GraphQL (odd i), normalized (test/support/races.ts). */
const update = (i: number, userId: string, input: Record<string, unknown>, token: string) =>
  race.updateOverHttp(server.base, i % 2 === 0 ? 'rest' : 'graphql', userId, input, token);

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
    // Each acknowledged update is the event at the sequence it was answered with; row = last event.
    await race.expectRenamesRecorded(h.db, userId, added, answers, names, w.orgOwner.id);
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
    for (const answer of answers) {
      if (answer.status === 200) continue;
      // Both faces answer a failed precondition with HTTP 412 (the catalogue's particular).
      expect(answer).toMatchObject({ status: 412, id: 'GATEWAY-SEQ412' });
      expect([9, 'FAILED_PRECONDITION']).toContain(answer.code);
    }
    expect(await h.repository.events(userId)).toHaveLength(current + 1);
  });

  it('20 users claim one username differing only in case: exactly one wins, the rest 409 V3-DKcYh', async () => {
    const word = 'shared-login';
    const variants = race.caseVariants(word, 20);
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
    await race.expectOneClaimWins(
      h.db,
      users.map((u) => u.id),
      answers,
      variants,
    );
  });
});
