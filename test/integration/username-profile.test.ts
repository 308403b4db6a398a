// Spec §4.1 (username), §4.2 (profile), §3 (response) and §2 atomicity, on both faces:
// GraphQL `updateHumanUser` and REST `PUT /v2/users/human/{userId}`.
import { describe, expect, it } from 'vitest';
import {
  asGraphQLDetails,
  FACES,
  type Face,
  fail,
  freshWorldEach,
  type Input,
  type Outcome,
  success,
  updater,
} from '../support/faces.js';
import { type Harness, PASSWORD, START, snapshot, UPDATE, type World } from '../support/harness.js';

let h: Harness;
let w: World;
freshWorldEach((fresh) => ({ h, w } = fresh));

/** One updateHumanUser through one face (test/support/faces.ts). */
const update = updater(() => h);

const CLASH = fail(409, 6, 'User already exists', 'V3-DKcYh');
const RESERVED = fail(400, 3, 'Domain is already reserved and cannot be used', 'COMMAND-SFd21');

const events = async (id: string) => (await h.repository.events(id)).map((e) => ({ type: e.type, payload: e.payload }));

const USER_QUERY = `query User($userId: ID!) { user(userId: $userId) {
  userId username state resourceOwner details { sequence changeDate resourceOwner }
  profile { givenName familyName nickName displayName preferredLanguage gender }
  email { email isVerified } phone { phone isVerified } passwordChangeRequired } }`;

/** The stored profile as each face reads it back (Query.user / GET /v2/users/{id}). */
async function readProfile(face: Face, token: string, userId: string) {
  if (face === 'graphql') {
    const res = await h.gql(USER_QUERY, { userId }, token);
    const user = res.body.data?.user as { profile: Record<string, unknown> } | null | undefined;
    expect(user, JSON.stringify(res.body.errors)).toBeTruthy();
    return user?.profile;
  }
  const res = await h.rest('GET', `/v2/users/${userId}`, undefined, token);
  expect(res.status).toBe(200);
  return (res.body.user as { human: { profile: Record<string, unknown> } }).human.profile;
}

const NAMES = { givenName: 'alice', familyName: 'Test' }; // alice's seeded names

// --- §4.1 username --------------------------------------------------------------------------

