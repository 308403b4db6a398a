// UpdateUser's rules as a table over the in-memory store: per case, the exact change set one
// request writes (or the error it answers and that nothing was written). Only where UpdateUser
// differs from UpdateHumanUser (whose table covers the shared sections): optional profile fields,
// phone removal, the branch kinds, the answer without `details`.
import { describe, expect, it } from 'vitest';
import type { Viewer } from '../../../src/domain/auth/permissions.js';
import { DomainError } from '../../../src/domain/errors.js';
import type { User } from '../../../src/domain/users/model.js';
import { type UpdateUserCommand, type UpdateUserResult, UserService } from '../../../src/domain/users/user-service.js';
import { FakeStore, fakeHasher, human, NOW, ORG, OTHER_ORG, pushed } from './fake-store.js';

const SELF: Viewer = { userId: 'u1', orgId: ORG, grants: [] };
const ADMIN: Viewer = { userId: 'a1', orgId: ORG, grants: [{ role: 'ORG_OWNER', orgId: ORG }] };
const READER: Viewer = { userId: 'r1', orgId: ORG, grants: [{ role: 'ORG_OWNER_VIEWER', orgId: ORG }] };
const STRANGER: Viewer = { userId: 'x1', orgId: OTHER_ORG, grants: [{ role: 'ORG_OWNER', orgId: OTHER_ORG }] };
const NOW_ISO = NOW.toISOString();
const STORED_CHANGE = '2026-11-01T00:00:00.000Z';
const WITH_PHONE: Partial<User> = { phone: { phone: '+41791234567', isVerified: true } };

interface Case {
  name: string;
  cmd: Omit<UpdateUserCommand, 'userId'> & { userId?: string };
  viewer?: Viewer;
  user?: Partial<User>;
  error?: string;
  /** What was written: the events and columns; null = nothing. */
  events?: { type: string; payload: Record<string, unknown> }[] | null;
  columns?: Record<string, unknown>;
  deleteCodes?: string[];
  result?: UpdateUserResult;
}

async function run(c: Case) {
  const store = new FakeStore(
    human(c.user),
    human({ id: 'm1', kind: 'machine', username: 'robot' }),
    human({ id: 'u2', username: 'bob', email: { email: 'bob@acme.ch', isVerified: true } }),
  );
  const service = new UserService({ repository: store, hasher: fakeHasher, clock: { now: () => NOW } });
  const budget = { consumeCredentialCheck: () => {} };
  try {
    const result = await service.updateUser(c.viewer ?? SELF, { userId: 'u1', ...c.cmd }, budget);
    return { store, result };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { store, error };
  }
}

const CASES: Case[] = [
  {
    name: 'one profile field: only it changes, in one profile.changed event',
    cmd: { human: { profile: { nickName: 'Ada L.' } } },
    events: [{ type: 'profile.changed', payload: { nickName: 'Ada L.' } }],
    columns: { nick_name: 'Ada L.' },
    result: { changeDate: NOW_ISO },
  },
  {
    name: 'family name alone, language normalized',
    cmd: { human: { profile: { familyName: 'Byron', preferredLanguage: 'de_ch' } } },
    events: [{ type: 'profile.changed', payload: { familyName: 'Byron', preferredLanguage: 'de-CH' } }],
    columns: { family_name: 'Byron', preferred_language: 'de-CH' },
  },
  {
    name: 'an empty profile changes nothing and answers the stored change date',
    cmd: { human: { profile: {} } },
    events: null,
    result: { changeDate: STORED_CHANGE },
  },
  {
    name: 'empty phone without verification removes the number and any pending phone code',
    user: WITH_PHONE,
    cmd: { human: { phone: { phone: '' } } },
    events: [{ type: 'phone.removed', payload: {} }],
    columns: { phone: '', phone_verified: 0 },
    deleteCodes: ['phone'],
  },
  {
    name: 'absent phone without verification removes it too',
    user: WITH_PHONE,
    cmd: { human: { phone: {} } },
    events: [{ type: 'phone.removed', payload: {} }],
  },
  { name: 'nothing to remove is nothing written', cmd: { human: { phone: { phone: '' } } }, events: null },
  {
    name: 'empty phone WITH a verification is no removal (UpdateHumanUser’s rule)',
    user: WITH_PHONE,
    viewer: ADMIN,
    cmd: { human: { phone: { phone: '', verification: { kind: 'isVerified' } } } },
    events: null,
  },
  {
    name: 'username alone (no branch)',
    cmd: { username: 'ada2' },
    events: [{ type: 'username.changed', payload: { username: 'ada2' } }],
  },
  {
    name: 'returnCode answers the code, not details',
    viewer: ADMIN,
    cmd: { human: { phone: { phone: '+41 79 765 43 21', verification: { kind: 'returnCode' } } } },
    events: [
      { type: 'phone.changed', payload: { phone: '+41797654321' } },
      { type: 'phone.code.added', payload: { returnCode: true } },
    ],
  },
  // --- permissions and kinds --------------------------------------------------------------------
  { name: 'a viewer may not', viewer: READER, cmd: { human: { profile: { nickName: 'x' } } }, error: 'AUTH-AWfge' },
  {
    name: 'another organization',
    viewer: STRANGER,
    cmd: { human: { profile: { nickName: 'x' } } },
    error: 'AUTHZ-cdgFk',
  },
  {
    name: 'human branch on a machine user',
    viewer: ADMIN,
    cmd: { userId: 'm1', human: { profile: { nickName: 'x' } } },
    error: 'COMMAND-ugjs0upun6',
  },
  {
    name: 'machine branch on a human user',
    viewer: ADMIN,
    cmd: { machine: { name: 'x' } },
    error: 'COMMAND-ugjs0upun6',
  },
  {
    name: 'machine branch on a machine user, no write',
    viewer: READER,
    cmd: { userId: 'm1', machine: {} },
    error: 'AUTH-AWfge',
  },
  {
    name: 'machine branch on a machine user is refused',
    viewer: ADMIN,
    cmd: { userId: 'm1', machine: { description: 'd' } },
    error: 'GATEWAY-MACHINE400',
  },
];

describe('UpdateUser as a table over the in-memory store', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const out = await run(c);
    if (c.error !== undefined) {
      expect(out.error?.id).toBe(c.error);
      expect(out.store.pushes).toEqual([]);
      return;
    }
    expect(out.error).toBeUndefined();
    if (c.events === null) {
      expect(out.store.pushes).toEqual([]);
    } else if (c.events !== undefined) {
      expect(out.store.pushes).toHaveLength(1);
      const written = pushed(out.store.pushes[0] as never);
      expect(written.events).toEqual(c.events);
      if (c.columns) expect(written.columns).toEqual(c.columns);
      if (c.deleteCodes) expect(written.deleteCodes).toEqual(c.deleteCodes);
    }
    if (c.result) expect(out.result).toEqual(c.result);
    expect(out.result).not.toHaveProperty('details');
    if (c.name.startsWith('returnCode')) expect(out.result?.phoneCode).toMatch(/^[A-Z0-9]{6}$/);
  });
});
