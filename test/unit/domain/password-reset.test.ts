// PasswordReset (spec §4.6) as a table over the in-memory store: the code, its event, the outbox
// row, and who may ask.
import { describe, expect, it } from 'vitest';
import type { Viewer } from '../../../src/domain/auth/permissions.js';
import { DomainError } from '../../../src/domain/errors.js';
import type { User } from '../../../src/domain/users/model.js';
import { type PasswordResetCommand, UserService } from '../../../src/domain/users/user-service.js';
import { FakeStore, fakeHasher, human, NOW, ORG, OTHER_ORG, pushed } from './fake-store.js';

const SELF: Viewer = { userId: 'u1', orgId: ORG, grants: [] };
const ADMIN: Viewer = { userId: 'a1', orgId: ORG, grants: [{ role: 'ORG_USER_MANAGER', orgId: ORG }] };
const STRANGER: Viewer = { userId: 'x1', orgId: OTHER_ORG, grants: [] };
const EXPIRY = '2026-11-23T11:00:00.000Z';

async function reset(
  delivery: PasswordResetCommand['delivery'],
  viewer: Viewer,
  user: Partial<User> = {},
  userId = 'u1',
) {
  const store = new FakeStore(human(user));
  const service = new UserService({ repository: store, hasher: fakeHasher, clock: { now: () => NOW } });
  try {
    return { store, result: await service.passwordReset(viewer, { userId, delivery }) };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { store, error };
  }
}

describe('PasswordReset', () => {
  it('an unknown user → COMMAND-SAF4f; an initial-state user → COMMAND-Sfe4g, before the permission', async () => {
    expect((await reset({ kind: 'returnCode' }, ADMIN, {}, 'nobody')).error?.id).toBe('COMMAND-SAF4f');
    const initial = await reset({ kind: 'sendLink' }, STRANGER, { state: 'initial' });
    expect(initial.error?.id).toBe('COMMAND-Sfe4g');
    expect(initial.store.pushes).toEqual([]);
  });

  it('sendLink (self): a code, its event and a mail with the rendered link in the user language', async () => {
    const { store, result, error } = await reset(
      { kind: 'sendLink', urlTemplate: 'https://x/{{.UserID}}?c={{.Code}}' },
      SELF,
      { profile: { ...human().profile, preferredLanguage: 'de' } },
    );
    expect(error).toBeUndefined();
    expect(result).toEqual({ details: { sequence: 4, changeDate: NOW.toISOString(), resourceOwner: ORG } });
    expect(pushed(store.pushes[0] as never)).toEqual({
      events: [
        {
          type: 'password.code.added',
          payload: { returnCode: false, urlTemplate: 'https://x/{{.UserID}}?c={{.Code}}' },
        },
      ],
      columns: {},
      setCodes: [{ kind: 'password_reset', urlTemplate: 'https://x/{{.UserID}}?c={{.Code}}', expiresAt: EXPIRY }],
      deleteCodes: [],
      consumeCode: undefined,
      outbox: [
        {
          kind: 'password_reset',
          channel: 'email',
          recipient: 'ada@acme.ch',
          language: 'de',
          payload: { code: '<password_reset code>', url: 'https://x/u1?c=<code>' },
        },
      ],
    });
  });

  it('returnCode (user.write): the code comes back, nothing is mailed', async () => {
    const { store, result } = await reset({ kind: 'returnCode' }, ADMIN);
    expect(result?.verificationCode).toMatch(/^[A-Z0-9]{6}$/);
    expect(pushed(store.pushes[0] as never, { password_reset: result?.verificationCode })).toMatchObject({
      events: [{ type: 'password.code.added', payload: { returnCode: true, urlTemplate: null } }],
      setCodes: [{ kind: 'password_reset', urlTemplate: null, expiresAt: EXPIRY, matches: true }],
      outbox: [],
    });
  });

  it.each([
    ['returnCode by the user itself', { kind: 'returnCode' } as const, SELF, 'AUTHZ-cdgFk'],
    ['a caller without a role there', { kind: 'sendLink' } as const, STRANGER, 'AUTHZ-cdgFk'],
    ['an invalid template', { kind: 'sendLink', urlTemplate: '{{.UserID' } as const, ADMIN, 'DOMAIN-oGh5e'],
  ])('%s → %s… nothing written', async (_name, delivery, viewer, id) => {
    const { store, error } = await reset(delivery, viewer);
    expect(error?.id).toBe(id);
    expect(store.pushes).toEqual([]);
  });
});
