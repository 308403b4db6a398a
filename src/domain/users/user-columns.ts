// The one mapping from domain field changes (camelCase) to user columns (snake_case).
import type { UserUpdate } from '../../db/types.js';
import type { User } from './model.js';

const flag = (v: boolean): 0 | 1 => (v ? 1 : 0);

/** Maps domain field changes onto columns (the one mapping between camelCase and snake_case). */
export function userColumns(change: {
  username?: string;
  usernameKey?: string;
  givenName?: string;
  familyName?: string;
  nickName?: string;
  displayName?: string;
  preferredLanguage?: string;
  gender?: number;
  email?: string;
  emailVerified?: boolean;
  phone?: string;
  phoneVerified?: boolean;
  passwordHash?: string;
  passwordChangeRequired?: boolean;
  failedPasswordAttempts?: number;
  state?: User['state'];
}): UserUpdate {
  const c: UserUpdate = {};
  if (change.username !== undefined) c.username = change.username;
  if (change.usernameKey !== undefined) c.username_key = change.usernameKey;
  if (change.givenName !== undefined) c.given_name = change.givenName;
  if (change.familyName !== undefined) c.family_name = change.familyName;
  if (change.nickName !== undefined) c.nick_name = change.nickName;
  if (change.displayName !== undefined) c.display_name = change.displayName;
  if (change.preferredLanguage !== undefined) c.preferred_language = change.preferredLanguage;
  if (change.gender !== undefined) c.gender = change.gender;
  if (change.email !== undefined) c.email = change.email;
  if (change.emailVerified !== undefined) c.email_verified = flag(change.emailVerified);
  if (change.phone !== undefined) c.phone = change.phone;
  if (change.phoneVerified !== undefined) c.phone_verified = flag(change.phoneVerified);
  if (change.passwordHash !== undefined) c.password_hash = change.passwordHash;
  if (change.passwordChangeRequired !== undefined) c.password_change_required = flag(change.passwordChangeRequired);
  if (change.failedPasswordAttempts !== undefined) c.failed_password_attempts = change.failedPasswordAttempts;
  if (change.state !== undefined) c.state = change.state;
  return c;
}
