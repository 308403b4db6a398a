// Spec §4.5 (failed current-password checks): lockout policy, the slow-down of repeated
// failures, and one credential check per GraphQL request however many aliases it carries.
import { describe, expect, it } from 'vitest';
import { FACES, type Face, fail, freshWorldEach, ok, updater } from '../support/faces.js';
import { type Harness, PASSWORD, RESET, snapshot, type World } from '../support/harness.js';

let h: Harness;
let w: World;
freshWorldEach((fresh) => ({ h, w } = fresh));

// --- both faces -------------------------------------------------------------------------------

/** One updateHumanUser through one face (see test/support/faces.ts). */
const update = updater(() => h);

const NEW_PASSWORD = 'Neues-Passwort9';
const WRONG = 'Wrong-Password1';
const invalid = (failedAttempts: number) => fail(400, 3, 'Password is invalid', 'COMMAND-3M0fs', { failedAttempts });
/** A locked user's answer carries the CredentialsCheckError with the failures so far (upstream). */
const locked = (failedAttempts: number) => fail(400, 9, 'User is locked', 'COMMAND-JLK35', { failedAttempts });

const withCurrent = (currentPassword: string, password = NEW_PASSWORD) => ({
  password: { password: { password }, currentPassword },
});

async function userRow(id: string) {
  return h.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function setFailures(id: string, failures: number) {
  await h.db.updateTable('users').set({ failed_password_attempts: failures }).where('id', '=', id).execute();
}

describe('lockout policy (§4.5.2)', () => {
  it.each(FACES)('%s: with maxPasswordAttempts 3 the third failure locks the user', async (face) => {
    await h.admin.setPolicy(w.orgs.acme, { maxPasswordAttempts: 3 });
    expect(await update(face, w.alice.token, w.alice.id, withCurrent(WRONG))).toEqual(invalid(1));
    expect(await update(face, w.alice.token, w.alice.id, withCurrent(WRONG))).toEqual(invalid(2));
    expect((await userRow(w.alice.id)).state).toBe('active');
    expect(await update(face, w.alice.token, w.alice.id, withCurrent(WRONG))).toEqual(invalid(3));
    const row = await userRow(w.alice.id);
    expect([row.state, Number(row.failed_password_attempts), Number(row.sequence)]).toEqual(['locked', 3, 5]);
    const events = await h.repository.events(w.alice.id);
    expect(events.map((e) => [e.sequence, e.type, e.payload])).toEqual([
      [1, 'user.created', expect.anything()],
      [2, 'password.check.failed', { failedAttempts: 1 }],
      [3, 'password.check.failed', { failedAttempts: 2 }],
      [4, 'password.check.failed', { failedAttempts: 3 }],
      [5, 'user.locked', { failedAttempts: 3 }],
    ]);
    // Locked: even the right password is refused, and nothing more is counted.
    const before = await snapshot(h, w.alice.id);
    // (the user's own token stops working once locked; an administrator still gets the domain answer)
    expect((await update(face, w.alice.token, w.alice.id, { username: 'alice2' })).status).toBe(401);
    expect(await update(face, w.orgOwner.token, w.alice.id, withCurrent(PASSWORD))).toEqual(locked(3));
    expect(await update(face, w.orgOwner.token, w.alice.id, withCurrent(WRONG))).toEqual(locked(3));
    expect(await snapshot(h, w.alice.id)).toEqual(before);
    const user = await h.gql('query ($id: ID!) { user(userId: $id) { state } }', { id: w.alice.id }, w.orgOwner.token);
    expect(user.body.data?.user).toEqual({ state: 'USER_STATE_LOCKED' });
  });

  it.each(FACES)('%s: a success before the maximum resets the count', async (face) => {
    await h.admin.setPolicy(w.orgs.acme, { maxPasswordAttempts: 3 });
    expect(await update(face, w.alice.token, w.alice.id, withCurrent(WRONG))).toEqual(invalid(1));
    expect(await update(face, w.alice.token, w.alice.id, withCurrent(WRONG))).toEqual(invalid(2));
    ok(await update(face, w.alice.token, w.alice.id, withCurrent(PASSWORD)));
    expect(Number((await userRow(w.alice.id)).failed_password_attempts)).toBe(0);
    expect(await update(face, w.alice.token, w.alice.id, withCurrent(WRONG, 'Drittes-Passwort7'))).toEqual(invalid(1));
    expect((await userRow(w.alice.id)).state).toBe('active');
  });

  it.each(FACES)('%s: lockout is off by default and per organization', async (face) => {
    await h.admin.setPolicy(w.orgs.other, { maxPasswordAttempts: 1 });
    for (let i = 1; i <= 4; i++) {
      expect(await update(face, w.alice.token, w.alice.id, withCurrent(WRONG))).toEqual(invalid(i));
    }
    expect((await userRow(w.alice.id)).state).toBe('active');
    expect(await update(face, w.carol.token, w.carol.id, withCurrent(WRONG))).toEqual(invalid(1));
    expect((await userRow(w.carol.id)).state).toBe('locked');
  });

  it.each(FACES)('%s: a wrong verification code is not a password failure', async (face) => {
    await h.admin.setPolicy(w.orgs.acme, { maxPasswordAttempts: 1 });
    await h.gql(RESET, { input: { userId: w.alice.id, returnCode: true } }, w.orgOwner.token);
    const res = await update(face, w.alice.token, w.alice.id, {
      password: { password: { password: NEW_PASSWORD }, verificationCode: 'WRONG1' },
    });
    expect(res).toEqual(fail(400, 3, 'Code is invalid', 'CODE-woT0xc'));
    const row = await userRow(w.alice.id);
    expect([row.state, Number(row.failed_password_attempts)]).toEqual(['active', 0]);
  });
});

describe('slow-down of repeated failures (§4.5.2)', () => {
  it.each(FACES)('%s: from the 10th failure on, +1 s per 5 failures, after the check', async (face) => {
    for (let i = 1; i <= 15; i++) {
      expect(await update(face, w.alice.token, w.alice.id, withCurrent(WRONG))).toEqual(invalid(i));
      if (i === 9) expect(h.sleeps).toEqual([]);
    }
    // the delay after failure n is floor((n − 5) / 5) s: failures 10–14 wait 1 s, the 15th 2 s
    expect(h.sleeps).toEqual([1000, 1000, 1000, 1000, 1000, 2000]);
  });

  it.each(FACES)('%s: the delay is capped at 10 s and never applies to a correct password', async (face) => {
    // [failures recorded before this check, sleeps after it]
    const CASES: [number, number[]][] = [
      [5, []],
      [8, []],
      [9, [1000]],
      [13, [1000]],
      [14, [2000]],
      [53, [9000]],
      [54, [10000]],
      [1000, [10000]],
    ];
    for (const [failures, sleeps] of CASES) {
      await setFailures(w.alice.id, failures);
      h.sleeps.length = 0;
      expect(await update(face, w.alice.token, w.alice.id, withCurrent(WRONG))).toEqual(invalid(failures + 1));
      expect(h.sleeps, `after ${failures} failures`).toEqual(sleeps);
    }
    await setFailures(w.alice.id, 20);
    h.sleeps.length = 0;
    ok(await update(face, w.alice.token, w.alice.id, withCurrent(PASSWORD)));
    expect(h.sleeps).toEqual([]);
    expect(Number((await userRow(w.alice.id)).failed_password_attempts)).toBe(0);
  });

  it.each(FACES)('%s: a locked user is refused without delay', async (face) => {
    await h.db
      .updateTable('users')
      .set({ state: 'locked', failed_password_attempts: 40 })
      .where('id', '=', w.alice.id)
      .execute();
    expect(await update(face, w.orgOwner.token, w.alice.id, withCurrent(WRONG))).toEqual(locked(40));
    expect(h.sleeps).toEqual([]);
  });
});

describe('one credential check per GraphQL request (aliases)', () => {
  const TWO = `mutation Two($a: UpdateHumanUserInput!, $b: UpdateHumanUserInput!) {
    first: updateHumanUser(input: $a) { details { sequence } }
    second: updateHumanUser(input: $b) { details { sequence } }
  }`;
  const EXHAUSTED = {
    path: ['second'],
    message: 'Only one password or code check is allowed per request',
    code: 'RESOURCE_EXHAUSTED',
    id: 'GATEWAY-PWD429',
    failedAttempts: undefined,
  };

  function errorsOf(res: Awaited<ReturnType<Harness['gql']>>) {
    return (res.body.errors ?? []).map((e) => ({
      path: e.path,
      message: e.message,
      code: e.extensions?.code,
      id: e.extensions?.id,
      failedAttempts: e.extensions?.failedAttempts,
    }));
  }

  it('after a successful check the second alias → GATEWAY-PWD429 and changes nothing', async () => {
    const res = await h.gql(
      TWO,
      {
        a: { userId: w.alice.id, ...withCurrent(PASSWORD) },
        b: { userId: w.alice.id, ...withCurrent(NEW_PASSWORD, 'Drittes-Passwort7') },
      },
      w.alice.token,
    );
    expect(errorsOf(res)).toEqual([EXHAUSTED]);
    const row = await userRow(w.alice.id);
    expect(await h.hasher.verify(NEW_PASSWORD, row.password_hash as string)).toBe(true);
    expect(Number(row.failed_password_attempts)).toBe(0);
    expect((await h.repository.events(w.alice.id)).map((e) => e.type)).toEqual(['user.created', 'password.changed']);
  });

  it('a wrong guess in the second alias is neither checked nor counted', async () => {
    const res = await h.gql(
      TWO,
      {
        a: { userId: w.alice.id, ...withCurrent(PASSWORD) },
        b: { userId: w.alice.id, ...withCurrent(WRONG, 'Drittes-Passwort7') },
      },
      w.alice.token,
    );
    expect(errorsOf(res)).toEqual([EXHAUSTED]);
    expect(Number((await userRow(w.alice.id)).failed_password_attempts)).toBe(0);
  });

  it('the budget is per request, not per user: another user in the second alias is refused too', async () => {
    const res = await h.gql(
      TWO,
      { a: { userId: w.bob.id, ...withCurrent(PASSWORD) }, b: { userId: w.alice.id, ...withCurrent(WRONG) } },
      w.orgOwner.token,
    );
    expect(errorsOf(res)).toEqual([EXHAUSTED]);
    expect(Number((await userRow(w.alice.id)).failed_password_attempts)).toBe(0);
  });

  it('code checks share the budget with password checks', async () => {
    const reset = await h.gql(RESET, { input: { userId: w.alice.id, returnCode: true } }, w.orgOwner.token);
    const code = (reset.body.data?.passwordReset as { verificationCode?: string } | undefined)?.verificationCode;
    expect(code).toMatch(/^[A-Z0-9]{6}$/);
    const res = await h.gql(
      TWO,
      {
        a: { userId: w.alice.id, password: { password: { password: NEW_PASSWORD }, verificationCode: code } },
        b: {
          userId: w.alice.id,
          password: { password: { password: 'Drittes-Passwort7' }, verificationCode: 'GUESS1' },
        },
      },
      w.alice.token,
    );
    expect(errorsOf(res)).toEqual([EXHAUSTED]);
    const row = await userRow(w.alice.id);
    expect(await h.hasher.verify(NEW_PASSWORD, row.password_hash as string)).toBe(true);
  });

  it('two wrong passwords in one request: failedAttempts grows by 1', async () => {
    // The payload is non-null, so the first alias's error ends the serial execution of the
    // mutation; either way the second check must not happen.
    const input = { userId: w.alice.id, ...withCurrent(WRONG) };
    const res = await h.gql(TWO, { a: input, b: { ...input, ...withCurrent('Another-Wrong2') } }, w.alice.token);
    const errors = errorsOf(res);
    expect(errors[0]).toEqual({
      path: ['first'],
      message: 'Password is invalid',
      code: 'INVALID_ARGUMENT',
      id: 'COMMAND-3M0fs',
      failedAttempts: 1,
    });
    expect(errors.slice(1).every((e) => e.id === 'GATEWAY-PWD429')).toBe(true);
    expect(Number((await userRow(w.alice.id)).failed_password_attempts)).toBe(1);
    expect((await h.repository.events(w.alice.id)).map((e) => e.type)).toEqual([
      'user.created',
      'password.check.failed',
    ]);
  });

  it('with a lockout of 2, one request with two wrong passwords cannot reach the lock', async () => {
    await h.admin.setPolicy(w.orgs.acme, { maxPasswordAttempts: 2 });
    const input = { userId: w.alice.id, ...withCurrent(WRONG) };
    const res = await h.gql(TWO, { a: input, b: input }, w.alice.token);
    expect(errorsOf(res)[0]?.id).toBe('COMMAND-3M0fs');
    const row = await userRow(w.alice.id);
    expect([row.state, Number(row.failed_password_attempts)]).toEqual(['active', 1]);
  });

  it('aliases without a credential check are not limited', async () => {
    const res = await h.gql(
      TWO,
      {
        a: { userId: w.alice.id, profile: { givenName: 'A', familyName: 'B' } },
        b: { userId: w.bob.id, ...withCurrent(PASSWORD) },
      },
      w.orgOwner.token,
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({ first: { details: { sequence: '2' } }, second: { details: { sequence: '2' } } });
  });
});

describe('concurrent checks', () => {
  it('concurrent wrong passwords are each counted once, and the user is locked once', async () => {
    await h.admin.setPolicy(w.orgs.acme, { maxPasswordAttempts: 3 });
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        update(i % 2 ? 'rest' : 'graphql', w.orgOwner.token, w.alice.id, withCurrent(WRONG)),
      ),
    );
    const ids = results.map((r) => ('error' in r ? r.error.id : 'ok'));
    expect(ids.every((id) => id === 'COMMAND-3M0fs' || id === 'COMMAND-JLK35')).toBe(true);
    // a locked answer repeats the count at the lock (3); the recorded failures are the 3M0fs ones
    const locked = results.filter((r) => 'error' in r && r.error.id === 'COMMAND-JLK35');
    expect(locked.map((r) => ('error' in r ? r.error.failedAttempts : undefined))).toEqual(locked.map(() => 3));
    const counted = results
      .map((r) => ('error' in r && r.error.id === 'COMMAND-3M0fs' ? r.error.failedAttempts : undefined))
      .filter((n): n is number => n !== undefined)
      .sort((a, b) => a - b);
    // every recorded failure got its own number
    expect(counted).toEqual(counted.map((_, i) => i + 1));
    const row = await userRow(w.alice.id);
    expect(row.state).toBe('locked');
    expect(Number(row.failed_password_attempts)).toBe(counted.length);
    const types = (await h.repository.events(w.alice.id)).map((e) => e.type);
    expect(types.filter((t) => t === 'user.locked')).toHaveLength(1);
    expect(types.filter((t) => t === 'password.check.failed')).toHaveLength(counted.length);
    // the event log has no gaps
    const sequences = (await h.repository.events(w.alice.id)).map((e) => e.sequence);
    expect(sequences).toEqual(sequences.map((_, i) => i + 1));
    expect(Number(row.sequence)).toBe(sequences.length);
  });

  it('a reset code used by two concurrent requests works only once', async () => {
    const reset = await h.gql(RESET, { input: { userId: w.alice.id, returnCode: true } }, w.orgOwner.token);
    const code = (reset.body.data?.passwordReset as { verificationCode?: string } | undefined)?.verificationCode;
    expect(code).toMatch(/^[A-Z0-9]{6}$/);
    const attempt = (face: Face, password: string) =>
      update(face, w.alice.token, w.alice.id, {
        password: { password: { password }, verificationCode: code },
      });
    const results = await Promise.all([attempt('graphql', NEW_PASSWORD), attempt('rest', 'Drittes-Passwort7')]);
    const successes = results.filter((r) => 'ok' in r);
    expect(successes).toHaveLength(1);
    const failure = results.find((r) => 'error' in r);
    expect(failure).toEqual(fail(400, 9, 'Code not found', 'COMMAND-2M9fs'));
    expect((await h.repository.events(w.alice.id)).map((e) => e.type)).toEqual([
      'user.created',
      'password.code.added',
      'password.changed',
    ]);
  });
});