describe('username (§4.1)', () => {
  it.each(FACES)('%s: the same value is no change: 200 with the current details, no event', async (face) => {
    const before = await snapshot(h, w.alice.id);
    h.clock.advance(10_000);
    expect(await update(face, w.orgOwner.token, w.alice.id, { username: 'alice' })).toEqual(success(1, w.orgs.acme));
    expect(await snapshot(h, w.alice.id)).toEqual(before);
  });

  it.each(FACES)('%s: a new username → one username.changed event with the value as sent', async (face) => {
    expect(await update(face, w.orgOwner.token, w.alice.id, { username: ' Alice.Liddell ' })).toEqual(
      success(2, w.orgs.acme),
    );
    expect((await events(w.alice.id)).slice(1)).toEqual([
      { type: 'username.changed', payload: { username: ' Alice.Liddell ' } },
    ]);
    expect((await h.repository.findUser(w.alice.id))?.username).toBe(' Alice.Liddell ');
  });

  it.each(FACES.flatMap((face) => ['bob', 'BOB', 'Bob', 'carol', 'ROBOT', 'Newbie'].map((n) => [face, n] as const)))(
    '%s: a username taken case-insensitively elsewhere in the instance (%s) → 409 V3-DKcYh, nothing changed',
    async (face, username) => {
      const before = await snapshot(h, w.alice.id);
      expect(await update(face, w.iamOwner.token, w.alice.id, { username })).toEqual(CLASH);
      expect(await snapshot(h, w.alice.id)).toEqual(before);
    },
  );

  it.each(FACES.flatMap((face) => ['Alice', 'ALICE', 'aLiCe'].map((n) => [face, n] as const)))(
    '%s: changing the case of one’s own username (%s) is allowed',
    async (face, username) => {
      expect(await update(face, w.alice.token, w.alice.id, { username })).toEqual(success(2, w.orgs.acme));
      expect((await h.repository.findUser(w.alice.id))?.username).toBe(username);
      // …and the old spelling is then taken by alice herself, so bob cannot have it.
      expect(await update(face, w.iamOwner.token, w.bob.id, { username: 'alice' })).toEqual(CLASH);
    },
  );

  it.each(FACES)('%s: a freed username can be taken by someone else', async (face) => {
    expect(await update(face, w.iamOwner.token, w.bob.id, { username: 'robert' })).toEqual(success(2, w.orgs.acme));
    expect(await update(face, w.iamOwner.token, w.alice.id, { username: 'Bob' })).toEqual(success(2, w.orgs.acme));
  });

  describe('organization-scoped usernames (seeded org `scoped`)', () => {
    async function scopedUser(username: string) {
      return h.admin.addHuman({
        orgId: w.orgs.scoped,
        username,
        givenName: username,
        familyName: 'Scoped',
        email: `${username}@scoped.example`,
        passwordHash: w.passwordHash,
      });
    }

    it.each(FACES)('%s: usernames clash case-insensitively within the organization', async (face) => {
      await scopedUser('sam');
      const sue = await scopedUser('sue');
      const before = await snapshot(h, sue.id);
      expect(await update(face, w.iamOwner.token, sue.id, { username: 'SAM' })).toEqual(CLASH);
      expect(await snapshot(h, sue.id)).toEqual(before);
    });

    it.each(FACES.flatMap((face) => ['alice', 'Bob', 'carol'].map((n) => [face, n] as const)))(
      '%s: a username used in other organizations (%s) is free inside the scoped one',
      async (face, username) => {
        const sue = await scopedUser('sue');
        expect(await update(face, w.iamOwner.token, sue.id, { username })).toEqual(success(2, w.orgs.scoped));
        expect((await h.repository.findUser(sue.id))?.username).toBe(username);
      },
    );

    it('a seeded scoped user may share a name with a user of another organization', async () => {
      const dup = await scopedUser('alice');
      expect((await h.repository.findUser(dup.id))?.username).toBe('alice');
    });
  });

  describe('reserved domains', () => {
    it.each(
      FACES.flatMap((face) =>
        ['x@other.ch', 'X@OTHER.CH', 'a@acme.ch@other.ch'].map((username) => [face, username] as const),
      ),
    )(
      '%s: %s for an acme user (verified domain of another organization) → 400 COMMAND-SFd21',
      async (face, username) => {
        const before = await snapshot(h, w.alice.id);
        expect(await update(face, w.orgOwner.token, w.alice.id, { username })).toEqual(RESERVED);
        expect(await snapshot(h, w.alice.id)).toEqual(before);
      },
    );

    it.each(
      FACES.flatMap((face) =>
        ['x@acme.ch', 'x@sub.other.ch', 'x@example.com', 'a@other.ch@acme.ch', 'other.ch'].map(
          (username) => [face, username] as const,
        ),
      ),
    )('%s: %s is fine (own verified domain, or not a reserved domain after the last @)', async (face, username) => {
      expect(await update(face, w.orgOwner.token, w.alice.id, { username })).toEqual(success(2, w.orgs.acme));
      expect((await h.repository.findUser(w.alice.id))?.username).toBe(username);
    });

    it.each(FACES)('%s: a user of the domain’s own organization may use it', async (face) => {
      expect(await update(face, w.otherOwner.token, w.carol.id, { username: 'carol@other.ch' })).toEqual(
        success(2, w.orgs.other),
      );
    });
  });
});

// --- §4.2 profile ---------------------------------------------------------------------------

