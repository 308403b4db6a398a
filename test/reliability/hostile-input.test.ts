// Hostile input, property-based (fast-check), against both faces: malformed and random JSON,
// wrong types, nulls everywhere, huge strings, deep nesting, odd Unicode (lone surrogates, NUL,
// RTL marks), huge numbers for enums, bad tokens. Every generated request must get a 4xx with
// the contract's error body — REST {code, message}, GraphQL errors[] with extensions.code —
// never a 5xx, and must change nothing (the database is compared before and after each run).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, UPDATE, type World } from '../support/harness.js';

const RUNS_PER_FACE = 2000;

let h: Harness;
let w: World;
beforeAll(async () => {
  h = await createHarness();
  w = await h.seed();
});
afterAll(() => h.close());

/** Everything a request could change, in one comparable value. */
async function worldState() {
  const tables = ['users', 'user_events', 'verification_codes', 'notification_outbox', 'access_tokens'] as const;
  const state: Record<string, unknown> = {};
  for (const table of tables) state[table] = await h.db.selectFrom(table).selectAll().execute();
  return state;
}
async function eventCount(): Promise<number> {
  const row = await h.db
    .selectFrom('user_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

// --- generators ---------------------------------------------------------------------------

const oddStrings = fc.constantFrom(
  '\uD800', // lone high surrogate
  '\uDC00x', // lone low surrogate
  'a\u0000b', // NUL
  '\u202Eevil\u202C', // RTL override
  '\u200F\u200E\u061C', // RTL/LTR marks
  '\uFEFF', // BOM
  '\u{1F600}'.repeat(201), // 201 astral runes
  'e\u0301'.repeat(150), // combining marks
  '\u0000'.repeat(300),
  ' ',
  '',
);
const hugeStrings = fc.constantFrom('x'.repeat(201), 'y'.repeat(10_000), '\u202E'.repeat(20_000), 'z'.repeat(100_000));
const hugeNumbers = fc.constantFrom(4, -1, 1.5, 2 ** 31, 2 ** 53 + 2, 1e308, -1e308, Number.MAX_SAFE_INTEGER);

/** A deeply nested JSON value (arrays and objects), as a value. */
const deep = fc.integer({ min: 50, max: 1500 }).map((depth) => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { n: value };
  return value;
});

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  hugeNumbers,
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  oddStrings,
  hugeStrings,
  fc.constant([]),
  fc.constant({}),
  deep,
);
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: leaf },
  { weight: 1, arbitrary: fc.array(leaf, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 10 }), leaf, { maxKeys: 4 }) },
);

/** A body shaped like the request, with hostile values in every position. */
function shaped(rest: boolean) {
  const k = (camel: string, snake: string) => (rest ? fc.constantFrom(camel, snake) : fc.constant(camel));
  const member = (name: fc.Arbitrary<string>, value: fc.Arbitrary<unknown>) =>
    fc.tuple(name, value).map(([n, v]) => ({ [n]: v }));
  const object = (...members: fc.Arbitrary<Record<string, unknown>>[]) =>
    fc
      .tuple(...members.map((m) => fc.option(m, { nil: undefined })))
      .map((parts) => Object.assign({}, ...parts.filter(Boolean)) as Record<string, unknown>);
  const v = (inner?: fc.Arbitrary<unknown>) => (inner ? fc.oneof(inner, anyJson) : anyJson);
  const profile = object(
    member(k('givenName', 'given_name'), v()),
    member(k('familyName', 'family_name'), v()),
    member(k('nickName', 'nick_name'), v()),
    member(k('displayName', 'display_name'), v()),
    member(k('preferredLanguage', 'preferred_language'), v()),
    member(
      fc.constant('gender'),
      v(fc.oneof(hugeNumbers, fc.constantFrom('GENDER_ROBOT', 'gender_male', 'GENDER_MALE'))),
    ),
  );
  const email = object(
    member(fc.constant('email'), v()),
    member(k('sendCode', 'send_code'), v(object(member(k('urlTemplate', 'url_template'), v())))),
    member(k('returnCode', 'return_code'), v()),
    member(k('isVerified', 'is_verified'), v()),
  );
  const phone = object(
    member(fc.constant('phone'), v()),
    member(k('sendCode', 'send_code'), v()),
    member(k('returnCode', 'return_code'), v()),
    member(k('isVerified', 'is_verified'), v()),
  );
  const password = object(
    member(fc.constant('password'), v(object(member(fc.constant('password'), v())))),
    member(k('hashedPassword', 'hashed_password'), v(object(member(fc.constant('hash'), v())))),
  );
  return object(
    member(fc.constant('username'), v()),
    member(fc.constant('profile'), v(profile)),
    member(fc.constant('email'), v(email)),
    member(fc.constant('phone'), v(phone)),
    member(fc.constant('password'), v(password)),
  );
}

