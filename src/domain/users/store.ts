// What the user domain needs from storage: one interface, implemented by the Kysely
// `UserRepository` and by the in-memory fake of the domain's unit tables.
import type { OutboxRow, UserUpdate } from '../../db/types.js';
import type { Details, NewEvent, Organization, OrgPolicies, PendingCode, User } from './model.js';

export type CodeKind = 'email' | 'phone' | 'password_reset';

export interface NewOutboxMessage {
  kind: OutboxRow['kind'];
  channel: OutboxRow['channel'];
  recipient: string;
  language: string;
  payload: { code: string; url?: string };
}

export interface NewCode {
  kind: CodeKind;
  codeHash: string;
  urlTemplate: string | null;
  expiresAt: string;
}

/** Everything one update writes, applied atomically by `applyChange`. */
export interface ChangeSet {
  readonly user: User;
  readonly creator: string;
  readonly events: readonly NewEvent[];
  readonly columns: UserUpdate;
  readonly setCodes: readonly NewCode[];
  readonly deleteCodes: readonly CodeKind[];
  /** A code that must still be pending when the write commits (single use). */
  readonly consumeCode?: { kind: CodeKind; codeHash: string } | undefined;
  readonly outbox: readonly NewOutboxMessage[];
}

export type ApplyResult = { ok: true; details: Details } | { ok: false; reason: 'conflict' | 'username_taken' };

export interface UserStore {
  findUser(id: string): Promise<User | undefined>;
  /** The query side's read: `findUser` plus the dates read from the event log (creation, password change). */
  readUser(id: string): Promise<User | undefined>;
  findOrganization(id: string): Promise<Organization | undefined>;
  /** The organization that holds `domain` as a verified domain, if any. */
  verifiedDomainOwner(domain: string): Promise<string | undefined>;
  policies(orgId: string): Promise<OrgPolicies>;
  pendingCode(userId: string, kind: CodeKind): Promise<PendingCode | undefined>;
  /** Writes the change set if the user is still at `change.user.sequence`; else 'conflict'. */
  applyChange(change: ChangeSet, now: string): Promise<ApplyResult>;
  /** Counts a failed current-password check in its own write (locks at `maxAttempts`); the new count. */
  recordFailedPasswordCheck(userId: string, creator: string, maxAttempts: number, now: string): Promise<number>;
}