describe('profile (§4.2)', () => {
  it.each(FACES)('%s: only the changed fields go into one profile.changed event', async (face) => {
    expect(
      await update(face, w.orgOwner.token, w.alice.id, {
        profile: { ...NAMES, nickName: 'Al', preferredLanguage: 'de-CH' },
      }),
    ).toEqual(success(2, w.orgs.acme));
    h.clock.advance(1000);
    expect(
      await update(face, w.orgOwner.token, w.alice.id, {
        profile: {
          givenName: 'Alice',
          familyName: 'Test',
          nickName: 'Al',
          displayName: 'Alice T.',
          preferredLanguage: 'de-CH',
        },
      }),
    ).toEqual(success(3, w.orgs.acme, '2026-11-23T10:00:01.000Z'));
    expect((await events(w.alice.id)).slice(1)).toEqual([
      { type: 'profile.changed', payload: { nickName: 'Al', preferredLanguage: 'de-CH' } },
      { type: 'profile.changed', payload: { givenName: 'Alice', displayName: 'Alice T.' } },
    ]);
  });

  it.each(FACES)('%s: the same profile again is no change (200, current details, no event)', async (face) => {
    await update(face, w.orgOwner.token, w.alice.id, { profile: { ...NAMES, nickName: 'Al', displayName: 'A' } });
    const before = await snapshot(h, w.alice.id);
    h.clock.advance(1000);
    expect(
      await update(face, w.orgOwner.token, w.alice.id, { profile: { ...NAMES, nickName: 'Al', displayName: 'A' } }),
    ).toEqual(success(2, w.orgs.acme));
    // Absent nick and display names are left as they are, not cleared.
    expect(await update(face, w.orgOwner.token, w.alice.id, { profile: NAMES })).toEqual(success(2, w.orgs.acme));
    expect(await snapshot(h, w.alice.id)).toEqual(before);
  });

  it.each(FACES)('%s: nick and display name may be set to ""', async (face) => {
    await update(face, w.orgOwner.token, w.alice.id, { profile: { ...NAMES, nickName: 'Al', displayName: 'A' } });
    expect(
      await update(face, w.orgOwner.token, w.alice.id, { profile: { ...NAMES, nickName: '', displayName: '' } }),
    ).toEqual(success(3, w.orgs.acme));
    expect((await events(w.alice.id)).at(-1)).toEqual({
      type: 'profile.changed',
      payload: { nickName: '', displayName: '' },
    });
    expect(await readProfile(face, w.orgOwner.token, w.alice.id)).toMatchObject({ nickName: '', displayName: '' });
  });

  it.each(
    FACES.flatMap((face) =>
      (
        [
          ['de-CH', 'de-CH'],
          ['EN-us', 'en-US'],
          ['not a tag', 'und'],
          ['de_CH', 'de-CH'],
          ['x', 'und'],
          ['', 'und'],
          ['123', 'und'],
        ] as const
      ).map(([tag, stored]) => [face, tag, stored] as const),
    ),
  )('%s: preferredLanguage %j is stored as %j (never an error)', async (face, tag, stored) => {
    // Start from a well-formed tag so that `und` is a change.
    await h.db.updateTable('users').set({ preferred_language: 'fr' }).where('id', '=', w.alice.id).execute();
    const res = await update(face, w.orgOwner.token, w.alice.id, { profile: { ...NAMES, preferredLanguage: tag } });
    expect(res).toEqual(success(2, w.orgs.acme));
    expect((await events(w.alice.id)).at(-1)).toEqual({
      type: 'profile.changed',
      payload: { preferredLanguage: stored },
    });
    expect(await readProfile(face, w.orgOwner.token, w.alice.id)).toMatchObject({ preferredLanguage: stored });
  });

  it.each(FACES)('%s: an ill-formed tag when the language is already `und` is no change', async (face) => {
    expect(
      await update(face, w.orgOwner.token, w.alice.id, { profile: { ...NAMES, preferredLanguage: 'no such' } }),
    ).toEqual(success(1, w.orgs.acme));
  });

  describe('gender by name (GraphQL) or name or number (REST)', () => {
    it.each(['GENDER_FEMALE', 'GENDER_MALE', 'GENDER_DIVERSE'] as const)(
      'GraphQL: gender by name %s',
      async (gender) => {
        expect(await update('graphql', w.orgOwner.token, w.alice.id, { profile: { ...NAMES, gender } })).toEqual(
          success(2, w.orgs.acme),
        );
        expect(await readProfile('graphql', w.orgOwner.token, w.alice.id)).toMatchObject({ gender });
      },
    );

    it.each([
      ['GENDER_FEMALE', 'GENDER_FEMALE', 1],
      [2, 'GENDER_MALE', 2],
      ['GENDER_DIVERSE', 'GENDER_DIVERSE', 3],
      [3, 'GENDER_DIVERSE', 3],
    ] as const)('REST: gender %j → %s', async (gender, name, number) => {
      const res = await h.rest(
        'PUT',
        `/v2/users/human/${w.alice.id}`,
        { profile: { ...NAMES, gender } },
        w.orgOwner.token,
      );
      expect({ details: asGraphQLDetails(res.body.details) }).toEqual({
        details: { sequence: '2', changeDate: START.toISOString(), resourceOwner: w.orgs.acme },
      });
      expect((await events(w.alice.id)).at(-1)).toEqual({ type: 'profile.changed', payload: { gender: number } });
      expect(await readProfile('rest', w.orgOwner.token, w.alice.id)).toMatchObject({ gender: name });
    });

    it.each(FACES)('%s: GENDER_UNSPECIFIED on an unspecified gender is no change', async (face) => {
      expect(
        await update(face, w.orgOwner.token, w.alice.id, { profile: { ...NAMES, gender: 'GENDER_UNSPECIFIED' } }),
      ).toEqual(success(1, w.orgs.acme));
    });
  });

  it.each(['GENDER_OTHER', 'female', 'FEMALE'])('GraphQL: unknown gender name %j → 400 INVALID_ARGUMENT', async (g) => {
    const before = await snapshot(h, w.alice.id);
    const res = await h.gql(
      UPDATE,
      { input: { userId: w.alice.id, profile: { ...NAMES, gender: g } } },
      w.orgOwner.token,
    );
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions).toEqual({ code: 'INVALID_ARGUMENT' });
    expect(res.body.errors?.[0]?.message).toContain(`"${g}"`);
    expect(await snapshot(h, w.alice.id)).toEqual(before);
  });

  it.each([
    ['GENDER_OTHER', 'invalid value for enum gender: "GENDER_OTHER"'],
    ['gender_female', 'invalid value for enum gender: "gender_female"'],
    [4, 'invalid value for enum gender: 4'],
    [-1, 'invalid value for enum gender: -1'],
    [1.5, 'invalid value for enum gender: 1.5'],
    [true, 'invalid value for enum gender: true'],
  ])('REST: unknown gender %j → 400 code 3 without details', async (gender, message) => {
    const before = await snapshot(h, w.alice.id);
    const res = await h.rest(
      'PUT',
      `/v2/users/human/${w.alice.id}`,
      { profile: { ...NAMES, gender } },
      w.orgOwner.token,
    );
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ code: 3, message });
    expect(await snapshot(h, w.alice.id)).toEqual(before);
  });
});

