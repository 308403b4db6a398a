// The domain's rules as tables over the in-memory store: per case, the exact events, columns,
// codes and outbox rows one UpdateHumanUser writes (or the error it answers and that nothing was
// written), in the order of checks of spec §2 and the section rules of §4.
import { describe, expect, it } from 'vitest';
import type { Viewer } from '../../../src/domain/auth/permissions.js';
import { DomainError } from '../../../src/domain/errors.js';
import type { User } from '../../../src/domain/users/model.js';
import {
  type RequestBudget,
  type UpdateHumanUserCommand,
  UserService,
} from '../../../src/domain/users/user-service.js';
import { FakeStore, fakeHasher, human, IMPORTED_HASH, NOW, ORG, OTHER_ORG, pushed } from './fake-store.js';

const SELF: Viewer = { userId: 'u1', orgId: ORG, grants: [] };
const ADMIN: Viewer = { userId: 'a1', orgId: ORG, grants: [{ role: 'ORG_OWNER', orgId: ORG }] };
const READER: Viewer = { userId: 'r1', orgId: ORG, grants: [{ role: 'ORG_OWNER_VIEWER', orgId: ORG }] };
const STRANGER: Viewer = { userId: 'x1', orgId: OTHER_ORG, grants: [{ role: 'ORG_OWNER', orgId: OTHER_ORG }] };
const CODE_EXPIRY = '2026-11-23T11:00:00.000Z';
const SAMPLE = 'New-Password9';
/** A 72-byte password (the most bcrypt reads). */
const P72 = `Aa1!${'x'.repeat(68)}`;

interface Case {
  name: string;
  cmd: Omit<UpdateHumanUserCommand, 'userId'> & { userId?: string };
  viewer?: Viewer;
  user?: Partial<User>;
  setup?: (store: FakeStore) => void;
  /** The error id answered (nothing written), or what was written. */
  error?: string;
  push?: ReturnType<typeof pushed> | null;
  result?: { emailCode?: boolean; phoneCode?: boolean };
  failedChecks?: number;
}

interface Outcome {
  store: FakeStore;
  error?: DomainError;
  result?: Awaited<ReturnType<UserService['updateHumanUser']>>;
  budgetTaken: number;
  sleeps: number[];
}

