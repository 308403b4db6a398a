// Shape rules of spec §1 as zod schemas, run by @pothos/plugin-validation on the mutation
// inputs. Messages follow upstream's protoc-gen-validate format, e.g.
//   invalid UpdateHumanUserRequest.Profile: embedded message failed validation | caused by:
//   invalid SetHumanProfile.GivenName: value length must be between 1 and 200 runes, inclusive
// Like upstream, the first failing rule (in proto field order) decides; two members of one
// "at most one of" group are reported before any field rule (upstream fails to decode them).
import { GraphQLError } from 'graphql';
import { z } from 'zod';
import { parseAddress } from '../domain/users/net-mail.js';
import { GRPC_CODES, httpStatusOf } from '../grpc-status.js';

/** Length in Unicode code points ("runes"), not UTF-16 units. */
export function runeCount(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

function runes(min: number, max: number) {
  const message =
    min > 0
      ? `value length must be between ${min} and ${max} runes, inclusive`
      : `value length must be at most ${max} runes`;
  return z.string().refine((s) => {
    const n = runeCount(s);
    return n >= min && n <= max;
  }, message);
}

/**
 * protoc-gen-validate's `email: true`: Go's `mail.ParseAddress` (display names allowed; the
 * domain rule refuses them later), then at most 254 bytes for the address and 64 for its local
 * part, then the host labels. The reason is PGV's (or Go's parser's) own text.
 */
export function emailShapeReason(value: string): string | undefined {
  const parsed = parseAddress(value);
  if (!parsed.ok) return parsed.error;
  const address = parsed.value.address;
  if (Buffer.byteLength(address) > 254) return 'email addresses cannot exceed 254 characters';
  const at = address.indexOf('@');
  if (Buffer.byteLength(address.slice(0, at)) > 64) return 'email address local phrase cannot exceed 64 characters';
  return hostnameReason(address.slice(at + 1));
}

/** PGV's hostname rule (lower-cased, one trailing dot allowed; lengths in bytes). */
function hostnameReason(host: string): string | undefined {
  if (Buffer.byteLength(host) > 253) return 'hostname cannot exceed 253 characters';
  const labels = host.replace(/\.$/, '').toLowerCase().split('.');
  for (const label of labels) {
    const bytes = Buffer.byteLength(label);
    if (bytes === 0 || bytes > 63) return 'hostname part must be non-empty and cannot exceed 63 characters';
    if (label.startsWith('-')) return 'hostname parts cannot begin with hyphens';
    if (label.endsWith('-')) return 'hostname parts cannot end with hyphens';
    const bad = [...label].find((c) => !/[a-z0-9-]/.test(c));
    if (bad !== undefined)
      return `hostname parts can only contain alphanumeric characters or hyphens, got ${JSON.stringify(bad)}`;
  }
  return undefined;
}

const emailAddress = runes(1, 200).superRefine((value, ctx) => {
  const reason = emailShapeReason(value);
  if (reason !== undefined)
    ctx.addIssue({ code: 'custom', message: `value must be a valid email address | caused by: ${reason}` });
});

const opt = <T extends z.ZodType>(schema: T) => schema.nullish();

const profile = z.object({
  givenName: runes(1, 200),
  familyName: runes(1, 200),
  nickName: opt(runes(0, 200)),
  displayName: opt(runes(0, 200)),
  preferredLanguage: opt(runes(0, 10)),
  // GraphQL has already checked the enum name; the resolver sees its value, 0–3.
  gender: opt(z.number().int().min(0).max(3)),
});

const email = z.object({
  email: emailAddress,
  sendCode: opt(z.object({ urlTemplate: opt(runes(1, 200)) })),
  returnCode: opt(z.boolean()),
  isVerified: opt(z.boolean()),
});

const phone = z.object({
  phone: opt(runes(0, 200)),
  sendCode: opt(z.boolean()),
  returnCode: opt(z.boolean()),
  isVerified: opt(z.literal(true, { error: 'value must equal true' })),
});

const password = z.object({
  password: opt(z.object({ password: runes(1, 200), changeRequired: opt(z.boolean()) })),
  hashedPassword: opt(z.object({ hash: runes(1, 200), changeRequired: opt(z.boolean()) })),
  currentPassword: opt(runes(1, 200)),
  verificationCode: opt(runes(1, 20)),
});

const updateHumanUser = z.object({
  userId: runes(1, 200),
  username: opt(runes(1, 200)),
  profile: opt(profile),
  email: opt(email),
  phone: opt(phone),
  password: opt(password),
  expectedSequence: opt(z.string().regex(/^[0-9]{1,15}$/, 'value must be a non-negative integer')),
});

const passwordReset = z.object({
  userId: runes(1, 200),
  sendLink: opt(z.object({ urlTemplate: opt(runes(1, 200)) })),
  returnCode: opt(z.boolean()),
});

type Issue = { message: string; path: PropertyKey[] };

/** "At most one of" groups: [path to the object, proto oneof name, members]. */
type OneofGroup = { at: string[]; name: string; members: string[] };
const UPDATE_ONEOFS: OneofGroup[] = [
  { at: ['email'], name: 'verification', members: ['sendCode', 'returnCode', 'isVerified'] },
  { at: ['phone'], name: 'verification', members: ['sendCode', 'returnCode', 'isVerified'] },
  { at: ['password'], name: 'passwordType', members: ['password', 'hashedPassword'] },
  { at: ['password'], name: 'verification', members: ['currentPassword', 'verificationCode'] },
];
const RESET_ONEOFS: OneofGroup[] = [{ at: [], name: 'medium', members: ['sendLink', 'returnCode'] }];

function oneofIssue(value: unknown, groups: OneofGroup[]): Issue | undefined {
  for (const group of groups) {
    let target: unknown = value;
    for (const key of group.at) target = (target as Record<string, unknown> | null | undefined)?.[key];
    if (target === null || typeof target !== 'object') continue;
    const present = group.members.filter((m) => (target as Record<string, unknown>)[m] != null);
    if (present.length > 1) {
      return {
        path: [...group.at, group.name],
        message: `only one of ${group.members.join(', ')} may be set, got ${present.join(' and ')}`,
      };
    }
  }
  return undefined;
}

/** Proto message names of nested fields, keyed by "<parent message>.<field>". */
const CHILD_MESSAGES: Record<string, string> = {
  'UpdateHumanUserRequest.profile': 'SetHumanProfile',
  'UpdateHumanUserRequest.email': 'SetHumanEmail',
  'UpdateHumanUserRequest.phone': 'SetHumanPhone',
  'UpdateHumanUserRequest.password': 'SetPassword',
  'SetHumanEmail.sendCode': 'SendEmailVerificationCode',
  'SetPassword.password': 'Password',
  'SetPassword.hashedPassword': 'HashedPassword',
  'PasswordResetRequest.sendLink': 'SendPasswordResetLink',
  // UpdateUser: nested messages are named as protoc-gen-validate's Go types name them.
  'UpdateUserRequest.human': 'UpdateUserRequest_Human',
  'UpdateUserRequest.machine': 'UpdateUserRequest_Machine',
  'UpdateUserRequest_Human.profile': 'UpdateUserRequest_Human_Profile',
  'UpdateUserRequest_Human.email': 'SetHumanEmail',
  'UpdateUserRequest_Human.phone': 'SetHumanPhone',
  'UpdateUserRequest_Human.password': 'SetPassword',
  'ResendEmailCodeRequest.sendCode': 'SendEmailVerificationCode',
};

const goName = (field: string) => field.charAt(0).toUpperCase() + field.slice(1);

/** Composes upstream's nested message for an issue at `path` below the root message. */
export function upstreamMessage(root: string, path: readonly PropertyKey[], message: string): string {
  let prefix = '';
  let current = root;
  const keys = path.map(String);
  for (const key of keys.slice(0, -1)) {
    prefix += `invalid ${current}.${goName(key)}: embedded message failed validation | caused by: `;
    current = CHILD_MESSAGES[`${current}.${key}`] ?? goName(key);
  }
  const last = keys[keys.length - 1];
  return last === undefined
    ? `invalid ${current}: ${message}`
    : `${prefix}invalid ${current}.${goName(last)}: ${message}`;
}

/**
 * A Standard Schema for one root input: the oneof groups first, then the zod rules; exactly
 * one issue (the first), its message already in upstream form.
 */
function rootSchema(root: string, schema: z.ZodType, oneofs: OneofGroup[]) {
  return {
    '~standard': {
      version: 1 as const,
      vendor: 'user-gateway',
      validate(value: unknown) {
        const oneof = oneofIssue(value, oneofs);
        if (oneof) return { issues: [{ message: upstreamMessage(root, oneof.path, oneof.message), path: oneof.path }] };
        const result = schema.safeParse(value);
        if (result.success) return { value };
        const first = result.error.issues[0] as Issue;
        return { issues: [{ message: upstreamMessage(root, first.path, first.message), path: first.path }] };
      },
    },
  };
}

/** One top-level field of a request message, e.g. GetUserByIDRequest.UserId (an argument, not an input). */
function fieldSchema(root: string, field: string, schema: z.ZodType) {
  return {
    '~standard': {
      version: 1 as const,
      vendor: 'user-gateway',
      validate(value: unknown) {
        const result = schema.safeParse(value);
        if (result.success) return { value };
        const first = result.error.issues[0] as Issue;
        return { issues: [{ message: upstreamMessage(root, [field, ...first.path], first.message), path: [] }] };
      },
    },
  };
}

/** GetUserByID's `userId` argument: 1–200 runes, a 400 before any lookup. */
export const getUserByIdUserIdSchema = fieldSchema('GetUserByIDRequest', 'userId', runes(1, 200));

export const updateHumanUserInputSchema = rootSchema('UpdateHumanUserRequest', updateHumanUser, UPDATE_ONEOFS);
export const passwordResetInputSchema = rootSchema('PasswordResetRequest', passwordReset, RESET_ONEOFS);

// --- UpdateUser: the human branch reuses UpdateHumanUser's sections with every profile field optional.

const updateUserProfile = z.object({
  givenName: opt(runes(1, 200)),
  familyName: opt(runes(1, 200)),
  nickName: opt(runes(0, 200)),
  displayName: opt(runes(0, 200)),
  preferredLanguage: opt(runes(0, 10)),
  gender: opt(z.number().int().min(0).max(3)),
});

const updateUser = z.object({
  userId: runes(1, 200),
  username: opt(runes(1, 200)),
  human: opt(
    z.object({ profile: opt(updateUserProfile), email: opt(email), phone: opt(phone), password: opt(password) }),
  ),
  machine: opt(z.object({ name: opt(runes(1, 200)), description: opt(runes(0, 500)) })),
});

const UPDATE_USER_ONEOFS: OneofGroup[] = [
  { at: [], name: 'userType', members: ['human', 'machine'] },
  ...UPDATE_ONEOFS.map((group) => ({ ...group, at: ['human', ...group.at] })),
];

export const updateUserInputSchema = rootSchema('UpdateUserRequest', updateUser, UPDATE_USER_ONEOFS);

/** The plugin's failure → the contract's 400 (code 3, no error id, no details). */
export function shapeValidationError(issues: readonly { message: string }[]): GraphQLError {
  return new GraphQLError(issues[0]?.message ?? 'invalid request', {
    extensions: {
      code: 'INVALID_ARGUMENT',
      http: { status: httpStatusOf(GRPC_CODES.INVALID_ARGUMENT) },
    },
  });
}

// --- Issue 15: VerifyEmail, ResendEmailCode, VerifyPhone, ResendPhoneCode -------------------------

const verifyCode = z.object({ userId: runes(1, 200), verificationCode: runes(1, 20) });
const RESEND_ONEOFS: OneofGroup[] = [{ at: [], name: 'verification', members: ['sendCode', 'returnCode'] }];

export const verifyEmailInputSchema = rootSchema('VerifyEmailRequest', verifyCode, []);
export const verifyPhoneInputSchema = rootSchema('VerifyPhoneRequest', verifyCode, []);
export const resendEmailCodeInputSchema = rootSchema(
  'ResendEmailCodeRequest',
  z.object({
    userId: runes(1, 200),
    sendCode: opt(z.object({ urlTemplate: opt(runes(1, 200)) })),
    returnCode: opt(z.boolean()),
  }),
  RESEND_ONEOFS,
);
export const resendPhoneCodeInputSchema = rootSchema(
  'ResendPhoneCodeRequest',
  z.object({ userId: runes(1, 200), sendCode: opt(z.boolean()), returnCode: opt(z.boolean()) }),
  RESEND_ONEOFS,
);