// --- §3 response ----------------------------------------------------------------------------

describe('response (§3)', () => {
  it.each(FACES)('%s: details carry the sequence as a string, the clock’s time and the org id', async (face) => {
    h.clock.advance(123);
    expect(await update(face, w.otherOwner.token, w.carol.id, { username: 'carol2' })).toEqual(
      success(2, w.orgs.other, '2026-11-23T10:00:00.123Z'),
    );
    h.clock.advance(3_600_000);
    // Username + profile: two events, the details name the last one.
    expect(
      await update(face, w.otherOwner.token, w.carol.id, {
        username: 'carol3',
        profile: { givenName: 'Carol', familyName: 'Test' },
      }),
    ).toEqual(success(4, w.orgs.other, '2026-11-23T11:00:00.123Z'));
    const row = await h.db
      .selectFrom('users')
      .select(['sequence', 'change_date'])
      .where('id', '=', w.carol.id)
      .executeTakeFirstOrThrow();
    expect([Number(row.sequence), row.change_date]).toEqual([4, '2026-11-23T11:00:00.123Z']);
  });

  it.each(FACES)('%s: no change → 200, details of the current state, no event, no time moved', async (face) => {
    await update(face, w.orgOwner.token, w.alice.id, { username: 'alice-2' });
    h.clock.advance(5000);
    const before = await snapshot(h, w.alice.id);
    expect(
      await update(face, w.orgOwner.token, w.alice.id, {
        username: 'alice-2',
        profile: NAMES,
        email: { email: 'alice@example.com' },
        phone: { phone: '' },
      }),
    ).toEqual(success(2, w.orgs.acme));
    expect(await snapshot(h, w.alice.id)).toEqual(before);
  });

  it('REST omits emailCode and phoneCode when no code was returned (never null)', async () => {
    const res = await h.rest(
      'PUT',
      `/v2/users/human/${w.alice.id}`,
      { email: { email: 'alice@new.example' }, phone: { phone: '+41791234567' } },
      w.orgOwner.token,
    );
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['details']);
  });

  it('REST returns only the code that was asked for', async () => {
    const res = await h.rest(
      'PUT',
      `/v2/users/human/${w.alice.id}`,
      { email: { email: 'alice@new.example', returnCode: {} }, phone: { phone: '+41791234567' } },
      w.orgOwner.token,
    );
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['details', 'emailCode']);
    expect(res.body.emailCode).toMatch(/^[A-Z0-9]{6}$/);
  });

  it('GraphQL answers null for the codes that were not returned', async () => {
    const res = await h.gql(
      UPDATE,
      { input: { userId: w.alice.id, phone: { phone: '+41791234567', returnCode: true } } },
      w.orgOwner.token,
    );
    const payload = res.body.data?.updateHumanUser as Record<string, unknown>;
    expect(payload.emailCode).toBeNull();
    expect(payload.phoneCode).toMatch(/^[A-Z0-9]{6}$/);
  });
});

