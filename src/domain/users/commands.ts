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
