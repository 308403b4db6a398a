// Spec §4.5 (password) and §2 (nothing written when a check fails), on both faces: GraphQL
// `updateHumanUser` and REST `PUT /v2/users/human/{userId}`.
import { hash } from '@node-rs/bcrypt';
import { describe, expect, it } from 'vitest';
import {
  CREDENTIALS_CHECK_ERROR,
  details,
  eventTypesIn,
  FACES,
  fail,
  freshWorldEach,
  type Input,
  type Outcome,
  ok,
  updater,
} from '../support/faces.js';
import { type Harness, PASSWORD, RESET, snapshot, UPDATE, type World } from '../support/harness.js';

let h: Harness;
let w: World;
freshWorldEach((fresh) => ({ h, w } = fresh));

// --- both faces -------------------------------------------------------------------------------

/** One updateHumanUser through one face (see test/support/faces.ts). */
const update = updater(() => h);

const eventTypes = eventTypesIn(() => h);

const NEW_PASSWORD = 'Neues-Passwort9';
/** A bcrypt hash of `password` at cost 10 in the `$2b$` form (the harness's own hashes use cost 4). */
const bcrypt10 = async (password: string) => (await hash(password, 10)).replace(/^\$2y\$/, '$2b$');
let validHash: Promise<string> | undefined;
/** One importable hash for the whole file (bcrypt at cost 10 is slow-ish). */
const importable = () => {
  validHash ??= bcrypt10(PASSWORD);
  return validHash;
};
const E = {
  notInitialized: fail(400, 9, 'User is not yet initialized', 'COMMAND-M9dse'),
  codeNotFound: fail(400, 9, 'Code not found', 'COMMAND-2M9fs'),
  codeExpired: fail(400, 9, 'Code is expired', 'CODE-QvUQ4P'),
  codeInvalid: fail(400, 3, 'Code is invalid', 'CODE-woT0xc'),
  locked: fail(400, 9, 'User is locked', 'COMMAND-JLK35', { failedAttempts: 0 }),
  notSet: fail(400, 9, 'User has not set a password', 'COMMAND-3nJ4t'),
  invalid: (failedAttempts: number) => fail(400, 3, 'Password is invalid', 'COMMAND-3M0fs', { failedAttempts }),
  same: fail(400, 9, 'New password cannot be the same as your current password', 'COMMAND-Aesh5'),
  empty: fail(400, 3, 'Password is empty', 'COMMAND-3klek4sbns'),
  unsupported: fail(400, 3, 'Password is invalid', 'CRYPT-r8Qm2'), // upstream: not a bcrypt it parses
  cost: fail(400, 3, 'Password is invalid', 'CRYPT-5uV9n'),
  malformed: fail(400, 3, 'Password is invalid', 'CRYPT-r8Qm2'),
  tooLong: fail(400, 3, 'Password is longer than 72 bytes, the most bcrypt can use', 'GATEWAY-PWD72'),
  membership: fail(404, 5, 'membership not found', 'AUTHZ-cdgFk'),
  denied: fail(403, 7, 'No matching permissions found', 'AUTH-AWfge'),
};

