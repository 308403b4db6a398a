// Issue 14's leaf rules as upstream has them, on both faces (GraphQL `updateHumanUser` and REST
// `PUT /v2/users/human/{userId}`): ASCII password classes (14.2), imported bcrypt hashes (14.10),
// GetUserByID's id length (14.13), language tags (14.5), email addresses (14.4), URL templates (14.6).
import { describe, expect, it } from 'vitest';
import { FACES, type Face, fail, freshWorldEach, type Input, ok, updateThrough } from '../support/faces.js';
import { type Harness, snapshot, type World } from '../support/harness.js';

let h: Harness;
let w: World;
freshWorldEach((fresh) => ({ h, w } = fresh));

const update = (face: Face, userId: string, input: Input) => updateThrough(h, face, w.orgOwner.token, userId, input);

/** A failing update writes nothing: the user's row and events are as before. */
async function expectRefused(face: Face, userId: string, input: Input, expected: ReturnType<typeof fail>) {
  const before = await snapshot(h, userId);
  expect(await update(face, userId, input)).toEqual(expected);
  expect(await snapshot(h, userId)).toEqual(before);
}

describe('14.2 password complexity classes are ASCII (§4.5.4)', () => {
  it.each(FACES)('%s: "Passwort1ä" is accepted, ä counting as the symbol', async (face) => {
    const res = ok(await update(face, w.alice.id, { password: { password: { password: 'Passwort1ä' } } }));
    expect(res.details).toMatchObject({ sequence: '2' });
    const events = (await h.repository.events(w.alice.id)).map((e) => e.type);
    expect(events).toEqual(['user.created', 'password.changed']);
  });

  it.each(FACES)('%s: "ÄÖÜSTRASSE1!ß" has no ASCII lower case → DOMAIN-co3Xw', async (face) => {
    await expectRefused(
      face,
      w.alice.id,
      { password: { password: { password: 'ÄÖÜSTRASSE1!ß' } } },
      fail(400, 3, 'Password must contain lower case', 'DOMAIN-co3Xw'),
    );
  });
});

