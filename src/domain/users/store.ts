// What the user domain needs from storage: one interface, implemented by the Kysely
// `UserRepository` and by the in-memory fake of the domain's unit tables.
import type { OutboxRow, UserUpdate } from '../../db/types.js';
import type {
  Details,
  EventRange,
  NewEvent,
  Organization,
  OrgPolicies,
  PendingCode,
  User,
  UserEvent,
} from './model.js';

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
  /** A slice of the user's event log, in sequence order (the audit trail, live user events). */
  readEvents(userId: string, range: EventRange): Promise<UserEvent[]>;
}

/** Told after a write committed new events of a user, up to `sequence` (live user events). */
export type CommitListener = (userId: string, sequence: number) => void;