async function userRow(id: string) {
  return h.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function resetCode(userId: string): Promise<string> {
  const res = await h.gql(RESET, { input: { userId, returnCode: true } }, w.orgOwner.token);
  const code = (res.body.data?.passwordReset as { verificationCode?: string } | undefined)?.verificationCode;
  expect(code, JSON.stringify(res.body)).toMatch(/^[A-Z0-9]{6}$/);
  return code as string;
}

async function passwordChangeRequired(userId: string): Promise<unknown> {
  const res = await h.gql(
    'query ($id: ID!) { user(userId: $id) { passwordChangeRequired } }',
    { id: userId },
    w.orgOwner.token,
  );
  return (res.body.data?.user as { passwordChangeRequired: boolean } | null)?.passwordChangeRequired;
}

/** Whether `password` is now the user's password (bcrypt check on the stored hash). */
async function isPassword(userId: string, password: string): Promise<boolean> {
  const row = await userRow(userId);
  return row.password_hash !== null && h.hasher.verify(password, row.password_hash);
}

async function addHuman(username: string, extra: Record<string, unknown> = {}) {
  const { id } = await h.admin.addHuman({
    orgId: w.orgs.acme,
    username,
    givenName: username,
    familyName: 'Test',
    email: `${username}@example.com`,
    ...extra,
  });
  const { token } = await h.admin.addToken({ userId: id });
  return { id, token };
}

const setPassword = (password: string, extra: Input = {}) => ({ password: { password: { password }, ...extra } });

// --- 1. initial state -------------------------------------------------------------------------

describe('initial state (§4.5.1)', () => {
  it.each(FACES)('%s: a user created without credentials → COMMAND-M9dse (code 9, HTTP 400)', async (face) => {
    const before = await snapshot(h, w.initial.id);
    expect(await update(face, w.orgOwner.token, w.initial.id, setPassword(NEW_PASSWORD))).toEqual(E.notInitialized);
    expect(
      await update(face, w.orgOwner.token, w.initial.id, {
        password: { hashedPassword: { hash: await importable() } },
      }),
    ).toEqual(E.notInitialized);
    expect(await snapshot(h, w.initial.id)).toEqual(before);
  });

  it.each(FACES)(
    '%s: the initial state is checked before any verification; content checks come first',
    async (face) => {
      const before = await snapshot(h, w.initial.id);
      expect(
        await update(face, w.orgOwner.token, w.initial.id, setPassword(NEW_PASSWORD, { verificationCode: 'ABC123' })),
      ).toEqual(E.notInitialized);
      expect(
        await update(face, w.orgOwner.token, w.initial.id, setPassword(NEW_PASSWORD, { currentPassword: 'whatever' })),
      ).toEqual(E.notInitialized);
      expect(
        await update(face, w.orgOwner.token, w.initial.id, { password: { hashedPassword: { hash: 'not-a-hash' } } }),
      ).toEqual(E.malformed);
      expect(await snapshot(h, w.initial.id)).toEqual(before);
    },
  );
});

// --- 2. verification --------------------------------------------------------------------------

describe('verificationCode (§4.5.2)', () => {
  it.each(FACES)('%s: no pending code → COMMAND-2M9fs', async (face) => {
    expect(
      await update(face, w.alice.token, w.alice.id, setPassword(NEW_PASSWORD, { verificationCode: 'ABC123' })),
    ).toEqual(E.codeNotFound);
  });

  it.each(FACES)('%s: a valid code lets the user set a password itself, once', async (face) => {
    const code = await resetCode(w.alice.id);
    const res = ok(
      await update(face, w.alice.token, w.alice.id, setPassword(NEW_PASSWORD, { verificationCode: code })),
    );
    expect(res).toEqual({ details: details(3, w.orgs.acme) });
    expect(await eventTypes(w.alice.id)).toEqual(['user.created', 'password.code.added', 'password.changed']);
    expect(await isPassword(w.alice.id, NEW_PASSWORD)).toBe(true);
    expect(
      await update(face, w.alice.token, w.alice.id, setPassword('Drittes-Passwort7', { verificationCode: code })),
    ).toEqual(E.codeNotFound);
    expect(await isPassword(w.alice.id, NEW_PASSWORD)).toBe(true);
  });

  it.each(FACES)('%s: an expired code → CODE-QvUQ4P; one just inside the hour still works', async (face) => {
    const code = await resetCode(w.alice.id);
    h.clock.advance(60 * 60 * 1000 + 1);
    const before = await snapshot(h, w.alice.id);
    expect(
      await update(face, w.alice.token, w.alice.id, setPassword(NEW_PASSWORD, { verificationCode: code })),
    ).toEqual(E.codeExpired);
    expect(await snapshot(h, w.alice.id)).toEqual(before);

    const fresh = await resetCode(w.bob.id);
    h.clock.advance(60 * 60 * 1000 - 1000);
    ok(await update(face, w.bob.token, w.bob.id, setPassword(NEW_PASSWORD, { verificationCode: fresh })));
  });

  it.each(FACES)('%s: a wrong code → CODE-woT0xc (code 3); the right one still works afterwards', async (face) => {
    const code = await resetCode(w.alice.id);
    const wrong = code === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA';
    const before = await snapshot(h, w.alice.id);
    expect(
      await update(face, w.alice.token, w.alice.id, setPassword(NEW_PASSWORD, { verificationCode: wrong })),
    ).toEqual(E.codeInvalid);
    expect(
      await update(
        face,
        w.alice.token,
        w.alice.id,
        setPassword(NEW_PASSWORD, { verificationCode: code.toLowerCase() }),
      ),
    ).toEqual(E.codeInvalid);
    expect(await snapshot(h, w.alice.id)).toEqual(before);
    ok(await update(face, w.alice.token, w.alice.id, setPassword(NEW_PASSWORD, { verificationCode: code })));
  });

  it.each(FACES)("%s: another user's code does not fit", async (face) => {
    await resetCode(w.alice.id);
    const bobs = await resetCode(w.bob.id);
    const res = await update(face, w.alice.token, w.alice.id, setPassword(NEW_PASSWORD, { verificationCode: bobs }));
    // a collision of two random codes is the only way this could pass
    expect(res).toEqual(E.codeInvalid);
  });
});

describe('currentPassword (§4.5.2)', () => {
  it.each(FACES)('%s: the right current password lets the user change it itself', async (face) => {
    const res = ok(
      await update(face, w.alice.token, w.alice.id, setPassword(NEW_PASSWORD, { currentPassword: PASSWORD })),
    );
    expect(res).toEqual({ details: details(2, w.orgs.acme) });
    expect(await isPassword(w.alice.id, NEW_PASSWORD)).toBe(true);
    const events = await h.repository.events(w.alice.id);
    expect(events.map((e) => [e.type, e.payload, e.creator])).toEqual([
      ['user.created', expect.anything(), expect.anything()],
      ['password.changed', { changeRequired: false }, w.alice.id],
    ]);
  });

  it.each(FACES)('%s: a locked user → COMMAND-JLK35', async (face) => {
    const locked = await addHuman('locked', { passwordHash: w.passwordHash, state: 'locked' });
    const before = await snapshot(h, locked.id);
    expect(
      await update(face, w.orgOwner.token, locked.id, setPassword(NEW_PASSWORD, { currentPassword: PASSWORD })),
    ).toEqual(E.locked);
    expect(await snapshot(h, locked.id)).toEqual(before);
  });

  it.each(FACES)('%s: a user without password → COMMAND-3nJ4t', async (face) => {
    const none = await addHuman('nopass', { state: 'active' });
    const before = await snapshot(h, none.id);
    expect(await update(face, none.token, none.id, setPassword(NEW_PASSWORD, { currentPassword: PASSWORD }))).toEqual(
      E.notSet,
    );
    expect(await snapshot(h, none.id)).toEqual(before);
  });

  it.each(FACES)(
    '%s: a wrong password → COMMAND-3M0fs with failedAttempts, and the attempt is recorded',
    async (face) => {
      const row = await userRow(w.alice.id);
      expect(
        await update(
          face,
          w.alice.token,
          w.alice.id,
          setPassword(NEW_PASSWORD, { currentPassword: 'Wrong-Password1' }),
        ),
      ).toEqual(E.invalid(1));
      expect(
        await update(face, w.alice.token, w.alice.id, setPassword(NEW_PASSWORD, { currentPassword: 'password1!' })),
      ).toEqual(E.invalid(2));
      const after = await userRow(w.alice.id);
      expect(Number(after.failed_password_attempts)).toBe(2);
      expect(after.password_hash).toBe(row.password_hash);
      const events = await h.repository.events(w.alice.id);
      expect(events.map((e) => [e.sequence, e.type, e.payload, e.creator])).toEqual([
        [1, 'user.created', expect.anything(), expect.anything()],
        [2, 'password.check.failed', { failedAttempts: 1 }, w.alice.id],
        [3, 'password.check.failed', { failedAttempts: 2 }, w.alice.id],
      ]);
      expect(Number(after.sequence)).toBe(3);
      // a successful change resets the counter
      ok(await update(face, w.alice.token, w.alice.id, setPassword(NEW_PASSWORD, { currentPassword: PASSWORD })));
      expect(Number((await userRow(w.alice.id)).failed_password_attempts)).toBe(0);
    },
  );

  it('REST: the error body carries only the CredentialsCheckError with failedAttempts (upstream)', async () => {
    const res = await h.rest(
      'PUT',
      `/v2/users/human/${w.alice.id}`,
      { password: { password: { password: NEW_PASSWORD }, current_password: 'nope' } },
      w.alice.token,
    );
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 3, message: 'Password is invalid (COMMAND-3M0fs)' });
    expect(res.body.details).toEqual([
      { '@type': CREDENTIALS_CHECK_ERROR, id: 'COMMAND-3M0fs', message: 'Password is invalid', failedAttempts: 1 },
    ]);
  });

  it('GraphQL: the error carries extensions.failedAttempts', async () => {
    const res = await h.gql(
      UPDATE,
      { input: { userId: w.alice.id, ...setPassword(NEW_PASSWORD, { currentPassword: 'nope' }) } },
      w.alice.token,
    );
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({
      code: 'INVALID_ARGUMENT',
      id: 'COMMAND-3M0fs',
      failedAttempts: 1,
    });
  });
});

