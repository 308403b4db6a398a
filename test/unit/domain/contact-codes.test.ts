// VerifyEmail / VerifyPhone and ResendEmailCode / ResendPhoneCode (issue 15) as tables over the
// in-memory store: the exact change sets, the budget taken once per request, and who may ask.
import { describe, expect, it } from 'vitest';
import type { Viewer } from '../../../src/domain/auth/permissions.js';
import { DomainError } from '../../../src/domain/errors.js';
import type { ContactKind } from '../../../src/domain/users/contact-codes.js';
import type { User } from '../../../src/domain/users/model.js';
import { UserService } from '../../../src/domain/users/user-service.js';
import { FakeStore, fakeHasher, human, NOW, ORG, OTHER_ORG, pushed } from './fake-store.js';

const SELF: Viewer = { userId: 'u1', orgId: ORG, grants: [] };
const ADMIN: Viewer = { userId: 'a1', orgId: ORG, grants: [{ role: 'ORG_USER_MANAGER', orgId: ORG }] };
const VIEWER: Viewer = { userId: 'v1', orgId: ORG, grants: [{ role: 'ORG_OWNER_VIEWER', orgId: ORG }] };
const STRANGER: Viewer = { userId: 'x1', orgId: OTHER_ORG, grants: [{ role: 'ORG_OWNER', orgId: OTHER_ORG }] };
const KINDS: ContactKind[] = ['email', 'phone'];
const PHONE = { phone: '+41791234567', isVerified: false };

function setup(user: Partial<User> = {}) {
  const store = new FakeStore(human({ phone: PHONE, ...user }));
  const checks: string[] = [];
  const service = new UserService({ repository: store, hasher: fakeHasher, clock: { now: () => NOW } });
  const budget = { consumeCredentialCheck: (userId?: string) => void checks.push(userId ?? '?') };
  return { store, service, budget, checks };
}

async function attempt<T>(fn: () => Promise<T>): Promise<{ result?: T; error?: DomainError }> {
  try {
    return { result: await fn() };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { error };
  }
}

describe.each(KINDS)('verify %s', (kind) => {
  it('the pending code: `<kind>.verified`, the column, the code consumed; one budget check', async () => {
    const { store, service, budget, checks } = setup();
    const code = store.pending('u1', kind);
    const { result } = await attempt(() =>
      service.verifyCode(SELF, kind, { userId: 'u1', verificationCode: code }, budget),
    );
    expect(result).toEqual({ details: { sequence: 4, changeDate: NOW.toISOString(), resourceOwner: ORG } });
    expect(pushed(store.pushes[0] as never)).toEqual({
      events: [{ type: `${kind}.verified`, payload: {} }],
      columns: kind === 'email' ? { email_verified: 1 } : { phone_verified: 1 },
      setCodes: [],
      deleteCodes: [kind],
      consumeCode: kind,
      outbox: [],
    });
    expect(checks).toEqual(['u1']);
  });

  it.each([
    ['a wrong code', 'ZZZ999', '2026-11-23T10:30:00.000Z'],
    ['an expired code', 'ABC123', NOW.toISOString()],
  ])('%s → COMMAND-eis9R and only a `<kind>.verification.failed` event', async (_name, sent, expiresAt) => {
    const { store, service, budget } = setup();
    store.pending('u1', kind, 'ABC123', expiresAt);
    const { error } = await attempt(() =>
      service.verifyCode(SELF, kind, { userId: 'u1', verificationCode: sent }, budget),
    );
    expect(error?.id).toBe('COMMAND-eis9R');
    expect(store.pushes.map((p) => pushed(p).events)).toEqual([[{ type: `${kind}.verification.failed`, payload: {} }]]);
    expect(store.codes.has(`u1/${kind}`)).toBe(true);
  });

  it('no pending code → COMMAND-eis9R', async () => {
    const { service, budget } = setup();
    const { error } = await attempt(() =>
      service.verifyCode(SELF, kind, { userId: 'u1', verificationCode: 'ABC123' }, budget),
    );
    expect(error?.id).toBe('COMMAND-eis9R');
  });

  it('a lost race re-reads: the code used meanwhile fails, the budget is taken once', async () => {
    const { store, service, budget, checks } = setup();
    const code = store.pending('u1', kind);
    store.conflicts = 1;
    const { result } = await attempt(() =>
      service.verifyCode(SELF, kind, { userId: 'u1', verificationCode: code }, budget),
    );
    expect(result?.details.sequence).toBe(4);
    expect(checks).toEqual(['u1']);
  });

  it.each([
    ['a viewer', VIEWER, 'AUTH-AWfge'],
    ['another organization', STRANGER, 'AUTHZ-cdgFk'],
  ])('%s → %s, no budget taken, nothing written', async (_name, viewer, id) => {
    const { store, service, budget, checks } = setup();
    const code = store.pending('u1', kind);
    const { error } = await attempt(() =>
      service.verifyCode(viewer, kind, { userId: 'u1', verificationCode: code }, budget),
    );
    expect(error?.id).toBe(id);
    expect(checks).toEqual([]);
    expect(store.pushes).toEqual([]);
  });

  it.each([
    ['a machine user', { kind: 'machine' } as Partial<User>, 'COMMAND-ieJ2e'],
    ['a deleted user', { state: 'deleted' } as Partial<User>, 'COMMAND-ieJ2e'],
    ['an initial user', { state: 'initial' } as Partial<User>, 'COMMAND-uz0Uu'],
  ])('%s → %s', async (_name, user, id) => {
    const { store, service, budget } = setup(user);
    const code = store.pending('u1', kind);
    const { error } = await attempt(() =>
      service.verifyCode(ADMIN, kind, { userId: 'u1', verificationCode: code }, budget),
    );
    expect(error?.id).toBe(id);
  });
});

