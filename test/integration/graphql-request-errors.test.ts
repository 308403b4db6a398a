// Spec §6: every GraphQL error carries a gRPC code name and the HTTP status of §7 — including the
// errors raised before execution by yoga and GraphQL themselves, whatever the Accept header.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshWorld } from '../support/faces.js';
import { type Harness, UPDATE, type World } from '../support/harness.js';

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

describe('HTTP particulars of the error catalogue, on GraphQL as on REST', () => {
  async function update(input: Record<string, unknown>, token: string) {
    const response = await h.app.yoga.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: UPDATE, variables: { input } }),
    });
    const body = (await response.json()) as { errors?: { message: string; extensions: unknown }[] };
    return { status: response.status, retryAfter: response.headers.get('retry-after'), error: body.errors?.[0] };
  }

  it('a stale expectedSequence → 412 FAILED_PRECONDITION GATEWAY-SEQ412, like If-Match on REST', async () => {
    const stale = await update(
      { userId: w.alice.id, expectedSequence: '0', profile: { givenName: 'X', familyName: 'Y' } },
      w.orgOwner.token,
    );
    expect(stale).toMatchObject({ status: 412, retryAfter: null });
    expect(stale.error?.extensions).toEqual({ code: 'FAILED_PRECONDITION', id: 'GATEWAY-SEQ412' });
    const rest = await h.rest(
      'PUT',
      `/v2/users/human/${w.alice.id}`,
      { profile: { givenName: 'X', familyName: 'Y' } },
      w.orgOwner.token,
      { 'if-match': '"0"' },
    );
    expect(rest.status).toBe(412);
  });

  it('the credential-check rate limit → 429 RESOURCE_EXHAUSTED GATEWAY-RATE429 with Retry-After: 60', async () => {
    await h.close();
    ({ h, w } = await freshWorld({ CREDENTIAL_CHECKS_PER_USER_PER_MINUTE: '1' }));
    const check = { userId: w.alice.id, password: { password: { password: 'N3w-Passw0rd!' }, currentPassword: 'x' } };
    expect((await update(check, w.alice.token)).error?.extensions).toMatchObject({ id: 'COMMAND-3M0fs' });
    const limited = await update(check, w.alice.token);
    expect(limited).toMatchObject({ status: 429, retryAfter: '60' });
    expect(limited.error).toMatchObject({
      message: 'Too many password or code checks; try again later',
      extensions: { code: 'RESOURCE_EXHAUSTED', id: 'GATEWAY-RATE429' },
    });
    expect(limited.error?.extensions).toEqual({ code: 'RESOURCE_EXHAUSTED', id: 'GATEWAY-RATE429' });
  });
});