describe('no verification needs user.write, even for oneself (§4.5.2, §5)', () => {
  it.each(FACES)('%s: self without a role → AUTHZ-cdgFk; self with a read-only role → AUTH-AWfge', async (face) => {
    const before = await snapshot(h, w.alice.id);
    expect(await update(face, w.alice.token, w.alice.id, setPassword(NEW_PASSWORD))).toEqual(E.membership);
    expect(await snapshot(h, w.alice.id)).toEqual(before);
    expect(await update(face, w.orgViewer.token, w.orgViewer.id, setPassword(NEW_PASSWORD))).toEqual(E.denied);
    expect(
      await update(face, w.alice.token, w.alice.id, { password: { hashedPassword: { hash: await importable() } } }),
    ).toEqual(E.membership);
  });

  it.each(FACES)('%s: with user.write (org owner, IAM owner) it works without verification', async (face) => {
    ok(await update(face, w.orgOwner.token, w.alice.id, setPassword(NEW_PASSWORD)));
    expect(await isPassword(w.alice.id, NEW_PASSWORD)).toBe(true);
    ok(await update(face, w.iamOwner.token, w.iamOwner.id, setPassword(NEW_PASSWORD)));
    expect(await isPassword(w.iamOwner.id, NEW_PASSWORD)).toBe(true);
  });
});

