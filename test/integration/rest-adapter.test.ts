// Spec §1 and §7: the REST adapter's body rules (ZITADEL's protojson), methods and errors;
// `GET /v2/users/{userId}` and its GraphQL counterpart `Query.user`.
import { hash } from '@node-rs/bcrypt';
import { describe, expect, it } from 'vitest';
import { freshWorldEach } from '../support/faces.js';
import { type Harness, PASSWORD, snapshot, type World } from '../support/harness.js';

let h: Harness;
let w: World;
freshWorldEach((fresh) => ({ h, w } = fresh));

// protojson's Timestamp: no fraction when it is zero (upstream's Go protojson does the same).
const T0 = '2026-11-23T10:00:00Z';
const put = (userId: string, body: unknown, token: string | null = w.orgOwner.token) =>
  h.rest('PUT', `/v2/users/human/${userId}`, body, token);
const details = (sequence: number, resourceOwner = w.orgs.acme, changeDate = T0) => ({
  details: { sequence: String(sequence), changeDate, resourceOwner },
});
const user = async (id: string) => h.repository.findUser(id);

// The snake_case bodies and camelCase read-backs spell the same values in two wire forms, on purpose, so each test shows both.
describe('REST body rules (§1)', () => {
  it('accepts the original snake_case names everywhere', async () => {
    const res = await put(w.alice.id, {
      profile: {
        given_name: 'Alicia',
        family_name: 'Liddell',
        nick_name: 'Al',
        display_name: 'Alice L.',
        preferred_language: 'en-GB',
      },
      email: { email: 'alice@new.example', is_verified: true },
      phone: { phone: '079 123 45 67', is_verified: true },
    });
    expect(res).toMatchObject({ status: 200, body: details(6) });
    expect(await user(w.alice.id)).toMatchObject({
      profile: {
        givenName: 'Alicia',
        familyName: 'Liddell',
        nickName: 'Al',
        displayName: 'Alice L.',
        preferredLanguage: 'en-GB',
      },
      email: { email: 'alice@new.example', isVerified: true },
      phone: { phone: '+41791234567', isVerified: true },
    });
  });

  it('accepts send_code.url_template and return_code in snake_case', async () => {
    const sent = await put(w.alice.id, {
      email: {
        email: 'alice@new.example',
        send_code: { url_template: 'https://app.example/verify?u={{.UserID}}&c={{.Code}}' },
      },
    });
    expect(sent).toMatchObject({ status: 200, body: details(3) });
    const outbox = (await snapshot(h, w.alice.id)).outbox;
    expect(outbox).toHaveLength(1);
    expect(JSON.parse(outbox[0]?.payload as string).url).toMatch(
      new RegExp(`^https://app\\.example/verify\\?u=${w.alice.id}&c=[A-Z0-9]{6}$`),
    );
    const returned = await put(w.alice.id, { phone: { phone: '+41791234567', return_code: {} } });
    expect(returned.body.phoneCode).toMatch(/^[A-Z0-9]{6}$/);
  });

  it('accepts hashed_password with change_required, and current_password for self', async () => {
    const imported = await hash('Imported1!', 10);
    expect(
      await put(w.alice.id, { password: { hashed_password: { hash: imported, change_required: true } } }),
    ).toMatchObject({
      status: 200,
      body: details(2),
    });
    expect(await user(w.alice.id)).toMatchObject({ passwordHash: imported, passwordChangeRequired: true });
    const self = await put(
      w.alice.id,
      { password: { password: { password: 'Another2?pass', change_required: false }, current_password: 'Imported1!' } },
      w.alice.token,
    );
    expect(self).toMatchObject({ status: 200, body: details(3) });
    expect((await user(w.alice.id))?.passwordChangeRequired).toBe(false);
  });

  it('ignores unknown members at every level', async () => {
    const res = await put(w.alice.id, {
      foo: 1,
      details: { sequence: '99' },
      profile: { givenName: 'Alicia', familyName: 'Test', middleName: 'X', unknown_field: [1] },
      email: { email: 'alice@example.com', unknownOption: {} },
    });
    expect(res).toMatchObject({ status: 200, body: details(2) });
    expect((await h.repository.events(w.alice.id)).at(-1)?.payload).toEqual({ givenName: 'Alicia' });
  });

  it.each([
    ['userId', 'userId'],
    ['user_id', 'user_id'],
  ])('ignores %s in the body: the path wins', async (_, member) => {
    const bobBefore = await snapshot(h, w.bob.id);
    const res = await put(w.alice.id, { [member]: w.bob.id, username: 'renamed' });
    expect(res).toMatchObject({ status: 200, body: details(2) });
    expect((await user(w.alice.id))?.username).toBe('renamed');
    expect(await snapshot(h, w.bob.id)).toEqual(bobBefore);
  });

  it.each([
    ['no body', undefined],
    ['an empty string', ''],
    ['whitespace', ' \n\t '],
    ['{}', {}],
    ['only null members', { username: null, profile: null, email: null, phone: null, password: null }],
  ])('treats %s as {}: 200 with the current details, no change', async (_, body) => {
    h.clock.advance(1000);
    const before = await snapshot(h, w.alice.id);
    const res = await put(w.alice.id, body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(details(1));
    expect(await snapshot(h, w.alice.id)).toEqual(before);
  });

  it('an empty body needs no permission (only the user id), but still a token and an existing user', async () => {
    expect(await put(w.alice.id, undefined, w.bob.token)).toMatchObject({ status: 200, body: details(1) });
    expect(await put(w.alice.id, undefined, null)).toMatchObject({ status: 401, body: { code: 16 } });
    expect(await put('404404', undefined, w.bob.token)).toMatchObject({
      status: 404,
      body: { code: 5, message: 'User could not be found (COMMAND-ugjs0upun6)' },
    });
  });

  it('returnCode: {} returns the code and queues nothing; no flag queues a message', async () => {
    const res = await put(w.alice.id, {
      email: { email: 'alice@new.example', returnCode: {} },
      phone: { phone: '+41791234567', returnCode: {} },
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['details', 'emailCode', 'phoneCode']);
    expect(res.body.emailCode).toMatch(/^[A-Z0-9]{6}$/);
    expect(res.body.phoneCode).toMatch(/^[A-Z0-9]{6}$/);
    expect((await snapshot(h, w.alice.id)).outbox).toEqual([]);
  });

  it('phone sendCode: {} queues an SMS and returns no code', async () => {
    const res = await put(w.alice.id, { phone: { phone: '+41791234567', sendCode: {} } });
    expect(res).toMatchObject({ status: 200, body: details(3) });
    expect(res.body).not.toHaveProperty('phoneCode');
    expect((await snapshot(h, w.alice.id)).outbox.map((o) => [o.kind, o.channel, o.recipient])).toEqual([
      ['phone_verification', 'sms', '+41791234567'],
    ]);
  });

  it.each([
    [
      'returnCode: true',
      { email: { email: 'a@b.ch', returnCode: true } },
      'invalid value for message returnCode: expected a JSON object',
    ],
    [
      'returnCode: []',
      { email: { email: 'a@b.ch', returnCode: [] } },
      'invalid value for message returnCode: expected a JSON object',
    ],
    ['profile: "x"', { profile: 'x' }, 'invalid value for message profile: expected a JSON object'],
    ['email: []', { email: [] }, 'invalid value for message email: expected a JSON object'],
  ])('a member of the wrong JSON kind (%s) → 400 code 3 without details', async (_, body, message) => {
    const before = await snapshot(h, w.alice.id);
    const res = await put(w.alice.id, body);
    expect(res).toEqual({ status: 400, headers: res.headers, body: { code: 3, message } });
    expect(await snapshot(h, w.alice.id)).toEqual(before);
  });

  it.each([
    ['username: 5', { username: 5 }],
    ['givenName: true', { profile: { givenName: true, familyName: 'x' } }],
    ['isVerified: "yes"', { email: { email: 'a@b.ch', isVerified: 'yes' } }],
  ])('a scalar of the wrong type (%s) → 400 code 3 without details', async (_, body) => {
    const res = await put(w.alice.id, body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(3);
    expect(res.body).not.toHaveProperty('details');
  });

  it.each(['{not json', "{'username':'x'}", '{"username":"x"', 'undefined', '[]', '"text"', '42'])(
    'a body that is not a JSON object (%s) → 400 code 3 without details, nothing changed',
    async (text) => {
      const before = await snapshot(h, w.alice.id);
      const res = await put(w.alice.id, text);
      expect(res.status).toBe(400);
      expect(Object.keys(res.body).sort()).toEqual(['code', 'message']);
      expect(res.body.code).toBe(3);
      expect(String(res.body.message)).toMatch(/^invalid (JSON body|value for message UpdateHumanUserRequest)/);
      expect(await snapshot(h, w.alice.id)).toEqual(before);
    },
  );
});

describe('methods and paths (§7)', () => {
  it.each([
    ['GET', '/v2/users/human/ID', 'PUT'],
    ['POST', '/v2/users/human/ID', 'PUT'],
    ['PATCH', '/v2/users/human/ID', 'PUT'],
    ['DELETE', '/v2/users/human/ID', 'PUT'],
    ['PUT', '/v2/users/ID', 'GET, PATCH'],
    ['DELETE', '/v2/users/ID', 'GET, PATCH'],
    ['GET', '/v2/users/ID/password_reset', 'POST'],
  ])('%s %s → 405 with Allow: %s, nothing changed', async (method, template, allow) => {
    const path = template.replace('ID', w.alice.id);
    const before = await snapshot(h, w.alice.id);
    const body = method === 'GET' ? undefined : { username: 'changed' };
    const res = await h.rest(method, path, body, w.iamOwner.token);
    expect(res.status).toBe(405);
    expect(res.body).toEqual({ code: 12, message: 'Method Not Allowed' });
    expect(res.headers.get('allow')).toBe(allow);
    expect(await snapshot(h, w.alice.id)).toEqual(before);
  });

  it('an unknown /v2 path → 404 code 5', async () => {
    const res = await h.rest('GET', '/v2/organizations', undefined, w.iamOwner.token);
    expect(res).toMatchObject({ status: 404, body: { code: 5, message: 'Not Found' } });
  });

  it('the path id is percent-decoded; bad percent-encoding → 400 code 3', async () => {
    const bad = await put('%E0%A4%A', { username: 'x' });
    expect(bad).toMatchObject({ status: 400, body: { code: 3 } });
    expect(await put(encodeURIComponent(w.alice.id), { username: 'decoded' })).toMatchObject({ status: 200 });
    expect((await user(w.alice.id))?.username).toBe('decoded');
  });
});

describe('GET /v2/users/{userId}', () => {
  const get = (id: string, token: string | null) => h.rest('GET', `/v2/users/${id}`, undefined, token);

  it('answers GetUserByID’s shape in protojson: user.details, defaults (false, "") left out', async () => {
    const res = await get(w.alice.id, w.orgOwner.token);
    expect(res.status).toBe(200);
    // The user's first event is its creation (spec §4.7): creationDate on both details.
    const withCreation = { details: { ...details(1).details, creationDate: '2026-11-23T10:00:00Z' } };
    expect(res.body).toEqual({
      ...withCreation,
      user: {
        userId: w.alice.id,
        ...withCreation,
        state: 'USER_STATE_ACTIVE',
        username: 'alice',
        loginNames: ['alice'],
        preferredLoginName: 'alice',
        human: {
          profile: {
            givenName: 'alice',
            familyName: 'Test',
            nickName: '',
            displayName: '',
            preferredLanguage: 'und',
            gender: 'GENDER_UNSPECIFIED',
          },
          email: { email: 'alice@example.com' },
          phone: {},
        },
      },
    });
  });

  it('reflects an update made through PUT', async () => {
    h.clock.advance(2000);
    await put(w.alice.id, {
      username: 'alice.l',
      profile: { givenName: 'Alice', familyName: 'Liddell', nickName: 'Al', preferredLanguage: 'en' },
      email: { email: 'alice@new.example', isVerified: true },
      phone: { phone: '0791234567' },
    });
    const res = await get(w.alice.id, w.alice.token);
    expect(res.body).toMatchObject({
      ...details(7, w.orgs.acme, '2026-11-23T10:00:02Z'),
      user: {
        ...details(7, w.orgs.acme, '2026-11-23T10:00:02Z'),
        username: 'alice.l',
        loginNames: ['alice.l'],
        preferredLoginName: 'alice.l',
        human: {
          profile: { givenName: 'Alice', familyName: 'Liddell', nickName: 'Al', preferredLanguage: 'en' },
          email: { email: 'alice@new.example', isVerified: true },
          phone: { phone: '+41791234567' },
        },
      },
    });
  });

  it.each(['alice', 'iamOwner', 'orgOwner', 'orgViewer', 'machine'] as const)(
    '%s may read alice (self or user.read on acme)',
    async (caller) => {
      const res = await get(w.alice.id, w[caller].token);
      expect(res.status).toBe(200);
      expect((res.body.user as { userId: string }).userId).toBe(w.alice.id);
    },
  );

  it.each([
    ['bob (no roles)', 'bob', 'membership not found', 'AUTHZ-cdgFk'],
    ['the owner of another organization', 'otherOwner', 'membership not found', 'AUTHZ-cdgFk'],
  ] as const)('%s → 404 %s', async (_, caller, message, id) => {
    const res = await get(w.alice.id, w[caller].token);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      code: 5,
      message: `${message} (${id})`,
      details: [{ '@type': 'type.googleapis.com/zitadel.v1.ErrorDetail', id, message }],
    });
  });

  it('a read-only role on another organization does not reach acme', async () => {
    await h.admin.addRole({ userId: w.bob.id, role: 'ORG_OWNER_VIEWER', orgId: w.orgs.other });
    expect((await get(w.alice.id, w.bob.token)).body).toMatchObject({
      code: 5,
      message: 'membership not found (AUTHZ-cdgFk)',
    });
    expect((await get(w.carol.id, w.bob.token)).status).toBe(200);
  });

  it.each([
    ['a missing user', (): string => '123456789'],
    ['a machine user', (): string => w.machine.id],
  ])('%s → 404 User could not be found', async (_, id) => {
    const res = await get(id(), w.iamOwner.token);
    expect(res).toMatchObject({ status: 404, body: { code: 5, message: 'User could not be found (QUERY-Dfbg2)' } });
  });

  it('a deleted user → 404 User could not be found', async () => {
    await h.db.updateTable('users').set({ state: 'deleted' }).where('id', '=', w.alice.id).execute();
    expect(await get(w.alice.id, w.iamOwner.token)).toMatchObject({
      status: 404,
      body: { code: 5, message: 'User could not be found (QUERY-Dfbg2)' },
    });
  });

  it('needs a token', async () => {
    expect(await get(w.alice.id, null)).toMatchObject({
      status: 401,
      body: { code: 16, message: 'auth header missing' },
    });
    expect((await get(w.alice.id, 'bogus')).body).toMatchObject({
      code: 16,
      message: 'Errors.Token.Invalid (AUTH-7fs1e)',
    });
  });

  it('never shows a password hash', async () => {
    const res = await get(w.alice.id, w.iamOwner.token);
    expect(JSON.stringify(res.body)).not.toMatch(/\$2[aby]\$/);
    expect(JSON.stringify(res.body)).not.toContain(PASSWORD);
  });
});

describe('Query.user', () => {
  const QUERY = 'query($id: ID!) { user(userId: $id) { userId username resourceOwner email { email } } }';
  const query = (id: string, token: string) => h.gql(QUERY, { id }, token);

  it.each(['alice', 'iamOwner', 'orgOwner', 'orgViewer', 'machine'] as const)('is visible to %s', async (caller) => {
    const res = await query(w.alice.id, w[caller].token);
    expect(res.body).toEqual({
      data: {
        user: {
          userId: w.alice.id,
          username: 'alice',
          resourceOwner: w.orgs.acme,
          email: { email: 'alice@example.com' },
        },
      },
    });
  });

  it.each([
    ['bob (no roles) asking for alice', 'bob', (): string => w.alice.id],
    ['the other org’s owner asking for alice', 'otherOwner', (): string => w.alice.id],
    ['the acme owner asking for carol', 'orgOwner', (): string => w.carol.id],
    ['the IAM owner asking for a missing user', 'iamOwner', (): string => '4040404'],
    ['the IAM owner asking for a machine user', 'iamOwner', (): string => w.machine.id],
  ] as const)('is null (no error) for %s', async (_, caller, id) => {
    const res = await query(id(), w[caller].token);
    expect(res).toEqual({ status: 200, body: { data: { user: null } } });
  });

  it('is null for a deleted user', async () => {
    await h.db.updateTable('users').set({ state: 'deleted' }).where('id', '=', w.bob.id).execute();
    expect((await query(w.bob.id, w.iamOwner.token)).body).toEqual({ data: { user: null } });
  });
});
