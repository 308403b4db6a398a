// The human user aggregate as the domain sees it (camelCase; the repository maps rows once).
import type { ComplexityPolicy, LockoutPolicy } from './passwords.js';

export type UserState = 'initial' | 'active' | 'inactive' | 'locked' | 'deleted';
export type Gender = 0 | 1 | 2 | 3;

export interface User {
  id: string;
  orgId: string;
  kind: 'human' | 'machine';
  state: UserState;
  username: string;
  profile: {
    givenName: string;
    familyName: string;
    nickName: string;
    displayName: string;
    preferredLanguage: string;
    gender: Gender;
  };
  email: { email: string; isVerified: boolean };
  phone: { phone: string; isVerified: boolean };
  passwordHash: string | null;
  passwordChangeRequired: boolean;
  failedPasswordAttempts: number;
  sequence: number;
  changeDate: string;
  /** Query side only (`readUser`): the date of the user's first event. */
  creationDate?: string;
  /** Query side only (`readUser`): the date of the last `password.changed` event; absent when never set. */
  passwordChanged?: string;
}

export interface Organization {
  id: string;
  name: string;
  scopedUsernames: boolean;
}

export interface OrgPolicies {
  complexity: ComplexityPolicy;
  lockout: LockoutPolicy;
}

export interface Details {
  sequence: number;
  changeDate: string;
  resourceOwner: string;
  /** The date of the object's first event, where the answer carries it (GetUserByID). */
  creationDate?: string;
}

export interface PendingCode {
  codeHash: string;
  expiresAt: string;
}

export type EventType =
  | 'user.created'
  | 'username.changed'
  | 'profile.changed'
  | 'email.changed'
  | 'email.verified'
  | 'email.code.added'
  | 'phone.changed'
  | 'phone.verified'
  | 'phone.code.added'
  | 'phone.removed'
  | 'password.changed'
  | 'password.code.added'
  | 'password.check.failed'
  | 'user.locked'
  | 'email.verification.failed'
  | 'phone.verification.failed';

/** An event to append. Payloads never carry a password, hash or code. */
export interface NewEvent {
  type: EventType;
  payload: Record<string, unknown>;
}

/** Lower-cased username, prefixed by the org id when the org scopes usernames. */
export function usernameKey(username: string, org: Pick<Organization, 'id' | 'scopedUsernames'>): string {
  const lower = username.toLowerCase();
  return org.scopedUsernames ? `${org.id}:${lower}` : lower;
}

/** One entry of a user's event log, as read back (the audit trail; payloads carry no secrets). */
export interface UserEvent {
  /** Per-user, from 1, without gaps. */
  sequence: number;
  type: string;
  /** When it was written (RFC 3339 UTC). */
  creationDate: string;
  /** The user id of whoever made the change. */
  creator: string;
  payload: Record<string, unknown>;
}

/** Which events of a log to read: after (oldest first) or before (newest first) a sequence. */
export interface EventRange {
  order: 'asc' | 'desc';
  /** Exclusive bound in the direction of reading: asc reads sequence > it, desc sequence < it. */
  from?: number;
  limit: number;
}