// --- 3. same as current, 4. complexity ---------------------------------------------------------

describe('same as current (§4.5.3): only with currentPassword, against the supplied one', () => {
  it.each(FACES)(
    '%s: new = supplied current → COMMAND-Aesh5 (code 9), before verifying it (nothing counted)',
    async (face) => {
      const before = await snapshot(h, w.alice.id);
      expect(
        await update(face, w.alice.token, w.alice.id, setPassword(PASSWORD, { currentPassword: PASSWORD })),
      ).toEqual(E.same);
      // a wrong current password equal to the new one: sameness first, no failed check recorded
      expect(
        await update(face, w.alice.token, w.alice.id, setPassword('Wrong-pass1!', { currentPassword: 'Wrong-pass1!' })),
      ).toEqual(E.same);
      // before complexity, too
      await h.admin.setPolicy(w.orgs.acme, { minLength: 20 });
      expect(
        await update(face, w.alice.token, w.alice.id, setPassword(PASSWORD, { currentPassword: PASSWORD })),
      ).toEqual(E.same);
      expect(await snapshot(h, w.alice.id)).toEqual(before);
    },
  );

  it.each(FACES)('%s: user.write and a reset code may set the same password again', async (face) => {
    const before = (await h.repository.events(w.alice.id)).length;
    ok(await update(face, w.orgOwner.token, w.alice.id, setPassword(PASSWORD)));
    const code = await resetCode(w.alice.id);
    ok(await update(face, w.alice.token, w.alice.id, setPassword(PASSWORD, { verificationCode: code })));
    expect(await isPassword(w.alice.id, PASSWORD)).toBe(true);
    expect((await eventTypes(w.alice.id)).slice(before)).toEqual([
      'password.changed',
      'password.code.added',
      'password.changed',
    ]);
  });

  it.each(FACES)('%s: over 72 bytes sharing a 72-byte prefix with the current one → GATEWAY-PWD72', async (face) => {
    const p72 = `Aa1!${'x'.repeat(68)}`;
    ok(await update(face, w.orgOwner.token, w.alice.id, setPassword(p72)));
    const before = await snapshot(h, w.alice.id);
    expect(await update(face, w.alice.token, w.alice.id, setPassword(`${p72}y`, { currentPassword: p72 }))).toEqual(
      E.tooLong,
    );
    expect(await update(face, w.orgOwner.token, w.alice.id, setPassword(`${p72}y`))).toEqual(E.tooLong);
    expect(await snapshot(h, w.alice.id)).toEqual(before);
  });
});