// --- §2 atomicity ---------------------------------------------------------------------------

describe('atomicity (§2): a request whose later part fails changes nothing', () => {
  const cases: [string, Input, Outcome][] = [
    [
      'username + profile, then an email with a display name (EMAIL-599GV)',
      {
        username: 'alice-new',
        profile: { givenName: 'New', familyName: 'Name' },
        email: { email: 'Alice <alice@new.example>' },
      },
      fail(400, 3, 'Email is invalid', 'EMAIL-599GV'),
    ],
    [
      'username + profile, then a phone that does not parse (PHONE-so0wa)',
      { username: 'alice-new', profile: { givenName: 'New', familyName: 'Name' }, phone: { phone: '12' } },
      fail(400, 3, 'Phone is invalid', 'PHONE-so0wa'),
    ],
    [
      'a taken username with a valid profile and email',
      { username: 'BOB', profile: { givenName: 'New', familyName: 'Name' }, email: { email: 'alice@new.example' } },
      CLASH,
    ],
    [
      'a reserved-domain username with a valid profile',
      { username: 'alice@other.ch', profile: { givenName: 'New', familyName: 'Name' } },
      RESERVED,
    ],
    [
      'username, profile, email and phone, then a password equal to the current one (COMMAND-Aesh5)',
      {
        username: 'alice-new',
        profile: { givenName: 'New', familyName: 'Name' },
        email: { email: 'alice@new.example', returnCode: true },
        phone: { phone: '+41791234567', returnCode: true },
        password: { password: { password: PASSWORD }, currentPassword: PASSWORD },
      },
      fail(400, 9, 'New password cannot be the same as your current password', 'COMMAND-Aesh5'),
    ],
    [
      'everything valid but a password that is too weak (DOMAIN-HuJf6)',
      {
        username: 'alice-new',
        email: { email: 'alice@new.example', isVerified: true },
        password: { password: { password: 'Ab1!' } },
      },
      fail(400, 3, 'Password is too short', 'DOMAIN-HuJf6'),
    ],
  ];

  it.each(FACES.flatMap((face) => cases.map(([name, input, outcome]) => [face, name, input, outcome] as const)))(
    '%s: %s',
    async (face, _name, input, outcome) => {
      const before = await snapshot(h, w.alice.id);
      expect(await update(face, w.orgOwner.token, w.alice.id, input)).toEqual(outcome);
      expect(await snapshot(h, w.alice.id)).toEqual(before);
      // The username stays free for others after the rejected request.
      if (input.username === 'alice-new') {
        expect(await update(face, w.orgOwner.token, w.bob.id, { username: 'alice-new' })).toEqual(
          success(2, w.orgs.acme),
        );
      }
    },
  );
});