async function run(c: Pick<Case, 'cmd' | 'viewer' | 'user' | 'setup'>, store?: FakeStore): Promise<Outcome> {
  const s =
    store ??
    new FakeStore(
      human(c.user),
      human({ id: 'u2', username: 'bob', email: { email: 'bob@acme.ch', isVerified: true } }),
    );
  c.setup?.(s);
  const sleeps: number[] = [];
  const service = new UserService({
    repository: s,
    hasher: fakeHasher,
    clock: { now: () => NOW },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  let budgetTaken = 0;
  const budget: RequestBudget = {
    consumeCredentialCheck: () => {
      budgetTaken++;
    },
  };
  try {
    const result = await service.updateHumanUser(c.viewer ?? SELF, { userId: 'u1', ...c.cmd }, budget);
    return { store: s, result, budgetTaken, sleeps };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { store: s, error, budgetTaken, sleeps };
  }
}

const push = (p: Partial<ReturnType<typeof pushed>>): ReturnType<typeof pushed> => ({
  events: [],
  columns: {},
  setCodes: [],
  deleteCodes: [],
  consumeCode: undefined,
  outbox: [],
  ...p,
});

const emailCode = (urlTemplate: string | null, matches?: boolean) => ({
  kind: 'email' as const,
  urlTemplate,
  expiresAt: CODE_EXPIRY,
  ...(matches !== undefined ? { matches } : {}),
});

// A case table: rows repeat one shape on purpose, so each case reads on its own (ZITADEL's expectPush style).
const CASES: Case[] = [
  // --- order of checks (§2) -------------------------------------------------------------------
  {
    name: 'URL template syntax before everything else',
    cmd: { userId: 'nobody', email: { email: 'x', verification: { kind: 'sendCode', urlTemplate: '{{.UserID' } } },
    error: 'DOMAIN-oGh5e',
  },
  {
    name: 'URL template unknown field',
    cmd: { email: { email: 'a@acme.ch', verification: { kind: 'sendCode', urlTemplate: '{{.Nope}}' } } },
    error: 'DOMAIN-ieYa7',
  },
  {
    name: 'email content before lookup',
    cmd: { userId: 'nobody', email: { email: 'not an email' } },
    error: 'EMAIL-599BI',
  },
  { name: 'phone content before lookup', cmd: { userId: 'nobody', phone: { phone: 'abc' } }, error: 'PHONE-so0wa' },
  {
    name: 'password with neither password nor hash',
    cmd: { userId: 'nobody', password: { currentPassword: 'x' } },
    error: 'COMMAND-3klek4sbns',
  },
  {
    name: 'imported hash of another family',
    cmd: { password: { hashedPassword: { hash: '$scrypt$abc' } } },
    viewer: ADMIN,
    error: 'CRYPT-r8Qm2',
  },
  {
    name: 'imported hash cost out of bounds',
    cmd: { password: { hashedPassword: { hash: `$2b$04$${'a'.repeat(53)}` } } },
    viewer: ADMIN,
    error: 'CRYPT-5uV9n',
  },
  {
    name: 'imported hash malformed',
    cmd: { password: { hashedPassword: { hash: '$2b$10$short' } } },
    viewer: ADMIN,
    error: 'CRYPT-r8Qm2',
  },
  { name: 'unknown user', cmd: { userId: 'nobody', username: 'x' }, error: 'COMMAND-ugjs0upun6' },
  { name: 'machine user is not found', cmd: { username: 'x' }, user: { kind: 'machine' }, error: 'COMMAND-ugjs0upun6' },
  {
    name: 'deleted user is not found',
    cmd: { username: 'x' },
    user: { state: 'deleted' },
    error: 'COMMAND-ugjs0upun6',
  },
  { name: 'caller without a role there', cmd: { username: 'x' }, viewer: STRANGER, error: 'AUTHZ-cdgFk' },
  { name: 'reader cannot write', cmd: { username: 'x' }, viewer: READER, error: 'AUTH-AWfge' },
  { name: 'only the user id: no permission needed, no write', cmd: {}, viewer: STRANGER, push: null },
  {
    name: 'self without roles may not mark its email verified',
    cmd: { email: { email: 'new@acme.ch', verification: { kind: 'isVerified', value: true } } },
    error: 'AUTHZ-cdgFk',
  },
  {
    name: 'self without roles may not ask for the email code',
    cmd: { email: { email: 'new@acme.ch', verification: { kind: 'returnCode' } } },
    error: 'AUTHZ-cdgFk',
  },
  {
    name: 'self without roles may not mark its phone verified',
    cmd: { phone: { phone: '+41791234567', verification: { kind: 'isVerified' } } },
    error: 'AUTHZ-cdgFk',
  },
  {
    name: 'self without roles may not ask for the phone code',
    cmd: { phone: { phone: '+41791234567', verification: { kind: 'returnCode' } } },
    error: 'AUTHZ-cdgFk',
  },
  {
    name: 'self without roles may not set a password unverified',
    cmd: { password: { password: { password: SAMPLE } } },
    error: 'AUTHZ-cdgFk',
  },
  { name: 'stale expected sequence', cmd: { username: 'x', expectedSequence: 2 }, error: 'GATEWAY-SEQ412' },
  {
    name: 'username uniqueness is decided at write time: a wrong current password comes first',
    cmd: { username: 'bob', password: { password: { password: SAMPLE }, currentPassword: 'wrong' } },
    error: 'COMMAND-3M0fs',
    failedChecks: 1,
  },

  // --- username (§4.1) ------------------------------------------------------------------------
  { name: 'username unchanged', cmd: { username: 'ada' }, push: null },
  {
    name: 'username changed',
    cmd: { username: 'Ada.L' },
    push: push({
      events: [{ type: 'username.changed', payload: { username: 'Ada.L' } }],
      columns: { username: 'Ada.L', username_key: 'ada.l' },
    }),
  },
  { name: 'username taken case-insensitively', cmd: { username: 'BOB' }, error: 'V3-DKcYh' },
  {
    name: 'username scoped by organization',
    cmd: { username: 'x' },
    setup: (s) => s.scopedOrgs.add(ORG),
    push: push({
      events: [{ type: 'username.changed', payload: { username: 'x' } }],
      columns: { username: 'x', username_key: `${ORG}:x` },
    }),
  },
  {
    name: "username on another org's verified domain",
    cmd: { username: 'ada@their.ch' },
    setup: (s) => s.verifiedDomains.set('their.ch', OTHER_ORG),
    error: 'COMMAND-SFd21',
  },
  {
    name: "username on its own org's verified domain",
    cmd: { username: 'ada@our.ch' },
    setup: (s) => s.verifiedDomains.set('our.ch', ORG),
    push: push({
      events: [{ type: 'username.changed', payload: { username: 'ada@our.ch' } }],
      columns: { username: 'ada@our.ch', username_key: 'ada@our.ch' },
    }),
  },

  // --- profile (§4.2) -------------------------------------------------------------------------
  { name: 'profile unchanged', cmd: { profile: { givenName: 'Ada', familyName: 'Lovelace' } }, push: null },
  {
    name: 'profile: only changed fields',
    cmd: { profile: { givenName: 'Ada', familyName: 'King', nickName: '', displayName: 'Countess', gender: 1 } },
    push: push({
      events: [{ type: 'profile.changed', payload: { familyName: 'King', displayName: 'Countess', gender: 1 } }],
      columns: { family_name: 'King', display_name: 'Countess', gender: 1 },
    }),
  },
  {
    name: 'profile: ill-formed language becomes und',
    cmd: { profile: { givenName: 'Ada', familyName: 'Lovelace', preferredLanguage: '!!' } },
    push: push({
      events: [{ type: 'profile.changed', payload: { preferredLanguage: 'und' } }],
      columns: { preferred_language: 'und' },
    }),
  },

  // --- email (§4.3) ---------------------------------------------------------------------------
  {
    name: 'email unchanged, sendCode: nothing',
    cmd: { email: { email: 'ada@acme.ch', verification: { kind: 'sendCode' } } },
    push: null,
  },
  {
    name: 'email unchanged and unverified, isVerified',
    cmd: { email: { email: 'ada@acme.ch', verification: { kind: 'isVerified', value: true } } },
    viewer: ADMIN,
    user: { email: { email: 'ada@acme.ch', isVerified: false } },
    push: push({
      events: [{ type: 'email.verified', payload: {} }],
      columns: { email_verified: 1 },
      deleteCodes: ['email'],
    }),
  },
  {
    name: 'email unchanged and verified, isVerified: nothing',
    cmd: { email: { email: 'ada@acme.ch', verification: { kind: 'isVerified', value: true } } },
    viewer: ADMIN,
    push: null,
  },
  {
    name: 'email changed: code mailed by default',
    cmd: { email: { email: 'new@acme.ch' } },
    push: push({
      events: [
        { type: 'email.changed', payload: { email: 'new@acme.ch' } },
        { type: 'email.code.added', payload: { returnCode: false, urlTemplate: null } },
      ],
      columns: { email: 'new@acme.ch', email_verified: 0 },
      setCodes: [emailCode(null)],
      outbox: [
        {
          kind: 'email_verification',
          channel: 'email',
          recipient: 'new@acme.ch',
          language: 'en',
          payload: { code: '<email code>' },
        },
      ],
    }),
  },
  {
    name: 'email changed: sendCode with a template renders the link',
    cmd: {
      email: {
        email: 'new@acme.ch',
        verification: { kind: 'sendCode', urlTemplate: 'https://x/{{.UserID}}/{{.OrgID}}?c={{.Code}}' },
      },
    },
    push: push({
      events: [
        { type: 'email.changed', payload: { email: 'new@acme.ch' } },
        {
          type: 'email.code.added',
          payload: { returnCode: false, urlTemplate: 'https://x/{{.UserID}}/{{.OrgID}}?c={{.Code}}' },
        },
      ],
      columns: { email: 'new@acme.ch', email_verified: 0 },
      setCodes: [emailCode('https://x/{{.UserID}}/{{.OrgID}}?c={{.Code}}')],
      outbox: [
        {
          kind: 'email_verification',
          channel: 'email',
          recipient: 'new@acme.ch',
          language: 'en',
          payload: { code: '<email code>', url: `https://x/u1/${ORG}?c=<code>` },
        },
      ],
    }),
  },
  {
    name: 'email changed: returnCode returns it, no mail',
    cmd: { email: { email: 'new@acme.ch', verification: { kind: 'returnCode' } } },
    viewer: ADMIN,
    result: { emailCode: true },
    push: push({
      events: [
        { type: 'email.changed', payload: { email: 'new@acme.ch' } },
        { type: 'email.code.added', payload: { returnCode: true, urlTemplate: null } },
      ],
      columns: { email: 'new@acme.ch', email_verified: 0 },
      setCodes: [emailCode(null, true)],
    }),
  },
  {
    name: 'email changed: isVerified',
    cmd: { email: { email: 'new@acme.ch', verification: { kind: 'isVerified', value: true } } },
    viewer: ADMIN,
    push: push({
      events: [
        { type: 'email.changed', payload: { email: 'new@acme.ch' } },
        { type: 'email.verified', payload: {} },
      ],
      columns: { email: 'new@acme.ch', email_verified: 1 },
      deleteCodes: ['email'],
    }),
  },
  {
    name: 'email changed: isVerified false sends a code',
    cmd: { email: { email: 'new@acme.ch', verification: { kind: 'isVerified', value: false } } },
    push: push({
      events: [
        { type: 'email.changed', payload: { email: 'new@acme.ch' } },
        { type: 'email.code.added', payload: { returnCode: false, urlTemplate: null } },
      ],
      columns: { email: 'new@acme.ch', email_verified: 0 },
      setCodes: [emailCode(null)],
      outbox: [
        {
          kind: 'email_verification',
          channel: 'email',
          recipient: 'new@acme.ch',
          language: 'en',
          payload: { code: '<email code>' },
        },
      ],
    }),
  },

  // --- phone (§4.4) ---------------------------------------------------------------------------
  {
    name: 'phone empty never removes',
    cmd: { phone: { phone: '' } },
    user: { phone: { phone: '+41791234567', isVerified: true } },
    push: null,
  },
  {
    name: 'phone unchanged after normalization',
    cmd: { phone: { phone: '079 123 45 67' } },
    user: { phone: { phone: '+41791234567', isVerified: false } },
    push: null,
  },
  {
    name: 'phone unchanged and unverified, isVerified',
    cmd: { phone: { verification: { kind: 'isVerified' } } },
    viewer: ADMIN,
    user: { phone: { phone: '+41791234567', isVerified: false } },
    push: push({
      events: [{ type: 'phone.verified', payload: {} }],
      columns: { phone_verified: 1 },
      deleteCodes: ['phone'],
    }),
  },
  {
    name: 'phone changed: SMS by default',
    cmd: { phone: { phone: '079 123 45 67' } },
    push: push({
      events: [
        { type: 'phone.changed', payload: { phone: '+41791234567' } },
        { type: 'phone.code.added', payload: { returnCode: false } },
      ],
      columns: { phone: '+41791234567', phone_verified: 0 },
      setCodes: [{ kind: 'phone', urlTemplate: null, expiresAt: CODE_EXPIRY }],
      outbox: [
        {
          kind: 'phone_verification',
          channel: 'sms',
          recipient: '+41791234567',
          language: 'en',
          payload: { code: '<phone code>' },
        },
      ],
    }),
  },
  {
    name: 'phone changed: returnCode',
    cmd: { phone: { phone: '+41791234567', verification: { kind: 'returnCode' } } },
    viewer: ADMIN,
    result: { phoneCode: true },
    push: push({
      events: [
        { type: 'phone.changed', payload: { phone: '+41791234567' } },
        { type: 'phone.code.added', payload: { returnCode: true } },
      ],
      columns: { phone: '+41791234567', phone_verified: 0 },
      setCodes: [{ kind: 'phone', urlTemplate: null, expiresAt: CODE_EXPIRY, matches: true }],
    }),
  },
  {
    name: 'phone changed: isVerified',
    cmd: { phone: { phone: '+41791234567', verification: { kind: 'isVerified' } } },
    viewer: ADMIN,
    push: push({
      events: [
        { type: 'phone.changed', payload: { phone: '+41791234567' } },
        { type: 'phone.verified', payload: {} },
      ],
      columns: { phone: '+41791234567', phone_verified: 1 },
      deleteCodes: ['phone'],
    }),
  },

  // --- password (§4.5) ------------------------------------------------------------------------
  {
    name: 'initial user: not initialized before verification',
    cmd: { password: { password: { password: SAMPLE }, currentPassword: 'wrong' } },
    user: { state: 'initial' },
    error: 'COMMAND-M9dse',
    failedChecks: 0,
  },
  {
    name: 'reset code: none pending',
    cmd: { password: { password: { password: SAMPLE }, verificationCode: 'ABC123' } },
    error: 'COMMAND-2M9fs',
  },
  {
    name: 'reset code: expired',
    cmd: { password: { password: { password: SAMPLE }, verificationCode: 'ABC123' } },
    setup: (s) => void s.pending('u1', 'password_reset', 'ABC123', NOW.toISOString()),
    error: 'CODE-QvUQ4P',
  },
  {
    name: 'reset code: wrong',
    cmd: { password: { password: { password: SAMPLE }, verificationCode: 'ZZZ999' } },
    setup: (s) => void s.pending('u1', 'password_reset'),
    error: 'CODE-woT0xc',
  },
  {
    name: 'reset code: consumed by the write',
    cmd: { password: { password: { password: SAMPLE }, verificationCode: 'ABC123' } },
    setup: (s) => void s.pending('u1', 'password_reset'),
    push: push({
      events: [{ type: 'password.changed', payload: { changeRequired: false } }],
      columns: { password_hash: `h:${SAMPLE}`, password_change_required: 0, failed_password_attempts: 0 },
      deleteCodes: ['password_reset'],
      consumeCode: 'password_reset',
    }),
  },
  {
    name: 'current password: locked user',
    cmd: { password: { password: { password: SAMPLE }, currentPassword: 'Password1!' } },
    user: { state: 'locked' },
    error: 'COMMAND-JLK35',
  },
  {
    name: 'current password: none set',
    cmd: { password: { password: { password: SAMPLE }, currentPassword: 'Password1!' } },
    user: { passwordHash: null },
    error: 'COMMAND-3nJ4t',
  },
  {
    name: 'current password: wrong, recorded',
    cmd: { password: { password: { password: SAMPLE }, currentPassword: 'wrong' } },
    error: 'COMMAND-3M0fs',
    failedChecks: 1,
  },
  {
    name: 'current password: right',
    cmd: { password: { password: { password: SAMPLE, changeRequired: true }, currentPassword: 'Password1!' } },
    push: push({
      events: [{ type: 'password.changed', payload: { changeRequired: true } }],
      columns: { password_hash: `h:${SAMPLE}`, password_change_required: 1, failed_password_attempts: 0 },
      deleteCodes: ['password_reset'],
    }),
  },
  {
    name: 'same as current',
    cmd: { password: { password: { password: 'Password1!' }, currentPassword: 'Password1!' } },
    error: 'COMMAND-Aesh5',
  },
  // The complexity rules, one row each: [rule, password, upstream id].
  ...(
    [
      ['too short', 'Aa1!', 'DOMAIN-HuJf6'],
      ['no lower case', 'AAAAAAA1!', 'DOMAIN-co3Xw'],
      ['no upper case', 'aaaaaaa1!', 'DOMAIN-VoaRj'],
      ['no number', 'Aaaaaaaa!', 'DOMAIN-ZBv4H'],
      ['no symbol', 'Aaaaaaaa1', 'DOMAIN-ZDLwA'],
    ] as const
  ).map(([rule, password, error]) => ({
    name: `complexity: ${rule}`,
    cmd: { password: { password: { password } } },
    viewer: ADMIN,
    error,
  })),
  {
    name: 'over 72 bytes',
    cmd: { password: { password: { password: `Aa1!${'x'.repeat(70)}` } } },
    viewer: ADMIN,
    error: 'GATEWAY-PWD72',
  },
  {
    name: 'user.write sets a password without verification',
    cmd: { password: { password: { password: SAMPLE } } },
    viewer: ADMIN,
    push: push({
      events: [{ type: 'password.changed', payload: { changeRequired: false } }],
      columns: { password_hash: `h:${SAMPLE}`, password_change_required: 0, failed_password_attempts: 0 },
      deleteCodes: ['password_reset'],
    }),
  },
  {
    name: 'imported hash stored as given',
    cmd: { password: { hashedPassword: { hash: IMPORTED_HASH, changeRequired: true } } },
    viewer: ADMIN,
    push: push({
      events: [{ type: 'password.changed', payload: { changeRequired: true } }],
      columns: { password_hash: IMPORTED_HASH, password_change_required: 1, failed_password_attempts: 0 },
      deleteCodes: ['password_reset'],
    }),
  },

  {
    name: 'user.write may set the same password again',
    cmd: { password: { password: { password: 'Password1!' } } },
    viewer: ADMIN,
    push: push({
      events: [{ type: 'password.changed', payload: { changeRequired: false } }],
      columns: { password_hash: 'h:Password1!', password_change_required: 0, failed_password_attempts: 0 },
      deleteCodes: ['password_reset'],
    }),
  },
  {
    name: 'a reset code may set the same password again',
    cmd: { password: { password: { password: 'Password1!' }, verificationCode: 'ABC123' } },
    setup: (s) => void s.pending('u1', 'password_reset'),
    push: push({
      events: [{ type: 'password.changed', payload: { changeRequired: false } }],
      columns: { password_hash: 'h:Password1!', password_change_required: 0, failed_password_attempts: 0 },
      deleteCodes: ['password_reset'],
      consumeCode: 'password_reset',
    }),
  },
  {
    name: 'same as the supplied current password, before verifying it (nothing recorded)',
    cmd: { password: { password: { password: 'Wrong-pass1!' }, currentPassword: 'Wrong-pass1!' } },
    error: 'COMMAND-Aesh5',
    failedChecks: 0,
  },
  {
    name: 'over 72 bytes sharing a 72-byte prefix with the current one',
    cmd: { password: { password: { password: `${P72}y` }, currentPassword: P72 } },
    user: { passwordHash: `h:${P72}` },
    error: 'GATEWAY-PWD72',
    failedChecks: 0,
  },
  {
    name: 'initial self setting a password unverified: not initialized before user.write',
    cmd: { password: { password: { password: SAMPLE } } },
    user: { state: 'initial' },
    error: 'COMMAND-M9dse',
  },
  {
    name: 'a new language and a new email: the mail in the new language',
    cmd: {
      profile: { givenName: 'Ada', familyName: 'Lovelace', preferredLanguage: 'de' },
      email: { email: 'new@acme.ch' },
    },
    push: push({
      events: [
        { type: 'profile.changed', payload: { preferredLanguage: 'de' } },
        { type: 'email.changed', payload: { email: 'new@acme.ch' } },
        { type: 'email.code.added', payload: { returnCode: false, urlTemplate: null } },
      ],
      columns: { preferred_language: 'de', email: 'new@acme.ch', email_verified: 0 },
      setCodes: [emailCode(null)],
      outbox: [
        {
          kind: 'email_verification',
          channel: 'email',
          recipient: 'new@acme.ch',
          language: 'de',
          payload: { code: '<email code>' },
        },
      ],
    }),
  },
  {
    name: 'phone empty with isVerified on a user without phone: phone.verified (as upstream)',
    cmd: { phone: { phone: '', verification: { kind: 'isVerified' } } },
    viewer: ADMIN,
    push: push({
      events: [{ type: 'phone.verified', payload: {} }],
      columns: { phone_verified: 1 },
      deleteCodes: ['phone'],
    }),
  },

  // --- several sections, one write ------------------------------------------------------------
  {
    name: 'all sections in order in one change',
    cmd: {
      username: 'lovelace',
      profile: { givenName: 'Augusta', familyName: 'Lovelace' },
      email: { email: 'new@acme.ch', verification: { kind: 'isVerified', value: true } },
      phone: { phone: '+41791234567', verification: { kind: 'isVerified' } },
      password: { password: { password: SAMPLE } },
    },
    viewer: ADMIN,
    push: push({
      events: [
        { type: 'username.changed', payload: { username: 'lovelace' } },
        { type: 'profile.changed', payload: { givenName: 'Augusta' } },
        { type: 'email.changed', payload: { email: 'new@acme.ch' } },
        { type: 'email.verified', payload: {} },
        { type: 'phone.changed', payload: { phone: '+41791234567' } },
        { type: 'phone.verified', payload: {} },
        { type: 'password.changed', payload: { changeRequired: false } },
      ],
      columns: {
        username: 'lovelace',
        username_key: 'lovelace',
        given_name: 'Augusta',
        email: 'new@acme.ch',
        email_verified: 1,
        phone: '+41791234567',
        phone_verified: 1,
        password_hash: `h:${SAMPLE}`,
        password_change_required: 0,
        failed_password_attempts: 0,
      },
      deleteCodes: ['email', 'phone', 'password_reset'],
    }),
  },
];

describe('UpdateHumanUser as a table over the in-memory store', () => {
  it.each(CASES)('$name', async (c) => {
    const out = await run(c);
    if (c.error !== undefined) {
      expect(out.error?.id ?? out.error?.message).toBe(c.error);
      expect(out.store.pushes).toEqual([]);
    } else {
      expect(out.error).toBeUndefined();
      const change = out.store.pushes[0];
      if (c.push === null) {
        expect(out.store.pushes).toEqual([]);
        const user = human(c.user);
        expect(out.result).toEqual({
          details: { sequence: user.sequence, changeDate: user.changeDate, resourceOwner: ORG },
        });
      } else {
        expect(out.store.pushes).toHaveLength(1);
        const codes = { email: out.result?.emailCode, phone: out.result?.phoneCode };
        expect(pushed(change as NonNullable<typeof change>, codes)).toEqual(c.push);
        const events = (change?.events.length ?? 0) + human(c.user).sequence;
        expect(out.result?.details).toEqual({ sequence: events, changeDate: NOW.toISOString(), resourceOwner: ORG });
      }
      expect(out.result?.emailCode !== undefined).toBe(c.result?.emailCode ?? false);
      expect(out.result?.phoneCode !== undefined).toBe(c.result?.phoneCode ?? false);
    }
    if (c.failedChecks !== undefined) expect(out.store.failedChecks).toHaveLength(c.failedChecks);
  });
});

describe('credential checks and retries', () => {
  it('a wrong current password is recorded with the caller as creator and counted once against the budget', async () => {
    const out = await run({ cmd: { password: { password: { password: SAMPLE }, currentPassword: 'wrong' } } });
    expect(out.error?.id).toBe('COMMAND-3M0fs');
    expect(out.error?.details).toEqual({ failedAttempts: 1 });
    expect(out.store.failedChecks).toEqual([{ userId: 'u1', creator: 'u1' }]);
    expect(out.budgetTaken).toBe(1);
  });

  it('a locked user is refused with the failures so far (CredentialsCheckError), nothing recorded', async () => {
    const out = await run({
      cmd: { password: { password: { password: SAMPLE }, currentPassword: 'wrong' } },
      user: { state: 'locked', failedPasswordAttempts: 5 },
    });
    expect(out.error?.id).toBe('COMMAND-JLK35');
    expect(out.error?.details).toEqual({ failedAttempts: 5 });
    expect(out.store.failedChecks).toEqual([]);
  });

  it('repeated failures are slowed down after the check (10th failure: 1 s)', async () => {
    const out = await run({
      cmd: { password: { password: { password: SAMPLE }, currentPassword: 'wrong' } },
      user: { failedPasswordAttempts: 9 },
    });
    expect(out.sleeps).toEqual([1000]);
    expect(out.error?.details).toEqual({ failedAttempts: 10 });
  });

  it('a write retried after concurrent changes re-reads the user and takes the budget once', async () => {
    const store = new FakeStore(human());
    store.conflicts = 2;
    const out = await run(
      { cmd: { password: { password: { password: SAMPLE }, currentPassword: 'Password1!' } } },
      store,
    );
    expect(out.error).toBeUndefined();
    expect(out.budgetTaken).toBe(1);
    expect(store.pushes).toHaveLength(1);
  });

  it('no budget is taken without a password or code to check', async () => {
    const out = await run({ cmd: { password: { password: { password: SAMPLE } } }, viewer: ADMIN });
    expect(out.budgetTaken).toBe(0);
  });
});