describe('order (§2.8, §4.5): uniqueness at write time, user.write inside the password step', () => {
  it.each(FACES)(
    '%s: a taken username and a wrong current password → COMMAND-3M0fs, the check recorded',
    async (face) => {
      expect(
        await update(face, w.alice.token, w.alice.id, {
          username: 'BOB',
          ...setPassword(NEW_PASSWORD, { currentPassword: 'Wrong-1!' }),
        }),
      ).toEqual(E.invalid(1));
      expect((await eventTypes(w.alice.id)).at(-1)).toBe('password.check.failed');
    },
  );

  it.each(FACES)(
    '%s: initial user setting its password without verification → COMMAND-M9dse before user.write',
    async (face) => {
      const initial = await addHuman('initial-self', { state: 'initial' });
      expect(await update(face, initial.token, initial.id, setPassword(NEW_PASSWORD))).toEqual(E.notInitialized);
    },
  );
});

describe('order of the current-password checks (§4.5.2)', () => {
  it.each(FACES)('%s: locked is reported before a missing password', async (face) => {
    const lockedNoPassword = await addHuman('locked-nopass', { state: 'locked' });
    expect(
      await update(face, w.orgOwner.token, lockedNoPassword.id, setPassword(NEW_PASSWORD, { currentPassword: 'x' })),
    ).toEqual(E.locked);
  });

  it.each(FACES)(
    '%s: a hash can be imported with the current password as verification, by the user itself',
    async (face) => {
      const imported = await importable();
      const res = ok(
        await update(face, w.alice.token, w.alice.id, {
          password: { hashedPassword: { hash: imported }, currentPassword: PASSWORD },
        }),
      );
      expect(res).toEqual({ details: details(2, w.orgs.acme) });
      expect((await userRow(w.alice.id)).password_hash).toBe(imported);
    },
  );
});

