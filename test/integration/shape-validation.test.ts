// Spec §1 / §2.2: shape validation of the whole request on both faces, with upstream's
// protoc-gen-validate messages (composed as in src/schema/validation.ts), 400 code 3, no details.
import { describe, expect, it } from 'vitest';
import { FACES, type Face, freshWorldEach, type Input, sendThrough } from '../support/faces.js';
import { type Harness, snapshot, UPDATE, type World } from '../support/harness.js';

let h: Harness;
let w: World;
freshWorldEach((fresh) => ({ h, w } = fresh));

/**
 * Sends the request through one face and asserts that it is a shape error in that face's exact
 * form (GraphQL: HTTP 400, extensions {code: INVALID_ARGUMENT} without id; REST: exactly
 * {code: 3, message}); returns the message.
 */
async function shapeError(face: Face, token: string, userId: string, input: Input): Promise<string> {
  if (face === 'graphql') {
    const res = await sendThrough(h, face, token, userId, input);
    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]?.extensions).toEqual({ code: 'INVALID_ARGUMENT' });
    return res.body.errors?.[0]?.message as string;
  }
  const res = await sendThrough(h, face, token, userId, input);
  expect(res.status).toBe(400);
  expect(Object.keys(res.body).sort()).toEqual(['code', 'message']);
  expect(res.body.code).toBe(3);
  return res.body.message as string;
}

const R = 'invalid UpdateHumanUserRequest';
const BETWEEN = (min: number, max: number) => `value length must be between ${min} and ${max} runes, inclusive`;
const AT_MOST = (max: number) => `value length must be at most ${max} runes`;
const IN = (field: string, message: string, child: string) =>
  `${R}.${field}: embedded message failed validation | caused by: invalid ${child}: ${message}`;
const profile = (field: string, message: string) => IN('Profile', message, `SetHumanProfile.${field}`);
const email = (field: string, message: string) => IN('Email', message, `SetHumanEmail.${field}`);
const phone = (field: string, message: string) => IN('Phone', message, `SetHumanPhone.${field}`);
const password = (field: string, message: string) => IN('Password', message, `SetPassword.${field}`);

const NAMES = { givenName: 'alice', familyName: 'Test' };
const x = (n: number, c = 'a') => c.repeat(n);

