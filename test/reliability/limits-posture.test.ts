// Optimistic concurrency over HTTP (If-Match/ETag), request limits, the credential-check rate
// limit, production posture (GraphiQL, introspection, CSRF, CORS, headers, no stack traces)
// and token revocation — all through app.yoga.fetch on the harness.
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness, PASSWORD, snapshot, UPDATE, type World } from '../support/harness.js';

let h: Harness;
let w: World;
async function setup(env: Record<string, string> = {}) {
  h = await createHarness(env);
  w = await h.seed();
}
afterEach(() => h?.close());

/** A raw request (for statuses the harness's OpenAPI check does not know, e.g. 412 and 413). */
async function raw(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) {
  const response = await h.app.yoga.fetch(`http://gateway${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...init.headers },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, body: body as Record<string, unknown>, text };
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('If-Match / ETag on REST (optimistic concurrency)', () => {
  it('answers ETag on GET, PUT and password_reset; a fresh If-Match writes, a stale one is 412 and writes nothing', async () => {
    await setup();
    const path = `/v2/users/human/${w.alice.id}`;
    const got = await raw('GET', `/v2/users/${w.alice.id}`, { headers: bearer(w.orgOwner.token) });
    expect(got.status).toBe(200);
    expect(got.headers.get('etag')).toBe('"1"');
    expect((got.body.details as Record<string, unknown>).sequence).toBe('1');

    const fresh = await raw('PUT', path, {
      headers: { ...bearer(w.orgOwner.token), 'if-match': '"1"' },
      body: JSON.stringify({ profile: { givenName: 'Alicia', familyName: 'Test' } }),
    });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('etag')).toBe('"2"');
    expect((fresh.body.details as Record<string, unknown>).sequence).toBe('2');

    const before = await snapshot(h, w.alice.id);
    const stale = await raw('PUT', path, {
      headers: { ...bearer(w.orgOwner.token), 'if-match': '"1"' },
      body: JSON.stringify({ profile: { givenName: 'Stale', familyName: 'Write' } }),
    });
    expect(stale.status).toBe(412);
    expect(stale.headers.get('etag')).toBeNull();
    expect(stale.body).toEqual({
      code: 9,
      message: 'The user has changed since the expected sequence (GATEWAY-SEQ412)',
      details: [
        {
          '@type': 'type.googleapis.com/zitadel.v1.ErrorDetail',
          id: 'GATEWAY-SEQ412',
          message: 'The user has changed since the expected sequence',
        },
      ],
    });
    expect(await snapshot(h, w.alice.id)).toEqual(before);

    const reset = await raw('POST', `/v2/users/${w.alice.id}/password_reset`, {
      headers: bearer(w.orgOwner.token),
      body: JSON.stringify({ returnCode: {} }),
    });
    expect(reset.status).toBe(200);
    expect(reset.headers.get('etag')).toBe('"3"');

    // `*` is no precondition; a malformed value is a 400 (after authentication).
    const star = await raw('PUT', path, {
      headers: { ...bearer(w.orgOwner.token), 'if-match': '*' },
      body: JSON.stringify({ profile: { givenName: 'Star', familyName: 'Test' } }),
    });
    expect([star.status, star.headers.get('etag')]).toEqual([200, '"4"']);
    const malformed = await raw('PUT', path, {
      headers: { ...bearer(w.orgOwner.token), 'if-match': '"4", garbage' },
      body: '{}',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe(3);
    const anonymous = await raw('PUT', path, { headers: { 'if-match': 'garbage' }, body: '{}' });
    expect(anonymous.status).toBe(401);
  });

  it('If-Match per RFC 9110: any listed tag matches; weak or foreign tags never do (412, nothing written)', async () => {
    await setup();
    const path = `/v2/users/human/${w.alice.id}`;
    const put = (ifMatch: string, givenName: string) =>
      raw('PUT', path, {
        headers: { ...bearer(w.orgOwner.token), 'if-match': ifMatch },
        body: JSON.stringify({ profile: { givenName, familyName: 'Test' } }),
      });
    const before = await snapshot(h, w.alice.id);
    for (const header of ['W/"1"', '"7", W/"1"', '"abc"', '"2", "3"']) {
      const refused = await put(header, 'Never');
      expect([header, refused.status, refused.body.code]).toEqual([header, 412, 9]);
    }
    expect(await snapshot(h, w.alice.id)).toEqual(before);
    // the current sequence anywhere in the list matches
    const listed = await put('"9", W/"1", "1"', 'Listed');
    expect([listed.status, listed.headers.get('etag')]).toEqual([200, '"2"']);
    const first = await put('"2", "5"', 'First');
    expect([first.status, first.headers.get('etag')]).toEqual([200, '"3"']);
    const user = await raw('GET', `/v2/users/${w.alice.id}`, { headers: bearer(w.orgOwner.token) });
    expect(
      ((user.body.user as Record<string, unknown>).human as { profile: { givenName: string } }).profile.givenName,
    ).toBe('First');
  });

  it('GraphQL: a stale expectedSequence is FAILED_PRECONDITION GATEWAY-SEQ412 and writes nothing', async () => {
    await setup();
    const before = await snapshot(h, w.alice.id);
    const stale = await h.gql(
      UPDATE,
      { input: { userId: w.alice.id, expectedSequence: '0', profile: { givenName: 'X', familyName: 'Y' } } },
      w.orgOwner.token,
    );
    expect(stale.body.errors?.[0]?.extensions).toMatchObject({ code: 'FAILED_PRECONDITION', id: 'GATEWAY-SEQ412' });
    expect(await snapshot(h, w.alice.id)).toEqual(before);
  });
});

describe('request body size (MAX_REQUEST_BODY_BYTES)', () => {
  it('refuses a body over the limit with 413 on both faces and changes nothing', async () => {
    await setup({ MAX_REQUEST_BODY_BYTES: '2048' });
    const before = await snapshot(h, w.alice.id);
    const big = 'x'.repeat(4096);
    const rest = await raw('PUT', `/v2/users/human/${w.alice.id}`, {
      headers: bearer(w.orgOwner.token),
      body: JSON.stringify({ profile: { givenName: big, familyName: 'T' } }),
    });
    expect(rest.status).toBe(413);
    expect(rest.body).toEqual({ code: 8, message: 'request body too large' });
    const gql = await raw('POST', '/graphql', {
      headers: bearer(w.orgOwner.token),
      body: JSON.stringify({
        query: UPDATE,
        variables: { input: { userId: w.alice.id, profile: { givenName: big, familyName: 'T' } } },
      }),
    });
    expect(gql.status).toBe(413);
    expect((gql.body.errors as { message: string }[])[0]?.message).toBe('Request body too large');
    // A chunked body (no Content-Length) is counted while it streams.
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const chunked = await h.app.yoga.fetch(`http://gateway/v2/users/human/${w.alice.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...bearer(w.orgOwner.token) },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    // The same on GraphQL (src/http/body-limit.ts counts a body without Content-Length as it streams).
    const document = JSON.stringify({
      query: UPDATE,
      variables: { input: { userId: w.alice.id, profile: { givenName: big, familyName: 'T' } } },
    });
    const chunkedGql = await h.app.yoga.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(w.orgOwner.token) },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(document));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunkedGql.status).toBe(413);
    expect(((await chunkedGql.json()) as { errors: { message: string }[] }).errors[0]?.message).toBe(
      'Request body too large',
    );
    // A Content-Length that is not a number is refused (400), as yoga did.
    const badLength = await h.app.yoga.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '12x', ...bearer(w.orgOwner.token) },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(badLength.status).toBe(400);
    expect(await snapshot(h, w.alice.id)).toEqual(before);
    // Under the limit still works.
    const ok = await h.rest(
      'PUT',
      `/v2/users/human/${w.alice.id}`,
      { profile: { givenName: 'Small', familyName: 'T' } },
      w.orgOwner.token,
    );
    expect(ok.status).toBe(200);
  });
});