describe('complexity (§4.5.4)', () => {
  const CASES: [string, string, string][] = [
    ['Aa1!', 'DOMAIN-HuJf6', 'Password is too short'],
    ['aaaa', 'DOMAIN-HuJf6', 'Password is too short'], // length is checked first
    ['Aa1!xyz', 'DOMAIN-HuJf6', 'Password is too short'],
    ['AAAA1111!', 'DOMAIN-co3Xw', 'Password must contain lower case'],
    ['12345678', 'DOMAIN-co3Xw', 'Password must contain lower case'],
    ['aaaa1111!', 'DOMAIN-VoaRj', 'Password must contain upper case'],
    ['aaaaaaaa', 'DOMAIN-VoaRj', 'Password must contain upper case'],
    ['aaaaAAAA!', 'DOMAIN-ZBv4H', 'Password must contain number'],
    ['aaaaAAAA', 'DOMAIN-ZBv4H', 'Password must contain number'],
    ['aaaaAAAA1', 'DOMAIN-ZDLwA', 'Password must contain symbol'],
  ];
  for (const face of FACES) {
    it.each(CASES)(`${face}: %s → %s`, async (password, id, message) => {
      const before = await snapshot(h, w.alice.id);
      expect(await update(face, w.orgOwner.token, w.alice.id, setPassword(password))).toEqual(
        fail(400, 3, message, id),
      );
      expect(await snapshot(h, w.alice.id)).toEqual(before);
    });
  }

  it.each(FACES)('%s: the minimum counts bytes: "Aé1!xy" (7 bytes) passes min 7, "Aa1!xy" does not', async (face) => {
    await h.admin.setPolicy(w.orgs.acme, { minLength: 7 });
    expect(await update(face, w.orgOwner.token, w.alice.id, setPassword('Aa1!xy'))).toEqual(
      fail(400, 3, 'Password is too short', 'DOMAIN-HuJf6'),
    );
    ok(await update(face, w.orgOwner.token, w.alice.id, setPassword('Aé1!xy')));
  });

  it.each(FACES)("%s: the organization's policy applies, other organizations keep the default", async (face) => {
    await h.admin.setPolicy(w.orgs.acme, {
      minLength: 4,
      hasLowercase: true,
      hasUppercase: false,
      hasNumber: false,
      hasSymbol: false,
    });
    ok(await update(face, w.orgOwner.token, w.alice.id, setPassword('abcd')));
    expect(await isPassword(w.alice.id, 'abcd')).toBe(true);
    expect(await update(face, w.orgOwner.token, w.bob.id, setPassword('ABCD'))).toEqual(
      fail(400, 3, 'Password must contain lower case', 'DOMAIN-co3Xw'),
    );
    // carol lives in "Other", which has no policy: the instance default applies
    expect(await update(face, w.otherOwner.token, w.carol.id, setPassword('abcd'))).toEqual(
      fail(400, 3, 'Password is too short', 'DOMAIN-HuJf6'),
    );
    await h.admin.setPolicy(w.orgs.acme, { minLength: 12, hasUppercase: true, hasNumber: true, hasSymbol: true });
    expect(await update(face, w.orgOwner.token, w.bob.id, setPassword('Password2!x'))).toEqual(
      fail(400, 3, 'Password is too short', 'DOMAIN-HuJf6'),
    );
    ok(await update(face, w.orgOwner.token, w.bob.id, setPassword('Password2!xy')));
  });

  it.each(FACES)('%s: more than 72 bytes → GATEWAY-PWD72; exactly 72 is accepted', async (face) => {
    const before = await snapshot(h, w.alice.id);
    expect(await update(face, w.orgOwner.token, w.alice.id, setPassword(`Aa1!${'x'.repeat(69)}`))).toEqual(E.tooLong);
    // 39 runes (under the 200 limit) but 74 bytes
    expect(await update(face, w.orgOwner.token, w.alice.id, setPassword(`Aa1!${'é'.repeat(35)}`))).toEqual(E.tooLong);
    expect(await snapshot(h, w.alice.id)).toEqual(before);
    const exactly72 = `Aa1!${'x'.repeat(68)}`;
    ok(await update(face, w.orgOwner.token, w.alice.id, setPassword(exactly72)));
    expect(await isPassword(w.alice.id, exactly72)).toBe(true);
  });
});

// --- content checks of the password object ----------------------------------------------------

