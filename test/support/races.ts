// Shared by the tests that race parallel writers against a gateway served over real HTTP
// (test/reliability/concurrency.test.ts: one in-process server; test/integration/pg-multi-instance.test.ts:
// two processes on one PostgreSQL database): one normalized update, and the checks on its outcome.
import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import type { Database } from '../../src/db/types.js';
import { UPDATE } from './harness.js';

/** One answer, normalized across faces: status, the sequence of a success, the error's code and id. */
export interface RaceAnswer {
  status: number;
  sequence?: string;
  code?: unknown;
  id?: unknown;
}

/** One updateHumanUser over HTTP at `base`, through REST or GraphQL. */
export async function updateOverHttp(
  base: string,
  face: 'rest' | 'graphql',
  userId: string,
  input: Record<string, unknown>,
  token: string,
): Promise<RaceAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  if (face === 'rest') {
    // REST carries expectedSequence as If-Match: "<sequence>".
    const { expectedSequence, ...body } = input;
    if (expectedSequence !== undefined) headers['if-match'] = `"${String(expectedSequence)}"`;
    const response = await fetch(`${base}/v2/users/human/${userId}`, {
      method: 'PUT',
      headers,
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as { details?: unknown; code?: number };
    const detail = Array.isArray(answer.details) ? (answer.details[0] as { id?: string }) : undefined;
    return {
      status: response.status,
      ...(response.status === 200 ? { sequence: (answer.details as { sequence: string }).sequence } : {}),
      code: answer.code,
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

/** `count` spellings of `word` that differ only in upper and lower case (all distinct). */
export function caseVariants(word: string, count: number): string[] {
  const variants = Array.from({ length: count }, (_, n) =>
    [...word].map((c, i) => ((n >> i) & 1 ? c.toUpperCase() : c)).join(''),
  );
  expect(new Set(variants).size).toBe(count);
  return variants;
}

interface RaceEvent {
  sequence: number | string;
  type: string;
  payload: unknown;
  creator?: string | null;
}

/**
 * Each acknowledged rename (answer i set given name `names[i]`) is the `profile.changed` event at
 * the sequence it was answered with, by `creator`; the user's row matches the last event.
 */
export async function expectRenamesRecorded(
  db: Kysely<Database>,
  userId: string,
  events: RaceEvent[],
  answers: RaceAnswer[],
  names: string[],
  creator: string,
): Promise<void> {
  const bySequence = new Map(events.map((e) => [String(e.sequence), e]));
  answers.forEach((answer, i) => {
    if (answer.status !== 200) return;
    const event = bySequence.get(answer.sequence as string);
    expect(event?.type).toBe('profile.changed');
    // The payload holds what changed: the new given name (and the family name the first time).
    expect(event?.payload).toMatchObject({ givenName: names[i] });
    expect(event?.creator).toBe(creator);
  });
  const last = events.at(-1);
  const row = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
  expect(row.sequence).toBe(last?.sequence);
  expect(row.given_name).toBe((last?.payload as { givenName?: string } | undefined)?.givenName);
  expect(row.family_name).toBe('Parallel');
}

/**
 * Users `userIds[i]` (named `claimant-i`) claimed `variants[i]`: exactly one won, every other got
 * 409 V3-DKcYh and kept its name, and only the winner has a `username.changed` event.
 */
export async function expectOneClaimWins(
  db: Kysely<Database>,
  userIds: string[],
  answers: RaceAnswer[],
  variants: string[],
): Promise<void> {
  const winners = answers.flatMap((a, i) => (a.status === 200 ? [i] : []));
  expect(winners).toHaveLength(1);
  const winner = winners[0] as number;
  for (const [i, answer] of answers.entries()) {
    if (i === winner) continue;
    expect(answer).toMatchObject({ status: 409, id: 'V3-DKcYh' });
    expect([6, 'ALREADY_EXISTS']).toContain(answer.code);
  }
  const rows = await db.selectFrom('users').select(['id', 'username']).where('id', 'in', userIds).execute();
  expect(rows).toHaveLength(userIds.length);
  for (const row of rows) {
    const i = userIds.indexOf(row.id);
    expect(row.username).toBe(i === winner ? variants[winner] : `claimant-${i}`);
  }
  const changed = await db
    .selectFrom('user_events')
    .select('user_id')
    .where('type', '=', 'username.changed')
    .where('user_id', 'in', userIds)
    .execute();
  expect(changed).toEqual([{ user_id: userIds[winner] }]);
}
