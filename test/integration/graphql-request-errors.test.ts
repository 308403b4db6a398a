// Spec §6: every GraphQL error carries a gRPC code name and the HTTP status of §7 — including the
// errors raised before execution by yoga and GraphQL themselves, whatever the Accept header.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshWorld } from '../support/faces.js';
import type { Harness, World } from '../support/harness.js';

let h: Harness;
let w: World;
beforeEach(async () => ({ h, w } = await freshWorld()));
afterEach(() => h.close());

async function post(body: string, accept: string) {
  const response = await h.app.yoga.fetch('http://gateway/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${w.orgOwner.token}` },
    body,
  });
  return {
    status: response.status,
    body: (await response.json()) as { errors: { message: string; extensions: unknown }[] },
  };
}

describe.each(['application/json', 'application/graphql-response+json'])('Accept: %s', (accept) => {
  it.each([
    ['a syntax error', JSON.stringify({ query: '{ a' }), /^Syntax Error/],
    ['no query', '{}', /query/i],
    ['an unknown field', JSON.stringify({ query: '{ nope }' }), /Cannot query field "nope"/],
    [
      'a literal of the wrong type',
      JSON.stringify({ query: 'mutation { updateHumanUser(input: {userId: "1", username: 5}) { emailCode } }' }),
      /String cannot represent a non string value/,
    ],
  ])('%s → 400 INVALID_ARGUMENT', async (_case, body, message) => {
    const r = await post(body, accept);
    expect(r.status).toBe(400);
    expect(r.body.errors[0]?.message).toMatch(message);
    expect(r.body.errors[0]?.extensions).toEqual({ code: 'INVALID_ARGUMENT' });
  });

  it('a contract error keeps its own code, id and status', async () => {
    const r = await post(
      JSON.stringify({
        query: 'mutation { updateHumanUser(input: {userId: "missing", username: "x"}) { emailCode } }',
      }),
      accept,
    );
    expect(r.status).toBe(404);
    expect(r.body.errors[0]?.extensions).toEqual({ code: 'NOT_FOUND', id: 'COMMAND-ugjs0upun6' });
  });
});
