// Upstream mode's user operations against a stand-in: the embedded gateway, which speaks
// upstream's zitadel.user.v2.UserService over gRPC. Successes are read back from the stand-in's
// store; every error family is compared with what the stand-in's own REST face answers for the
// same case, so upstream mode answers exactly as the embedded domain does.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Errors } from '../../src/domain/errors.js';
import type { UpstreamCallRecord, UpstreamClient } from '../../src/upstream/client.js';
import { UpstreamUserOperations } from '../../src/upstream/operations.js';
import { type Failure, restFailure, updateThrough } from '../support/faces.js';
import { PASSWORD } from '../support/harness.js';
import { failureOf, recordingClient, type StandIn, settingsFor, startStandIn } from '../upstream/stand-in.js';

let s: StandIn;
let client: UpstreamClient;
let calls: UpstreamCallRecord[];

beforeAll(async () => {
  s = await startStandIn();
  ({ client, calls } = recordingClient(settingsFor(s.url)));
});

afterAll(async () => {
  client.close();
  await s.close();
});

afterEach(() => {
  calls.length = 0;
});

const ops = (token: string | null) =>
  new UpstreamUserOperations(client, { authorization: token === null ? null : `Bearer ${token}` });

/** The stand-in's REST answer for updateHumanUser, normalized. */
async function restUpdateFailure(token: string | null, userId: string, input: Record<string, unknown>) {
  const outcome = await updateThrough(s.h, 'rest', token, userId, input);
  if (!('error' in outcome)) throw new Error(`expected a failure, got ${JSON.stringify(outcome)}`);
  return outcome.error;
}

async function restGetFailure(token: string, userId: string): Promise<Failure> {
  const res = await s.h.rest('GET', `/v2/users/${encodeURIComponent(userId)}`, undefined, token);
  return restFailure(res.status, res.body);
}

describe('successes, read back', () => {
  it('updateHumanUser changes the profile and email upstream and answers its details and code', async () => {
    const { w } = s;
    const result = await ops(w.orgOwner.token).updateHumanUser({
      userId: w.alice.id,
      profile: { givenName: 'Alicia', familyName: 'Test', nickName: 'Ali', gender: 1 },
      email: { email: 'alicia@example.com', verification: { kind: 'returnCode' } },
    });
    const stored = await s.h.repository.readUser(w.alice.id);
    expect(result).toEqual({
      details: { sequence: stored?.sequence, changeDate: stored?.changeDate, resourceOwner: w.orgs.acme },
      emailCode: expect.stringMatching(/^[A-Z0-9]{6}$/),
    });
    expect(stored?.profile).toMatchObject({ givenName: 'Alicia', nickName: 'Ali', gender: 1 });
    expect(stored?.email).toEqual({ email: 'alicia@example.com', isVerified: false });

    const read = await ops(w.orgOwner.token).getUserById(w.alice.id);
    expect(read).toEqual({ ...stored, passwordHash: null, failedPasswordAttempts: 0 });
  });

  it('passwordReset returns a code that then sets a new password upstream', async () => {
    const { w } = s;
    const reset = await ops(w.orgOwner.token).passwordReset({ userId: w.bob.id, delivery: { kind: 'returnCode' } });
    expect(reset.verificationCode).toMatch(/^[A-Z0-9]{6}$/);
    const before = await s.h.repository.findUser(w.bob.id);
    const update = await ops(w.bob.token).updateHumanUser({
      userId: w.bob.id,
      password: { password: { password: 'N3w-Password!' }, verificationCode: reset.verificationCode as string },
    });
    expect(update.details.sequence).toBe((before?.sequence ?? 0) + 1);
    const after = await s.h.repository.findUser(w.bob.id);
    expect(after?.passwordHash && (await s.h.hasher.verify('N3w-Password!', after.passwordHash))).toBe(true);
  });
});