/**
 * One member that the contract always rejects at the shape stage (before any lookup or
 * credential check), so the request as a whole must be refused.
 */
function poison(rest: boolean): fc.Arbitrary<Record<string, unknown>> {
  const overlong = fc.oneof(hugeStrings, fc.constant('\u{1F600}'.repeat(201)));
  return fc.oneof(
    fc.record({ profile: fc.record({ givenName: fc.oneof(fc.constant(''), overlong), familyName: fc.constant('F') }) }),
    fc.record({ profile: fc.record({ givenName: fc.constant('G'), familyName: overlong }) }),
    fc.record({ username: fc.oneof(fc.constant(''), overlong) }),
    fc.record({ email: fc.record({ email: overlong }) }),
    fc.record({ password: fc.record({ password: fc.record({ password: fc.oneof(fc.constant(''), overlong) }) }) }),
    fc.record({
      profile: fc.record({
        givenName: fc.constant('G'),
        familyName: fc.constant('F'),
        gender: rest
          ? fc.oneof(hugeNumbers, fc.constant('GENDER_ROBOT'))
          : fc.oneof(fc.integer(), fc.constant('GENDER_ROBOT')),
      }),
    }),
    fc.record({ profile: anyJson.filter((x) => x !== null && (typeof x !== 'object' || Array.isArray(x))) }),
  );
}

/** A shaped hostile body with one poisoned member laid over it. */
const poisoned = (rest: boolean) =>
  fc.tuple(shaped(rest), poison(rest)).map(([body, p]) => {
    const out = { ...body };
    for (const [key, value] of Object.entries(p)) out[key] = value;
    return out;
  });

