// The user operations' commands and results: what a face hands the domain and gets back. The
// upstream implementation of the operations (issue 18) takes and returns the same types.
import type { Details, Gender } from './model.js';

export type EmailVerification =
  | { kind: 'sendCode'; urlTemplate?: string }
  | { kind: 'returnCode' }
  | { kind: 'isVerified'; value: boolean };

export type PhoneVerification = { kind: 'sendCode' } | { kind: 'returnCode' } | { kind: 'isVerified' };

export interface ProfileCommand {
  givenName: string;
  familyName: string;
  nickName?: string;
  displayName?: string;
  preferredLanguage?: string;
  gender?: Gender;
}

export interface EmailCommand {
  email: string;
  verification?: EmailVerification;
}

export interface PhoneCommand {
  phone?: string;
  verification?: PhoneVerification;
}

export interface PasswordCommand {
  password?: { password: string; changeRequired?: boolean };
  hashedPassword?: { hash: string; changeRequired?: boolean };
  currentPassword?: string;
  verificationCode?: string;
}

export interface UpdateHumanUserCommand {
  userId: string;
  username?: string;
  profile?: ProfileCommand;
  email?: EmailCommand;
  phone?: PhoneCommand;
  password?: PasswordCommand;
  /** Optimistic concurrency beyond upstream: fail unless the user is at this sequence. */
  expectedSequence?: number;
}

export interface UpdateHumanUserResult {
  details: Details;
  emailCode?: string;
  phoneCode?: string;
}

export interface PasswordResetCommand {
  userId: string;
  delivery: { kind: 'returnCode' } | { kind: 'sendLink'; urlTemplate?: string };
}

export interface PasswordResetResult {
  details: Details;
  verificationCode?: string;
}

/** UpdateUser's profile: every member optional; only the named ones change. */
export type ProfilePatch = Partial<ProfileCommand>;

/** What UpdateUser may change on a human user (its `human` branch). */
export interface UpdateUserHumanCommand {
  profile?: ProfilePatch;
  email?: EmailCommand;
  /** An empty (or absent) number without a verification removes the phone. */
  phone?: PhoneCommand;
  password?: PasswordCommand;
}

/** UpdateUser's `machine` branch (refused by the embedded store: it does not manage machine users). */
export interface UpdateUserMachineCommand {
  name?: string;
  description?: string;
}

export interface UpdateUserCommand {
  userId: string;
  username?: string;
  /** At most one of `human` and `machine` (upstream's oneof `user_type`). */
  human?: UpdateUserHumanCommand;
  machine?: UpdateUserMachineCommand;
}

/** UpdateUser answers the change date only (upstream's UpdateUserResponse has no `details`). */
export interface UpdateUserResult {
  changeDate: string;
  emailCode?: string;
  phoneCode?: string;
}