const CASES: [string, Input, string][] = [
  ['username ""', { username: '' }, `${R}.Username: ${BETWEEN(1, 200)}`],
  ['username of 201 characters', { username: x(201) }, `${R}.Username: ${BETWEEN(1, 200)}`],
  ['username of 201 emoji (code points)', { username: x(201, '😀') }, `${R}.Username: ${BETWEEN(1, 200)}`],
  ['givenName ""', { profile: { givenName: '', familyName: 'Test' } }, profile('GivenName', BETWEEN(1, 200))],
  ['givenName of 201', { profile: { givenName: x(201), familyName: 'T' } }, profile('GivenName', BETWEEN(1, 200))],
  ['familyName ""', { profile: { givenName: 'a', familyName: '' } }, profile('FamilyName', BETWEEN(1, 200))],
  ['nickName of 201', { profile: { ...NAMES, nickName: x(201) } }, profile('NickName', AT_MOST(200))],
  [
    'displayName of 201 emoji',
    { profile: { ...NAMES, displayName: x(201, '😀') } },
    profile('DisplayName', AT_MOST(200)),
  ],
  [
    'preferredLanguage of 11',
    { profile: { ...NAMES, preferredLanguage: 'de-CH-1996x' } },
    profile('PreferredLanguage', AT_MOST(10)),
  ],
  ['email ""', { email: { email: '' } }, email('Email', BETWEEN(1, 200))],
  [
    'email "not-an-email"',
    { email: { email: 'not-an-email' } },
    email('Email', "value must be a valid email address | caused by: mail: missing '@' or angle-addr"),
  ],
  [
    'email "a@"',
    { email: { email: 'a@' } },
    email('Email', "value must be a valid email address | caused by: mail: missing '@' or angle-addr"),
  ],
  ['email of 201 characters', { email: { email: `${x(190)}@example.ch` } }, email('Email', BETWEEN(1, 200))],
  [
    'sendCode.urlTemplate ""',
    { email: { email: 'a@b.ch', sendCode: { urlTemplate: '' } } },
    email(
      'SendCode',
      `embedded message failed validation | caused by: invalid SendEmailVerificationCode.UrlTemplate: ${BETWEEN(1, 200)}`,
    ),
  ],
  ['phone of 201', { phone: { phone: x(201, '1') } }, phone('Phone', AT_MOST(200))],
  [
    'phone isVerified false',
    { phone: { phone: '+41791234567', isVerified: false } },
    phone('IsVerified', 'value must equal true'),
  ],
  [
    'password.password.password ""',
    { password: { password: { password: '' } } },
    password(
      'Password',
      `embedded message failed validation | caused by: invalid Password.Password: ${BETWEEN(1, 200)}`,
    ),
  ],
  [
    'hashedPassword.hash ""',
    { password: { hashedPassword: { hash: '' } } },
    password(
      'HashedPassword',
      `embedded message failed validation | caused by: invalid HashedPassword.Hash: ${BETWEEN(1, 200)}`,
    ),
  ],
  [
    'currentPassword ""',
    { password: { password: { password: 'Password2!' }, currentPassword: '' } },
    password('CurrentPassword', BETWEEN(1, 200)),
  ],
  [
    'verificationCode of 21',
    { password: { password: { password: 'Password2!' }, verificationCode: x(21, 'A') } },
    password('VerificationCode', BETWEEN(1, 20)),
  ],
  // Two members of one "at most one of" group.
  [
    'email returnCode and isVerified',
    { email: { email: 'a@b.ch', returnCode: true, isVerified: true } },
    email('Verification', 'only one of sendCode, returnCode, isVerified may be set, got returnCode and isVerified'),
  ],
  [
    'email sendCode and returnCode',
    { email: { email: 'a@b.ch', sendCode: {}, returnCode: true } },
    email('Verification', 'only one of sendCode, returnCode, isVerified may be set, got sendCode and returnCode'),
  ],
  [
    'email sendCode and isVerified false',
    { email: { email: 'a@b.ch', sendCode: {}, isVerified: false } },
    email('Verification', 'only one of sendCode, returnCode, isVerified may be set, got sendCode and isVerified'),
  ],
  [
    'phone sendCode and isVerified',
    { phone: { phone: '+41791234567', sendCode: true, isVerified: true } },
    phone('Verification', 'only one of sendCode, returnCode, isVerified may be set, got sendCode and isVerified'),
  ],
  [
    'phone returnCode and sendCode',
    { phone: { phone: '+41791234567', sendCode: true, returnCode: true } },
    phone('Verification', 'only one of sendCode, returnCode, isVerified may be set, got sendCode and returnCode'),
  ],
  [
    'password and hashedPassword',
    { password: { password: { password: 'Password2!' }, hashedPassword: { hash: '$2a$10$x' } } },
    password('PasswordType', 'only one of password, hashedPassword may be set, got password and hashedPassword'),
  ],
  [
    'currentPassword and verificationCode',
    { password: { password: { password: 'Password2!' }, currentPassword: 'a', verificationCode: 'b' } },
    password(
      'Verification',
      'only one of currentPassword, verificationCode may be set, got currentPassword and verificationCode',
    ),
  ],
  // The first failing rule in field order decides.
  [
    'username "" and givenName "" (username first)',
    { username: '', profile: { givenName: '', familyName: 'T' } },
    `${R}.Username: ${BETWEEN(1, 200)}`,
  ],
  [
    'givenName "" and email "" (profile first)',
    { profile: { givenName: '', familyName: 'T' }, email: { email: '' } },
    profile('GivenName', BETWEEN(1, 200)),
  ],
  [
    'givenName "" and familyName "" (givenName first)',
    { profile: { givenName: '', familyName: '' } },
    profile('GivenName', BETWEEN(1, 200)),
  ],
  [
    'username "" and a oneof clash (the clash first, as upstream fails to decode it)',
    { username: '', email: { email: 'a@b.ch', returnCode: true, isVerified: true } },
    email('Verification', 'only one of sendCode, returnCode, isVerified may be set, got returnCode and isVerified'),
  ],
];

describe('shape errors (§1, §2.2): 400 code 3 with the upstream message, nothing changed', () => {
  it.each(FACES.flatMap((face) => CASES.map(([name, input, message]) => [face, name, input, message] as const)))(
    '%s: %s',
    async (face, _name, input, message) => {
      const before = await snapshot(h, w.alice.id);
      expect(await shapeError(face, w.orgOwner.token, w.alice.id, input)).toBe(message);
      expect(await snapshot(h, w.alice.id)).toEqual(before);
    },
  );

  it.each(FACES)('%s: userId of 201 characters', async (face) => {
    expect(await shapeError(face, w.orgOwner.token, x(201, '1'), { username: 'ok' })).toBe(
      `${R}.UserId: ${BETWEEN(1, 200)}`,
    );
  });

  it.each(FACES)('%s: shape validation comes before the user lookup (missing user → 400, not 404)', async (face) => {
    expect(await shapeError(face, w.orgOwner.token, 'no-such-user', { username: '' })).toBe(
      `${R}.Username: ${BETWEEN(1, 200)}`,
    );
  });

  it.each(FACES)('%s: shape validation comes before the permission check (no roles → 400, not 404)', async (face) => {
    expect(await shapeError(face, w.bob.token, w.alice.id, { profile: { givenName: '', familyName: 'x' } })).toBe(
      profile('GivenName', BETWEEN(1, 200)),
    );
  });

  it.each(FACES)('%s: shape validation comes before the content checks (EMAIL-599BI, PHONE-so0wa)', async (face) => {
    expect(
      await shapeError(face, w.orgOwner.token, w.alice.id, {
        email: { email: 'Alice <alice@example.com>' },
        phone: { phone: 'nope', isVerified: false },
      }),
    ).toBe(phone('IsVerified', 'value must equal true'));
  });
});