/** Whether the REST face would read `text` as a (possibly empty) JSON object — a valid request. */
function isJsonObject(text: string): boolean {
  if (text.trim() === '') return true;
  try {
    const value = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** Bodies that are not JSON objects at all. */
const rawText = fc
  .oneof(
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.constantFrom(
      '{',
      '{"profile":',
      '[',
      '{"a":1,}',
      "{'a':1}",
      'null',
      'true',
      '"str"',
      '123',
      '[]',
      'NaN',
      '\u0000',
    ),
    fc.integer({ min: 1000, max: 20_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
    fc.integer({ min: 1000, max: 20_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
    anyJson.map((v) => JSON.stringify(v)).map((s) => s.slice(0, Math.max(1, s.length - 1))), // truncated
  )
  .filter((text) => !isJsonObject(text));
const rawBytes = fc
  .uint8Array({ minLength: 1, maxLength: 200 })
  .filter((bytes) => !isJsonObject(new TextDecoder().decode(bytes)));

/** Mostly the right token, sometimes none or garbage (401 is a 4xx too). */
const token = fc.oneof(
  { weight: 8, arbitrary: fc.constant('valid') },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9._~+/-]{0,80}$/) },
);
function authorization(t: string | null): Record<string, string> {
  if (t === null) return {};
  return { authorization: `Bearer ${t === 'valid' ? w.orgOwner.token : t}` };
}

// --- properties -----------------------------------------------------------------------------

describe('hostile input', () => {
  it(`REST: ${RUNS_PER_FACE} hostile PUT bodies → 4xx {code, message}, never 5xx, nothing changed`, async () => {
    const before = await worldState();
    const events = await eventCount();
    const statuses = new Map<number, number>();
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { weight: 6, arbitrary: poisoned(true).map((b) => JSON.stringify(b) as string | Uint8Array) },
          { weight: 3, arbitrary: rawText },
          { weight: 1, arbitrary: rawBytes },
        ),
        token,
        async (body, t) => {
          runs++;
          const response = await h.app.yoga.fetch(`http://gateway/v2/users/human/${w.alice.id}`, {
            method: 'PUT',
            headers: { 'content-type': 'application/json', ...authorization(t) },
            body,
          });
          const text = await response.text();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          expect(response.status, text.slice(0, 300)).toBeGreaterThanOrEqual(400);
          expect(response.status, text.slice(0, 300)).toBeLessThan(500);
          const parsed = JSON.parse(text) as { code: unknown; message: unknown };
          expect(typeof parsed.code).toBe('number');
          expect(typeof parsed.message).toBe('string');
          expect(await eventCount()).toBe(events);
        },
      ),
      { numRuns: RUNS_PER_FACE },
    );
    expect(runs).toBe(RUNS_PER_FACE);
    expect(await worldState()).toEqual(before);
    expect([...statuses.keys()].every((s) => s >= 400 && s < 500)).toBe(true);
  }, 120_000);

  it(`GraphQL: ${RUNS_PER_FACE} hostile requests → 4xx with errors[], never 5xx, nothing changed`, async () => {
    const before = await worldState();
    const events = await eventCount();
    let runs = 0;
    const variablesRequest = fc
      .tuple(
        poisoned(false),
        fc.oneof({ weight: 4, arbitrary: fc.constant(w.alice.id) }, { weight: 1, arbitrary: leaf }),
      )
      .map(([input, userId]) => JSON.stringify({ query: UPDATE, variables: { input: { ...input, userId } } }));
    // The variables' top level itself hostile: wrong types, nulls, deep values.
    const hostileVariables = anyJson.map((variables) => JSON.stringify({ query: UPDATE, variables }));
    const hostileEnvelope = fc
      .record(
        { query: fc.oneof(leaf, fc.constant(UPDATE)), variables: anyJson, operationName: anyJson },
        { requiredKeys: [] },
      )
      .filter((e) => typeof e.query !== 'string' || e.variables !== undefined)
      .map((e) => JSON.stringify(e));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { weight: 6, arbitrary: variablesRequest as fc.Arbitrary<string | Uint8Array> },
          { weight: 1, arbitrary: hostileVariables },
          { weight: 1, arbitrary: hostileEnvelope },
          { weight: 2, arbitrary: rawText },
          { weight: 1, arbitrary: rawBytes },
        ),
        token,
        async (body, t) => {
          runs++;
          const response = await h.app.yoga.fetch('http://gateway/graphql', {
            method: 'POST',
            // GraphQL over HTTP: with application/json, request errors are answered 200 by
            // design; the graphql-response+json media type makes every error status visible.
            headers: {
              'content-type': 'application/json',
              accept: 'application/graphql-response+json',
              ...authorization(t),
            },
            body,
          });
          const text = await response.text();
          expect(response.status, text.slice(0, 300)).toBeGreaterThanOrEqual(400);
          expect(response.status, text.slice(0, 300)).toBeLessThan(500);
          const parsed = JSON.parse(text) as {
            data?: unknown;
            errors?: { message: unknown; extensions?: { code?: unknown } }[];
          };
          expect(parsed.data ?? null).toBeNull();
          expect(parsed.errors?.length).toBeGreaterThan(0);
          for (const error of parsed.errors ?? []) {
            expect(typeof error.message).toBe('string');
            expect(typeof error.extensions?.code).toBe('string');
          }
          expect(await eventCount()).toBe(events);
        },
      ),
      { numRuns: RUNS_PER_FACE },
    );
    expect(runs).toBe(RUNS_PER_FACE);
    expect(await worldState()).toEqual(before);
  }, 120_000);

  it('the gateway still works afterwards', async () => {
    const r = await h.rest(
      'PUT',
      `/v2/users/human/${w.alice.id}`,
      { profile: { givenName: 'Still', familyName: 'Here' } },
      w.orgOwner.token,
    );
    expect(r.status).toBe(200);
    expect(r.headers.get('etag')).toBe(`"${(r.body.details as { sequence: string }).sequence}"`);
  });
});