describe('14.10 imported hashes parse as Go bcrypt (§2.4)', () => {
  const body = 'abcdefghijklmnopqrstuv0123456789ABCDEFGHIJKLMNOPQRSTU'; // 22 salt + 31 checksum
  const INVALID = fail(400, 3, 'Password is invalid', 'CRYPT-r8Qm2');
  const COST = fail(400, 3, 'Password is invalid', 'CRYPT-5uV9n');
  const hashed = (hash: string) => ({ password: { hashedPassword: { hash } } });

  for (const face of FACES) {
    it.each([
      ['scrypt', '$scrypt$ln=16,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g', INVALID],
      ['argon2id', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo', INVALID],
      ['$2x$', `$2x$10$${body}`, INVALID],
      ['58 bytes', `$2b$10$${body.slice(0, 51)}`, INVALID],
      ['garbage', 'garbage', INVALID],
      ['cost 09', `$2b$09$${body}`, COST],
      ['cost 17', `$2y$17$${body}`, COST],
    ])(`${face}: %s → %j`, async (_name, hash, expected) => {
      await expectRefused(face, w.alice.id, hashed(hash), expected);
    });
  }

  it.each(FACES)('%s: 59 bytes parse as Go bcrypt does and are stored exactly as given', async (face) => {
    const hash = `$2a$16$${body.slice(0, 52)}`;
    ok(await update(face, w.alice.id, hashed(hash)));
    const row = await h.db.selectFrom('users').select('password_hash').where('id', '=', w.alice.id).executeTakeFirst();
    expect(row?.password_hash).toBe(hash);
  });
});

describe('14.13 GetUserByID userId is 1–200 runes, a shape rule (§4.7)', () => {
  const LENGTH = 'invalid GetUserByIDRequest.UserId: value length must be between 1 and 200 runes, inclusive';
  const QUERY = 'query Get($userId: ID!) { userById(userId: $userId) { userId } }';

  it.each([
    ['empty', ''],
    ['201 runes', 'x'.repeat(201)],
  ])('graphql: %s → 400 INVALID_ARGUMENT, no lookup', async (_name, userId) => {
    const res = await h.gql(QUERY, { userId }, w.orgOwner.token);
    expect(res.status).toBe(400);
    expect(res.body.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([[LENGTH, 'INVALID_ARGUMENT']]);
    expect(res.body.errors?.[0]?.extensions?.id).toBeUndefined();
  });

  it('rest: 201 runes → 400 code 3 with upstream message and no details; 200 runes → 404', async () => {
    const long = await h.rest('GET', `/v2/users/${'x'.repeat(201)}`, undefined, w.orgOwner.token);
    expect([long.status, long.body]).toEqual([400, { code: 3, message: LENGTH }]);
    const max = await h.rest('GET', `/v2/users/${'x'.repeat(200)}`, undefined, w.orgOwner.token);
    expect([max.status, max.body.code, max.body.message]).toEqual([404, 5, 'User could not be found (QUERY-Dfbg2)']);
  });

  it('graphql: a user id of 200 runes reaches the lookup', async () => {
    const res = await h.gql(QUERY, { userId: '😀'.repeat(200) }, w.orgOwner.token);
    expect(res.body.errors?.map((e) => e.extensions?.id)).toEqual(['QUERY-Dfbg2']);
  });
});

describe('14.5 preferredLanguage parses as x/text does (§4.2)', () => {
  const profile = (preferredLanguage: string) => ({
    profile: { givenName: 'Alice', familyName: 'Test', preferredLanguage },
  });
  const stored = async () =>
    (await h.db.selectFrom('users').select('preferred_language').where('id', '=', w.alice.id).executeTakeFirst())
      ?.preferred_language;

  for (const face of FACES) {
    it.each([
      ['de_CH', 'de-CH'],
      ['zh_hant_tw', 'zh-Hant-TW'],
      ['EN-gb', 'en-GB'],
      ['de__CH', 'und'],
      ['not a tag', 'und'],
    ])(`${face}: %j is stored as %j, never an error`, async (tag, expected) => {
      ok(await update(face, w.alice.id, profile(tag)));
      expect(await stored()).toBe(expected);
      const read = await h.gql(
        'query($id: ID!) { user(userId: $id) { profile { preferredLanguage } } }',
        { id: w.alice.id },
        w.orgOwner.token,
      );
      expect(read.body.data?.user).toEqual({ profile: { preferredLanguage: expected } });
    });
  }
});

describe('14.4 email addresses follow Go net/mail (§2.2, §2.4)', () => {
  const shape = (reason: string) =>
    fail(
      400,
      3,
      'invalid UpdateHumanUserRequest.Email: embedded message failed validation | caused by: invalid SetHumanEmail.Email: ' +
        `value must be a valid email address | caused by: ${reason}`,
    );
  const stored = async () =>
    (await h.db.selectFrom('users').select('email').where('id', '=', w.alice.id).executeTakeFirst())?.email;

  for (const face of FACES) {
    it.each(['"john doe"@acme.ch', 'jöhn@acme.ch', `${'a'.repeat(64)}@acme.ch`])(
      `${face}: %j is valid and stored as sent`,
      async (email) => {
        ok(await update(face, w.alice.id, { email: { email, isVerified: true } }));
        expect(await stored()).toBe(email);
      },
    );

    it.each([
      [`${'a'.repeat(65)}@acme.ch`, shape('email address local phrase cannot exceed 64 characters')],
      ['a@[1.2.3.4]', shape('hostname parts can only contain alphanumeric characters or hyphens, got "["')],
      ['a@-acme.ch', shape('hostname parts cannot begin with hyphens')],
      ['plainaddress', shape("mail: missing '@' or angle-addr")],
      ['Ada <ada@acme.ch', shape('mail: unclosed angle-addr')],
      ['Ada <ada@acme.ch>', fail(400, 3, 'Email is invalid', 'EMAIL-599GV')],
      ['ada@acme.ch (Ada)', fail(400, 3, 'Email is invalid', 'EMAIL-599GV')],
    ])(`${face}: %j → %j, nothing written`, async (email, expected) => {
      await expectRefused(face, w.alice.id, { email: { email } }, expected);
    });
  }
});

describe('14.6 URL templates are Go text/template (§2.3)', () => {
  const SYNTAX = fail(400, 3, 'URL Template is invalid', 'DOMAIN-oGh5e');
  const EXEC = fail(400, 3, 'URL Template is invalid', 'DOMAIN-ieYa7');
  const sendCode = (urlTemplate: string) => ({ email: { email: 'new@acme.ch', sendCode: { urlTemplate } } });

  for (const face of FACES) {
    it.each([
      ['{{foo .Code}}', SYNTAX],
      ['{{if .Code}}x', SYNTAX],
      ['{{$y}}', SYNTAX],
      ['{{.Foo}}', EXEC],
      ['{{printf}}', EXEC],
      ['{{eq .Code 1}}', EXEC],
    ])(`${face}: %j → %j, nothing written`, async (urlTemplate, expected) => {
      await expectRefused(face, w.alice.id, sendCode(urlTemplate), expected);
    });

    it(`${face}: a template with pipelines, functions and control structures renders the outbox link as Go does`, async () => {
      const urlTemplate =
        'https://x/{{.OrgID}}/{{printf "%s" .UserID | urlquery}}?c={{.Code}}{{if eq .OrgID "nope"}}&no{{else}}&ok{{end}}' +
        '{{with $n := len .Code}}&n={{$n}}{{end}}&q={{"a b&c" | urlquery}}{{/* gone */}}';
      ok(await update(face, w.alice.id, sendCode(urlTemplate)));
      const rows = await h.db.selectFrom('notification_outbox').selectAll().where('user_id', '=', w.alice.id).execute();
      expect(rows).toHaveLength(1);
      const payload = JSON.parse(rows[0]?.payload as string) as { url: string; code: string };
      expect(payload.url).toBe(`https://x/${w.orgs.acme}/${w.alice.id}?c=${payload.code}&ok&n=6&q=a+b%26c`);
    });
  }
});