describe('required members that are absent', () => {
  it.each([
    ['profile without givenName', { profile: { familyName: 'Test' } }, profile('GivenName', BETWEEN(1, 200))],
    ['profile without familyName', { profile: { givenName: 'a' } }, profile('FamilyName', BETWEEN(1, 200))],
    ['empty profile', { profile: {} }, profile('GivenName', BETWEEN(1, 200))],
    ['email without address', { email: { isVerified: true } }, email('Email', BETWEEN(1, 200))],
    [
      'password.password without password',
      { password: { password: {} } },
      password(
        'Password',
        `embedded message failed validation | caused by: invalid Password.Password: ${BETWEEN(1, 200)}`,
      ),
    ],
  ])('REST: %s is the empty string (protojson default) → the upstream length message', async (_name, body, message) => {
    expect(await shapeError('rest', w.orgOwner.token, w.alice.id, body)).toBe(message);
  });

  it.each([
    ['profile without givenName', { profile: { familyName: 'Test' } }, 'givenName'],
    ['profile without familyName', { profile: { givenName: 'a' } }, 'familyName'],
    ['email without address', { email: { isVerified: true } }, 'email'],
  ])('GraphQL: %s → 400 INVALID_ARGUMENT naming the field', async (_name, input, field) => {
    const message = await shapeError('graphql', w.orgOwner.token, w.alice.id, input);
    expect(message).toContain(`Field "${field}" of required type "String!" was not provided`);
  });
});

describe('values at the limits are valid (lengths in code points)', () => {
  it.each(FACES)('%s: username of 200 emoji (400 UTF-16 units) is accepted and stored', async (face) => {
    const username = x(200, '😀');
    const res =
      face === 'graphql'
        ? (await h.gql(UPDATE, { input: { userId: w.alice.id, username } }, w.orgOwner.token)).status
        : (await h.rest('PUT', `/v2/users/human/${w.alice.id}`, { username }, w.orgOwner.token)).status;
    expect(res).toBe(200);
    expect((await h.repository.findUser(w.alice.id))?.username).toBe(username);
  });

  it.each(FACES)('%s: every profile field at its maximum', async (face) => {
    const input = {
      profile: {
        givenName: x(200, '😀'),
        familyName: x(200),
        nickName: x(200, 'é'),
        displayName: x(200, '𝔸'),
        preferredLanguage: 'de-CH-1996',
      },
    };
    const status =
      face === 'graphql'
        ? (await h.gql(UPDATE, { input: { userId: w.alice.id, ...input } }, w.orgOwner.token)).status
        : (await h.rest('PUT', `/v2/users/human/${w.alice.id}`, input, w.orgOwner.token)).status;
    expect(status).toBe(200);
    expect((await h.repository.findUser(w.alice.id))?.profile).toMatchObject({
      givenName: x(200, '😀'),
      familyName: x(200),
      nickName: x(200, 'é'),
      displayName: x(200, '𝔸'),
      preferredLanguage: 'de-CH-1996',
    });
  });

  it.each(FACES)('%s: a verificationCode of 20 passes the shape check (then: no pending code)', async (face) => {
    const input = { password: { password: { password: 'Password2!' }, verificationCode: x(20, 'A') } };
    if (face === 'graphql') {
      const res = await h.gql(UPDATE, { input: { userId: w.alice.id, ...input } }, w.alice.token);
      expect(res.body.errors?.[0]?.extensions).toEqual({ code: 'FAILED_PRECONDITION', id: 'COMMAND-2M9fs' });
    } else {
      const res = await h.rest('PUT', `/v2/users/human/${w.alice.id}`, input, w.alice.token);
      expect(res).toMatchObject({ status: 400, body: { code: 9, message: 'Code not found (COMMAND-2M9fs)' } });
    }
  });

  it.each(FACES)('%s: phone isVerified true and an empty phone are valid shapes', async (face) => {
    const input = { phone: { phone: '', isVerified: true } };
    const status =
      face === 'graphql'
        ? (await h.gql(UPDATE, { input: { userId: w.alice.id, ...input } }, w.orgOwner.token)).status
        : (await h.rest('PUT', `/v2/users/human/${w.alice.id}`, input, w.orgOwner.token)).status;
    expect(status).toBe(200);
  });
});