describe('GraphQL limits (graphql-armor)', () => {
  it('rejects too many aliases, too deep and too many tokens with INVALID_ARGUMENT before executing', async () => {
    await setup();
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: userById(userId: "${w.alice.id}") { userId }`);
    const tooManyAliases = await h.gql(`{ ${aliases.join(' ')} }`, {}, w.orgOwner.token);
    expect(tooManyAliases.status).toBe(400);
    expect(tooManyAliases.body.errors?.[0]?.message).toBe('Syntax Error: Aliases limit of 15 exceeded, found 16.');
    expect(tooManyAliases.body.errors?.[0]?.extensions?.code).toBe('INVALID_ARGUMENT');
    expect(tooManyAliases.body.data).toBeUndefined();
    const fifteen = await h.gql(`{ ${aliases.slice(1).join(' ')} }`, {}, w.orgOwner.token);
    expect(Object.keys(fifteen.body.data ?? {})).toHaveLength(15);

    const deep = `{ userById(userId: "${w.alice.id}") { ${'profile { '.repeat(12)} givenName ${'} '.repeat(12)} } }`;
    const tooDeep = await h.gql(deep, {}, w.orgOwner.token);
    expect(tooDeep.body.data).toBeUndefined();
    expect(tooDeep.body.errors?.[0]?.message).toMatch(/depth limit of 10 exceeded/i);

    const tokens = `{ ${Array.from({ length: 1000 }, () => '__typename').join(' ')} }`;
    const tooManyTokens = await h.gql(tokens, {}, w.orgOwner.token);
    expect(tooManyTokens.body.data).toBeUndefined();
    expect(tooManyTokens.body.errors?.[0]?.message).toMatch(/token limit of 1000 exceeded/i);
  });

  it('keeps batching off: an array body is refused', async () => {
    await setup();
    const batch = await raw('POST', '/graphql', {
      headers: bearer(w.orgOwner.token),
      body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    });
    expect(batch.status).toBe(400);
    expect(batch.body.errors).toBeDefined();
  });
});

describe('credential-check rate limit', () => {
  const check = (userId: string, currentPassword: string) => ({
    input: { userId, password: { password: { password: 'Next-Passw0rd!' }, currentPassword } },
  });

  it('limits checks per user (429 RESOURCE_EXHAUSTED GATEWAY-RATE429) and frees them after the window', async () => {
    await setup({ CREDENTIAL_CHECKS_PER_USER_PER_MINUTE: '3' });
    for (let i = 0; i < 3; i++) {
      const r = await h.gql(UPDATE, check(w.alice.id, 'wrong'), w.alice.token);
      expect(r.body.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_ARGUMENT', id: 'COMMAND-3M0fs' });
    }
    const before = await snapshot(h, w.alice.id);
    const limited = await h.gql(UPDATE, check(w.alice.id, PASSWORD), w.alice.token);
    expect(limited.status).toBe(429);
    expect(limited.body.errors?.[0]?.extensions).toMatchObject({
      code: 'RESOURCE_EXHAUSTED',
      id: 'GATEWAY-RATE429',
    });
    expect(await snapshot(h, w.alice.id)).toEqual(before);
    const rest = await h.rest(
      'PUT',
      `/v2/users/human/${w.alice.id}`,
      { password: { password: { password: 'Next-Passw0rd!' }, currentPassword: PASSWORD } },
      w.alice.token,
    );
    expect(rest.status).toBe(429);
    expect(rest.headers.get('retry-after')).toBe('60');
    expect(rest.body).toEqual({
      code: 8,
      message: 'Too many password or code checks; try again later (GATEWAY-RATE429)',
      details: [
        {
          '@type': 'type.googleapis.com/zitadel.v1.ErrorDetail',
          id: 'GATEWAY-RATE429',
          message: 'Too many password or code checks; try again later',
        },
      ],
    });
    // Another user is not affected.
    const bob = await h.gql(UPDATE, check(w.bob.id, PASSWORD), w.bob.token);
    expect(bob.body.errors).toBeUndefined();
    h.clock.advance(61_000);
    const later = await h.gql(UPDATE, check(w.alice.id, PASSWORD), w.alice.token);
    expect(later.body.errors).toBeUndefined();
  });

  it('holds across aliases: one request with many aliased checks consumes at most one and is refused', async () => {
    await setup({ CREDENTIAL_CHECKS_PER_USER_PER_MINUTE: '2' });
    const aliased = `mutation($input: UpdateHumanUserInput!) {
      ${Array.from({ length: 5 }, (_, i) => `u${i}: updateHumanUser(input: $input) { details { sequence } }`).join('\n')}
    }`;
    const r = await h.gql(aliased, check(w.alice.id, 'wrong'), w.alice.token);
    const ids = r.body.errors?.map((e) => e.extensions?.id);
    expect(ids?.filter((id) => id === 'COMMAND-3M0fs')).toHaveLength(1);
    expect(ids?.every((id) => id === 'COMMAND-3M0fs' || id === 'GATEWAY-PWD429')).toBe(true);
    const events = await h.repository.events(w.alice.id);
    expect(events.filter((e) => e.type === 'password.check.failed')).toHaveLength(1);
    // One more check passes the window, the third is limited.
    await h.gql(UPDATE, check(w.alice.id, 'wrong'), w.alice.token);
    const third = await h.gql(UPDATE, check(w.alice.id, PASSWORD), w.alice.token);
    expect(third.body.errors?.[0]?.extensions?.id).toBe('GATEWAY-RATE429');
  });

  it('limits checks per client IP across users', async () => {
    await setup({ CREDENTIAL_CHECKS_PER_IP_PER_MINUTE: '2' });
    await h.gql(UPDATE, check(w.alice.id, 'wrong'), w.alice.token);
    await h.gql(UPDATE, check(w.bob.id, 'wrong'), w.bob.token);
    const third = await h.gql(UPDATE, check(w.carol.id, PASSWORD), w.carol.token);
    expect(third.status).toBe(429);
    expect(third.body.errors?.[0]?.extensions?.id).toBe('GATEWAY-RATE429');
  });
});

describe('production posture', () => {
  it('NODE_ENV=production: no GraphiQL, no introspection, unless re-enabled', async () => {
    await setup({ NODE_ENV: 'production' });
    const page = await raw('GET', '/graphql', { headers: { accept: 'text/html' } });
    expect(page.text).not.toMatch(/graphiql/i);
    const introspection = await h.gql('{ __schema { queryType { name } } }', {}, w.orgOwner.token);
    expect(introspection.body.data).toBeUndefined();
    expect(introspection.body.errors?.[0]?.message).toMatch(/introspection has been disabled/i);
    expect(introspection.body.errors?.[0]?.extensions?.code).toBe('INVALID_ARGUMENT');
    h.close();
    await setup({ NODE_ENV: 'production', GRAPHIQL: 'true', INTROSPECTION: 'true' });
    const again = await raw('GET', '/graphql', { headers: { accept: 'text/html' } });
    expect(again.status).toBe(200);
    expect(again.text).toMatch(/graphiql/i);
    const allowed = await h.gql('{ __schema { queryType { name } } }', {}, null);
    expect(allowed.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('NODE_ENV=production: no "Did you mean …" field suggestions, with or without a token', async () => {
    const typo = '{ userById(userId: "x") { userI } }';
    await setup({ NODE_ENV: 'production' });
    for (const token of [null, w.orgOwner.token]) {
      const res = await h.gql(typo, {}, token);
      expect([res.status, res.body.errors?.map((e) => e.message)]).toEqual([
        400,
        ['Cannot query field "userI" on type "HumanUser".'],
      ]);
    }
    h.close();
    // development keeps GraphQL's help
    await setup();
    const dev = await h.gql(typo, {}, null);
    expect(dev.body.errors?.[0]?.message).toMatch(/Did you mean "userId"\?$/);
  });

  it('CSRF prevention: a simple (non-preflighted) GraphQL request without the CSRF header is 403', async () => {
    await setup();
    const get = await h.app.yoga.fetch('http://gateway/graphql?query=%7B__typename%7D', {
      headers: bearer(w.orgOwner.token),
    });
    expect(get.status).toBe(403);
    expect(await get.json()).toMatchObject({ errors: [{ message: 'Required CSRF header(s) not present' }] });
    const form = await h.app.yoga.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...bearer(w.orgOwner.token) },
      body: 'query=%7B__typename%7D',
    });
    expect(form.status).toBe(403);
    expect(await form.json()).toEqual({
      errors: [{ message: 'Required CSRF header(s) not present', extensions: { code: 'PERMISSION_DENIED' } }],
    });
    const withHeader = await h.app.yoga.fetch('http://gateway/graphql?query=%7B__typename%7D', {
      headers: { ...bearer(w.orgOwner.token), 'x-graphql-yoga-csrf': '1' },
    });
    expect(withHeader.status).toBe(200);
    expect(await withHeader.json()).toEqual({ data: { __typename: 'Query' } });
    // The REST face and probes are not GraphQL requests and are unaffected.
    expect((await raw('GET', '/health')).status).toBe(200);
  });

  it('CORS: no CORS headers by default; only CORS_ORIGINS are allowed', async () => {
    await setup();
    const none = await raw('OPTIONS', '/graphql', {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(none.headers.get('access-control-allow-origin')).toBeNull();
    h.close();
    await setup({ CORS_ORIGINS: 'https://console.example, https://admin.example' });
    const allowed = await raw('OPTIONS', `/v2/users/human/${w.alice.id}`, {
      headers: { origin: 'https://admin.example', 'access-control-request-method': 'PUT' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://admin.example');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('if-match');
    const post = await raw('POST', '/graphql', {
      headers: { origin: 'https://console.example', ...bearer(w.orgOwner.token) },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(post.headers.get('access-control-allow-origin')).toBe('https://console.example');
    expect(post.headers.get('access-control-expose-headers')).toBe('etag');
    const evil = await raw('POST', '/graphql', {
      headers: { origin: 'https://evil.example', ...bearer(w.orgOwner.token) },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('security headers on every response: GraphQL, REST, errors, 404, probes, GraphiQL', async () => {
    await setup();
    const responses = [
      await raw('POST', '/graphql', { headers: bearer(w.orgOwner.token), body: '{"query":"{ __typename }"}' }),
      await raw('POST', '/graphql', { body: '{"query":"{ __typename }"}' }),
      await raw('GET', `/v2/users/${w.alice.id}`, { headers: bearer(w.orgOwner.token) }),
      await raw('PUT', `/v2/users/human/${w.alice.id}`, { body: '{' }),
      await raw('GET', '/v2/nothing'),
      await raw('GET', '/health'),
      await raw('GET', '/nothing'),
    ];
    for (const r of responses) {
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('referrer-policy')).toBe('no-referrer');
      expect(r.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(r.headers.get('cache-control')).toBe('no-store');
    }
    const graphiql = await raw('GET', '/graphql', { headers: { accept: 'text/html' } });
    expect(graphiql.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(graphiql.headers.get('x-frame-options')).toBe('DENY');
  });

  it('never exposes a stack trace, in production or development', async () => {
    for (const NODE_ENV of ['production', 'development']) {
      await setup({ NODE_ENV });
      await h.database.close(); // every query now fails unexpectedly
      const g = await raw('POST', '/graphql', {
        headers: bearer(w.orgOwner.token),
        body: JSON.stringify({ query: UPDATE, variables: { input: { userId: w.alice.id } } }),
      });
      const r = await raw('GET', `/v2/users/${w.alice.id}`, { headers: bearer(w.orgOwner.token) });
      for (const response of [g, r]) {
        expect(response.status).toBeGreaterThanOrEqual(500);
        expect(response.text).not.toMatch(/\bat .*\.(ts|js):\d+|stack|originalError/);
        expect(response.text).toContain('Errors.Internal');
      }
    }
  });
});

describe('tokens', () => {
  it('a revoked token gets 401 at once, on both faces', async () => {
    await setup();
    const ok = await h.rest('GET', `/v2/users/${w.alice.id}`, undefined, w.orgOwner.token);
    expect(ok.status).toBe(200);
    await h.admin.revokeToken({ token: w.orgOwner.token });
    const rest = await h.rest('GET', `/v2/users/${w.alice.id}`, undefined, w.orgOwner.token);
    expect(rest.status).toBe(401);
    expect(rest.body).toMatchObject({ code: 16 });
    const gql = await h.gql(UPDATE, { input: { userId: w.alice.id } }, w.orgOwner.token);
    expect(gql.status).toBe(401);
    expect(gql.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const listed = await h.admin.listTokens(w.orgOwner.id);
    expect(JSON.stringify(listed)).not.toContain(w.orgOwner.token);
  });
});
