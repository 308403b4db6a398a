// An in-memory UserStore for the domain's unit tables: holds users, organizations, policies and
// pending codes, and records every change set it applies (`pushes`) and every failed password
// check, so a table can assert exactly what one request writes (ZITADEL's expectPush style).
import { codeMatches, hashCode } from '../../../src/domain/users/codes.js';
import type {
  Details,
  EventRange,
  OrgPolicies,
  PendingCode,
  User,
  UserEvent,
} from '../../../src/domain/users/model.js';
import { usernameKey } from '../../../src/domain/users/model.js';
import { DEFAULT_COMPLEXITY, DEFAULT_LOCKOUT, type PasswordHasher } from '../../../src/domain/users/passwords.js';
import type { ApplyResult, ChangeSet, CodeKind, UserStore } from '../../../src/domain/users/store.js';

export const NOW = new Date('2026-11-23T10:00:00.000Z');
export const ORG = 'org1';
export const OTHER_ORG = 'org2';
/** A bcrypt-shaped hash (cost 10) that passes the import checks. */
export const IMPORTED_HASH = `$2b$10$${'a'.repeat(53)}`;

/** Plain "hashing" so tables can read what was stored: `h:<password>`. */
export const fakeHasher: PasswordHasher = {
  hash: async (password) => `h:${password}`,
  verify: async (password, encoded) => encoded === `h:${password}`,
};

export function human(overrides: Partial<User> = {}): User {
  return {
    id: 'u1',
    orgId: ORG,
    kind: 'human',
    state: 'active',
    username: 'ada',
    profile: {
      givenName: 'Ada',
      familyName: 'Lovelace',
      nickName: '',
      displayName: '',
      preferredLanguage: 'en',
      gender: 0,
    },
    email: { email: 'ada@acme.ch', isVerified: true },
    phone: { phone: '', isVerified: false },
    passwordHash: 'h:Password1!',
    passwordChangeRequired: false,
    failedPasswordAttempts: 0,
    sequence: 3,
    changeDate: '2026-11-01T00:00:00.000Z',
    ...overrides,
  };
}

export class FakeStore implements UserStore {
  readonly users = new Map<string, User>();
  readonly verifiedDomains = new Map<string, string>();
  readonly scopedOrgs = new Set<string>();
  readonly codes = new Map<string, PendingCode>();
  readonly pushes: ChangeSet[] = [];
  readonly failedChecks: { userId: string; creator: string }[] = [];
  /** The event log per user, as applyChange appended it. */
  readonly log = new Map<string, UserEvent[]>();
  policy: OrgPolicies = { complexity: { ...DEFAULT_COMPLEXITY }, lockout: { ...DEFAULT_LOCKOUT } };
  /** The next applyChange calls answer 'conflict' this many times (a concurrent writer). */
  conflicts = 0;

  constructor(...users: User[]) {
    for (const user of users) this.users.set(user.id, user);
  }

  /** Stores a pending code of this kind; returns the plain code. */
  pending(userId: string, kind: CodeKind, code = 'ABC123', expiresAt = '2026-11-23T10:30:00.000Z'): string {
    this.codes.set(`${userId}/${kind}`, { codeHash: hashCode(code), expiresAt });
    return code;
  }

  async findUser(id: string) {
    return this.users.get(id);
  }
  async readUser(id: string) {
    return this.users.get(id);
  }
  async findOrganization(id: string) {
    return { id, name: id, scopedUsernames: this.scopedOrgs.has(id) };
  }
  async verifiedDomainOwner(domain: string) {
    return this.verifiedDomains.get(domain.toLowerCase());
  }
  async policies() {
    return this.policy;
  }
  async pendingCode(userId: string, kind: CodeKind) {
    return this.codes.get(`${userId}/${kind}`);
  }

  async applyChange(change: ChangeSet, now: string): Promise<ApplyResult> {
    const current = this.users.get(change.user.id);
    if (this.conflicts > 0 || current?.sequence !== change.user.sequence) {
      this.conflicts = Math.max(0, this.conflicts - 1);
      return { ok: false, reason: 'conflict' };
    }
    const key = change.columns.username_key;
    if (key !== undefined && [...this.users.values()].some((u) => u.id !== current.id && this.keyOf(u) === key)) {
      return { ok: false, reason: 'username_taken' };
    }
    if (change.consumeCode) {
      const id = `${current.id}/${change.consumeCode.kind}`;
      if (this.codes.get(id)?.codeHash !== change.consumeCode.codeHash) return { ok: false, reason: 'conflict' };
      this.codes.delete(id);
    }
    for (const kind of change.deleteCodes) this.codes.delete(`${current.id}/${kind}`);
    for (const code of change.setCodes) {
      this.codes.set(`${current.id}/${code.kind}`, { codeHash: code.codeHash, expiresAt: code.expiresAt });
    }
    this.pushes.push(change);
    const sequence = current.sequence + change.events.length;
    const log = this.log.get(current.id) ?? [];
    for (const [i, e] of change.events.entries()) {
      log.push({
        sequence: current.sequence + i + 1,
        type: e.type,
        creationDate: now,
        creator: change.creator,
        payload: e.payload,
      });
    }
    this.log.set(current.id, log);
    this.users.set(current.id, { ...current, sequence, changeDate: now });
    const details: Details = { sequence, changeDate: now, resourceOwner: current.orgId };
    return { ok: true, details };
  }

  async recordFailedPasswordCheck(userId: string, creator: string, maxAttempts: number) {
    const user = this.users.get(userId) as User;
    const failedPasswordAttempts = user.failedPasswordAttempts + 1;
    const locked = maxAttempts > 0 && failedPasswordAttempts >= maxAttempts;
    this.users.set(userId, {
      ...user,
      failedPasswordAttempts,
      state: locked ? 'locked' : user.state,
      sequence: user.sequence + (locked && user.state !== 'locked' ? 2 : 1),
    });
    this.failedChecks.push({ userId, creator });
    return failedPasswordAttempts;
  }

  async readEvents(userId: string, range: EventRange): Promise<UserEvent[]> {
    const all = this.log.get(userId) ?? [];
    const from = range.from;
    const inRange = all.filter(
      (e) => from === undefined || (range.order === 'asc' ? e.sequence > from : e.sequence < from),
    );
    if (range.order === 'desc') inRange.reverse();
    return inRange.slice(0, range.limit);
  }

  private keyOf(user: User): string {
    return usernameKey(user.username, { id: user.orgId, scopedUsernames: this.scopedOrgs.has(user.orgId) });
  }
}

/** A change set as a table expects it: codes by kind (checked against `codes`), no hashes. */
export function pushed(change: ChangeSet, codes: Record<string, string | undefined> = {}) {
  const plain = (kind: string) => codes[kind];
  return {
    events: change.events.map((e) => ({ type: e.type, payload: e.payload })),
    columns: change.columns,
    setCodes: change.setCodes.map((c) => {
      const code = plain(c.kind);
      return {
        kind: c.kind,
        urlTemplate: c.urlTemplate,
        expiresAt: c.expiresAt,
        ...(code !== undefined ? { matches: codeMatches(code, c.codeHash) } : {}),
      };
    }),
    deleteCodes: [...change.deleteCodes],
    consumeCode: change.consumeCode?.kind,
    outbox: change.outbox.map((m) => {
      const match = change.setCodes.find((c) => codeMatches(m.payload.code, c.codeHash));
      const url = m.payload.url?.replace(m.payload.code, '<code>');
      return {
        ...m,
        payload: { code: match ? `<${match.kind} code>` : 'UNKNOWN', ...(url !== undefined ? { url } : {}) },
      };
    }),
  };
}