describe('errors map to what the embedded domain answers', () => {
  it('NOT_FOUND: unknown user', async () => {
    const { w } = s;
    const input = { profile: { givenName: 'X', familyName: 'Y' } };
    const upstream = await failureOf(ops(w.iamOwner.token).updateHumanUser({ userId: 'no-such-user', ...input }));
    expect(upstream).toEqual({ status: 404, code: 5, message: 'User could not be found', id: 'COMMAND-ugjs0upun6' });
    expect(upstream).toEqual(await restUpdateFailure(w.iamOwner.token, 'no-such-user', input));
  });

  it('PERMISSION_DENIED: a viewer may not write', async () => {
    const { w } = s;
    const input = { profile: { givenName: 'X', familyName: 'Y' } };
    const upstream = await failureOf(ops(w.orgViewer.token).updateHumanUser({ userId: w.bob.id, ...input }));
    expect(upstream).toMatchObject({ status: 403, code: 7, id: 'AUTH-AWfge' });
    expect(upstream).toEqual(await restUpdateFailure(w.orgViewer.token, w.bob.id, input));
  });

  it('NOT_FOUND: a user of another organization is invisible (membership not found)', async () => {
    const { w } = s;
    const input = { username: 'taken-over' };
    const upstream = await failureOf(ops(w.otherOwner.token).updateHumanUser({ userId: w.bob.id, ...input }));
    expect(upstream).toMatchObject({ status: 404, code: 5, id: 'AUTHZ-cdgFk' });
    expect(upstream).toEqual(await restUpdateFailure(w.otherOwner.token, w.bob.id, input));
  });

  it('INVALID_ARGUMENT with failedAttempts: a wrong current password', async () => {
    const { w } = s;
    const password = (userId: string) => ({
      userId,
      password: { password: { password: 'An0ther-One!' }, currentPassword: `${PASSWORD}x` },
    });
    const upstream = await failureOf(ops(w.iamOwner.token).updateHumanUser(password(w.iamOwner.id)));
    expect(upstream).toEqual({
      status: 400,
      code: 3,
      message: 'Password is invalid',
      id: 'COMMAND-3M0fs',
      failedAttempts: 1,
    });
    const { userId: _, ...input } = password(w.orgOwner.id);
    expect(upstream).toEqual(await restUpdateFailure(w.orgOwner.token, w.orgOwner.id, input));
  });

  it('INVALID_ARGUMENT without a detail: a shape error keeps code and message', async () => {
    const { w } = s;
    const upstream = await failureOf(ops(w.iamOwner.token).updateHumanUser({ userId: w.bob.id, username: '' }));
    expect(upstream).toEqual({
      status: 400,
      code: 3,
      message: 'invalid UpdateHumanUserRequest.Username: value length must be between 1 and 200 runes, inclusive',
    });
    expect(upstream).toEqual(await restUpdateFailure(w.iamOwner.token, w.bob.id, { username: '' }));
  });

  it('UNAUTHENTICATED: an unknown token is upstream’s to refuse', async () => {
    const { w } = s;
    const input = { username: 'whoever' };
    const upstream = await failureOf(ops('not-a-token').updateHumanUser({ userId: w.bob.id, ...input }));
    expect(upstream).toMatchObject({ status: 401, code: 16, id: 'AUTH-7fs1e' });
    expect(upstream).toEqual(await restUpdateFailure('not-a-token', w.bob.id, input));
  });

  it('authenticate() answers the local 401s for a missing or malformed header without calling upstream', async () => {
    await expect(ops(null).authenticate()).rejects.toEqual(Errors.authHeaderMissing());
    const basic = new UpstreamUserOperations(client, { authorization: 'Basic YWxpY2U6cHc=' });
    expect(await failureOf(basic.authenticate())).toEqual({
      status: 401,
      code: 16,
      message: 'invalid auth header',
      id: 'AUTH-toLo1',
    });
    await expect(ops('anything').authenticate()).resolves.toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('GetUserByID errors as the stand-in answers them; getUser turns the invisible into null', async () => {
    const { w } = s;
    for (const [token, userId] of [
      [w.iamOwner.token, 'no-such-user'],
      [w.otherOwner.token, w.bob.id],
      [w.orgOwner.token, w.machine.id],
    ] as const) {
      expect(await failureOf(ops(token).getUserById(userId))).toEqual(await restGetFailure(token, userId));
      expect(await ops(token).getUser(userId)).toBeNull();
    }
  });
});

describe('reads within one request', () => {
  it('the same user twice costs one upstream call; another user one more', async () => {
    const { w } = s;
    const request = ops(w.orgOwner.token);
    const [a, b, c] = await Promise.all([
      request.getUser(w.alice.id),
      request.getUserById(w.alice.id),
      request.getUser(w.bob.id),
    ]);
    expect(a?.id).toBe(w.alice.id);
    expect(b).toBe(a);
    expect(c?.id).toBe(w.bob.id);
    expect(await request.getUser(w.alice.id)).toBe(a);
    expect(calls.map((call) => call.method)).toEqual(['GetUserByID', 'GetUserByID']);
  });

  it('a write in the request makes the next read of that user fetch again', async () => {
    const { w } = s;
    const request = ops(w.orgOwner.token);
    const before = await request.getUser(w.orgViewer.id);
    await request.updateHumanUser({ userId: w.orgViewer.id, profile: { givenName: 'Vera', familyName: 'Viewer' } });
    const after = await request.getUser(w.orgViewer.id);
    expect(before?.profile.givenName).toBe('org-viewer');
    expect(after?.profile.givenName).toBe('Vera');
    expect(after?.sequence).toBe((before?.sequence ?? 0) + 1);
    expect(calls.map((call) => call.method)).toEqual(['GetUserByID', 'UpdateHumanUser', 'GetUserByID']);
  });
});
