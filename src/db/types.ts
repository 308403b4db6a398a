// Row types of the tables created in db/migrations. Booleans are stored as 0/1 integers and
// times as RFC 3339 UTC text so that the same code runs on SQLite and PostgreSQL.
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export type DbBool = 0 | 1;

export interface OrganizationsTable {
  id: string;
  name: string;
  scoped_usernames: DbBool;
  created_at: string;
}

export interface OrgDomainsTable {
  domain: string;
  org_id: string;
  verified: DbBool;
}

export interface OrgPoliciesTable {
  org_id: string;
  min_length: number | null;
  has_lowercase: DbBool | null;
  has_uppercase: DbBool | null;
  has_number: DbBool | null;
  has_symbol: DbBool | null;
  max_password_attempts: number | null;
}

export interface UsersTable {
  id: string;
  org_id: string;
  kind: 'human' | 'machine';
  state: 'initial' | 'active' | 'inactive' | 'locked' | 'deleted';
  username: string;
  username_key: string | null;
  given_name: Generated<string>;
  family_name: Generated<string>;
  nick_name: Generated<string>;
  display_name: Generated<string>;
  preferred_language: Generated<string>;
  gender: Generated<number>;
  email: Generated<string>;
  email_verified: Generated<DbBool>;
  phone: Generated<string>;
  phone_verified: Generated<DbBool>;
  password_hash: string | null;
  password_change_required: Generated<DbBool>;
  failed_password_attempts: Generated<number>;
  sequence: number;
  change_date: string;
  created_at: string;
}

export interface UserEventsTable {
  user_id: string;
  sequence: number;
  type: string;
  payload: string;
  creator: string;
  resource_owner: string;
  created_at: string;
}

export interface RoleGrantsTable {
  id: string;
  user_id: string;
  role: string;
  org_id: string | null;
  created_at: string;
}

export interface AccessTokensTable {
  id: string;
  token_hash: string;
  user_id: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface VerificationCodesTable {
  user_id: string;
  kind: 'email' | 'phone' | 'password_reset';
  code_hash: string;
  url_template: string | null;
  created_at: string;
  expires_at: string;
}

export interface NotificationOutboxTable {
  id: string;
  user_id: string;
  org_id: string;
  kind: 'email_verification' | 'phone_verification' | 'password_reset';
  channel: 'email' | 'sms';
  recipient: string;
  language: string;
  payload: string;
  status: Generated<'pending' | 'sending' | 'sent' | 'dead'>;
  attempts: Generated<number>;
  next_attempt_at: string;
  claimed_by: string | null;
  claimed_at: string | null;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

/** Rate-limit hits per key and fixed window (PostgreSQL; src/http/window-counter.ts). */
export interface RateLimitHitsTable {
  key: string;
  window_index: number;
  hits: number;
}

export interface Database {
  organizations: OrganizationsTable;
  org_domains: OrgDomainsTable;
  org_policies: OrgPoliciesTable;
  users: UsersTable;
  user_events: UserEventsTable;
  role_grants: RoleGrantsTable;
  access_tokens: AccessTokensTable;
  verification_codes: VerificationCodesTable;
  notification_outbox: NotificationOutboxTable;
  rate_limit_hits: RateLimitHitsTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type OutboxRow = Selectable<NotificationOutboxTable>;