describe('password content checks (§2.4)', () => {
  it.each(FACES)('%s: neither password nor hashedPassword → COMMAND-3klek4sbns', async (face) => {
    expect(await update(face, w.orgOwner.token, w.alice.id, { password: {} })).toEqual(E.empty);
    expect(await update(face, w.alice.token, w.alice.id, { password: { currentPassword: PASSWORD } })).toEqual(E.empty);
    expect(await update(face, w.alice.token, w.alice.id, { password: { verificationCode: 'ABC123' } })).toEqual(
      E.empty,
    );
    // before the user lookup
    expect(await update(face, w.orgOwner.token, 'no-such-user', { password: {} })).toEqual(E.empty);
    expect(Number((await userRow(w.alice.id)).sequence)).toBe(1);
  });

  const salt = 'abcdefghijklmnopqrstuv';
  const body = `${salt}0123456789ABCDEFGHIJKLMNOPQRSTU`; // 53 characters: salt + checksum
  const HASHES: [string, string, Outcome][] = [
    ['argon2id', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo', E.unsupported],
    ['md5-crypt', '$1$saltsalt$qjXMvbEw8oaL.CzflDugX/', E.unsupported],
    ['sha512-crypt', `$6$rounds=5000$salt$${body}`, E.unsupported],
    ['bcrypt $2x$', `$2x$10$${body}`, E.unsupported],
    ['cost 09', `$2b$09$${body}`, E.cost],
    ['cost 17', `$2b$17$${body}`, E.cost],
    ['cost 04', `$2a$04$${body}`, E.cost],
    ['no prefix', 'not-a-hash', E.malformed],
    ['truncated', `$2b$10$${body.slice(0, 40)}`, E.malformed],
    ['one digit cost', `$2b$9$${body}`, E.malformed],
  ];
  for (const face of FACES) {
    it.each(HASHES)(`${face}: hashedPassword %s → %j`, async (_name, hashed, expected) => {
      const before = await snapshot(h, w.alice.id);
      expect(
        await update(face, w.orgOwner.token, w.alice.id, { password: { hashedPassword: { hash: hashed } } }),
      ).toEqual(expected);
      expect(await snapshot(h, w.alice.id)).toEqual(before);
    });
  }

  it.each(FACES)('%s: a valid $2b$10$ hash is stored exactly as given, with changeRequired', async (face) => {
    const imported = await bcrypt10('Importiert-7');
    expect(imported).toMatch(/^\$2b\$10\$/);
    const res = ok(
      await update(face, w.orgOwner.token, w.alice.id, {
        password: { hashedPassword: { hash: imported, changeRequired: true } },
      }),
    );
    expect(res).toEqual({ details: details(2, w.orgs.acme) });
    expect((await userRow(w.alice.id)).password_hash).toBe(imported);
    expect(await passwordChangeRequired(w.alice.id)).toBe(true);
    const events = await h.repository.events(w.alice.id);
    expect(events[1]).toMatchObject({ type: 'password.changed', payload: { changeRequired: true } });
    // the imported password now verifies a current-password change
    ok(await update(face, w.alice.token, w.alice.id, setPassword(NEW_PASSWORD, { currentPassword: 'Importiert-7' })));
    expect(await passwordChangeRequired(w.alice.id)).toBe(false);
  });

  it.each(FACES)('%s: $2a$ and $2y$ at cost 16 are accepted too', async (face) => {
    const b = await bcrypt10('x');
    const body53 = b.slice(7);
    for (const imported of [`$2a$16$${body53}`, `$2y$16$${body53}`]) {
      ok(await update(face, w.orgOwner.token, w.alice.id, { password: { hashedPassword: { hash: imported } } }));
      expect((await userRow(w.alice.id)).password_hash).toBe(imported);
    }
  });
});

describe('what the write stores (§4.5.5)', () => {
  it.each(FACES)('%s: changeRequired is stored and shown as passwordChangeRequired', async (face) => {
    expect(await passwordChangeRequired(w.alice.id)).toBe(false);
    ok(await update(face, w.orgOwner.token, w.alice.id, setPassword(NEW_PASSWORD)));
    expect(await passwordChangeRequired(w.alice.id)).toBe(false);
    ok(
      await update(face, w.orgOwner.token, w.alice.id, {
        password: { password: { password: 'Zweites-Passwort8', changeRequired: true } },
      }),
    );
    expect(await passwordChangeRequired(w.alice.id)).toBe(true);
    expect(Number((await userRow(w.alice.id)).password_change_required)).toBe(1);
  });

  it.each(FACES)('%s: a new plain password is stored as a bcrypt hash, never in clear', async (face) => {
    ok(await update(face, w.orgOwner.token, w.alice.id, setPassword(NEW_PASSWORD)));
    const row = await userRow(w.alice.id);
    expect(row.password_hash).toMatch(/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/);
    expect(row.password_hash).not.toContain(NEW_PASSWORD);
  });

  it.each(FACES)('%s: the write clears a pending reset code', async (face) => {
    const code = await resetCode(w.alice.id);
    ok(await update(face, w.orgOwner.token, w.alice.id, setPassword(NEW_PASSWORD)));
    const codes = await h.db
      .selectFrom('verification_codes')
      .select('kind')
      .where('user_id', '=', w.alice.id)
      .execute();
    expect(codes).toEqual([]);
    expect(
      await update(face, w.alice.token, w.alice.id, setPassword('Drittes-Passwort7', { verificationCode: code })),
    ).toEqual(E.codeNotFound);
  });
});

// --- atomicity and secrecy (§2, design rule 4) -------------------------------------------------

describe('atomicity (§2.7, §2.8)', () => {
  it.each(FACES)('%s: valid username, profile and email with a failing password change nothing', async (face) => {
    const sections = {
      username: 'alice-renamed',
      profile: { givenName: 'Alicia', familyName: 'Renamed' },
      email: { email: 'renamed@acme.ch' },
      phone: { phone: '079 123 45 67' },
    };
    const failures: [Input, Outcome][] = [
      [setPassword('short'), fail(400, 3, 'Password is too short', 'DOMAIN-HuJf6')],
      [setPassword(PASSWORD, { currentPassword: PASSWORD }), E.same],
      [setPassword(NEW_PASSWORD, { verificationCode: 'ABC123' }), E.codeNotFound],
    ];
    const before = await snapshot(h, w.alice.id);
    for (const [password, expected] of failures) {
      expect(await update(face, w.orgOwner.token, w.alice.id, { ...sections, ...password })).toEqual(expected);
      expect(await snapshot(h, w.alice.id)).toEqual(before);
    }
    // the same sections with a good password all land in one write
    ok(await update(face, w.orgOwner.token, w.alice.id, { ...sections, ...setPassword(NEW_PASSWORD) }));
    expect(await eventTypes(w.alice.id)).toEqual([
      'user.created',
      'username.changed',
      'profile.changed',
      'email.changed',
      'email.code.added',
      'phone.changed',
      'phone.code.added',
      'password.changed',
    ]);
  });

  it.each(FACES)('%s: a wrong current password records only the failed check', async (face) => {
    const before = await snapshot(h, w.alice.id);
    expect(
      await update(face, w.alice.token, w.alice.id, {
        username: 'alice-renamed',
        profile: { givenName: 'Alicia', familyName: 'Renamed' },
        email: { email: 'renamed@acme.ch' },
        ...setPassword(NEW_PASSWORD, { currentPassword: 'Wrong-1!' }),
      }),
    ).toEqual(E.invalid(1));
    const after = await snapshot(h, w.alice.id);
    expect(after.events.slice(0, -1)).toEqual(before.events);
    expect(after.events.map((e) => e.type).slice(-1)).toEqual(['password.check.failed']);
    expect([after.user?.username, after.user?.given_name, after.user?.email]).toEqual([
      'alice',
      'alice',
      'alice@example.com',
    ]);
    expect(after.codes).toEqual([]);
    expect(after.outbox).toEqual([]);
  });
});

describe('secrets never leak into events or logs (design rule 4)', () => {
  it('passwords, hashes and codes appear in no event payload and no log line', async () => {
    const secrets = new Set<string>([PASSWORD, NEW_PASSWORD, 'Wrong-Password1', w.passwordHash]);
    const imported = await bcrypt10('Importiert-7');
    secrets.add(imported);
    secrets.add('Importiert-7');
    const codes: string[] = [];
    for (const face of FACES) {
      const email = ok(
        await update(face, w.orgOwner.token, w.alice.id, { email: { email: `${face}@acme.ch`, returnCode: true } }),
      );
      const phone = ok(
        await update(face, w.orgOwner.token, w.alice.id, {
          phone: { phone: `07912345${face === 'rest' ? 60 : 61}`, returnCode: true },
        }),
      );
      codes.push(email.emailCode as string, phone.phoneCode as string);
    }
    await update('rest', w.alice.token, w.alice.id, setPassword(NEW_PASSWORD, { currentPassword: 'Wrong-Password1' }));
    await update(
      'graphql',
      w.alice.token,
      w.alice.id,
      setPassword(NEW_PASSWORD, { currentPassword: 'Wrong-Password1' }),
    );
    const code = await resetCode(w.alice.id);
    codes.push(code);
    ok(await update('rest', w.alice.token, w.alice.id, setPassword(NEW_PASSWORD, { verificationCode: code })));
    const again = await resetCode(w.alice.id);
    codes.push(again);
    ok(
      await update('graphql', w.alice.token, w.alice.id, setPassword('Drittes-Passwort7', { verificationCode: again })),
    );
    secrets.add('Drittes-Passwort7');
    ok(await update('graphql', w.orgOwner.token, w.bob.id, { password: { hashedPassword: { hash: imported } } }));
    for (const id of [w.alice.id, w.bob.id]) {
      const hashNow = (await userRow(id)).password_hash;
      if (hashNow) secrets.add(hashNow);
    }
    // Codes made only of digits could match an id or a timestamp by chance; they are skipped.
    for (const c of codes) if (/[A-Z]/.test(c)) secrets.add(c);

    const payloads = (await h.db.selectFrom('user_events').select('payload').execute()).map((r) => r.payload);
    expect(payloads.length).toBeGreaterThan(10);
    const logs = h.logLines.join('\n');
    expect(h.logLines.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      for (const payload of payloads) expect(payload, 'event payload').not.toContain(secret);
      expect(logs.includes(secret), `log lines contain a secret of length ${secret.length}`).toBe(false);
    }
  });
});