describe.each(KINDS)('resend %s', (kind) => {
  it("sendCode (self): a new code replaces the pending one and is queued in the user's language", async () => {
    const { store, service } = setup({ profile: { ...human().profile, preferredLanguage: 'de' } });
    store.pending('u1', kind);
    const { result } = await attempt(() =>
      service.resendCode(SELF, kind, { userId: 'u1', delivery: { kind: 'sendCode' } }),
    );
    expect(result).toEqual({ details: { sequence: 4, changeDate: NOW.toISOString(), resourceOwner: ORG } });
    expect(pushed(store.pushes[0] as never)).toEqual({
      events: [
        {
          type: `${kind}.code.added`,
          payload: kind === 'email' ? { returnCode: false, urlTemplate: null } : { returnCode: false },
        },
      ],
      columns: {},
      setCodes: [{ kind, urlTemplate: null, expiresAt: '2026-11-23T11:00:00.000Z' }],
      deleteCodes: [],
      consumeCode: undefined,
      outbox: [
        kind === 'email'
          ? {
              kind: 'email_verification',
              channel: 'email',
              recipient: 'ada@acme.ch',
              language: 'de',
              payload: { code: '<email code>' },
            }
          : {
              kind: 'phone_verification',
              channel: 'sms',
              recipient: PHONE.phone,
              language: 'de',
              payload: { code: '<phone code>' },
            },
      ],
    });
  });

  it('returnCode (user.write): the code comes back and matches the stored one; nothing queued', async () => {
    const { store, service } = setup();
    store.pending('u1', kind);
    const { result } = await attempt(() =>
      service.resendCode(ADMIN, kind, { userId: 'u1', delivery: { kind: 'returnCode' } }),
    );
    expect(pushed(store.pushes[0] as never, { [kind]: result?.verificationCode })).toMatchObject({
      setCodes: [{ kind, matches: true }],
      outbox: [],
    });
  });

  it.each([
    ['returnCode by the user itself', SELF, 'returnCode', 'AUTHZ-cdgFk'],
    ['a viewer', VIEWER, 'sendCode', 'AUTH-AWfge'],
    ['another organization', STRANGER, 'sendCode', 'AUTHZ-cdgFk'],
  ] as const)('%s → %s, nothing written', async (_name, viewer, delivery, id) => {
    const { store, service } = setup();
    store.pending('u1', kind);
    const { error } = await attempt(() =>
      service.resendCode(viewer, kind, { userId: 'u1', delivery: { kind: delivery } }),
    );
    expect(error?.id).toBe(id);
    expect(store.pushes).toEqual([]);
  });

  it('no pending code → Code is empty (upstream id per channel)', async () => {
    const { store, service } = setup();
    const { error } = await attempt(() =>
      service.resendCode(ADMIN, kind, { userId: 'u1', delivery: { kind: 'returnCode' } }),
    );
    expect(error?.id).toBe(kind === 'email' ? 'EMAIL-5w5ilin4yt' : 'PHONE-5xrra88eq8');
    expect(store.pushes).toEqual([]);
  });
});
