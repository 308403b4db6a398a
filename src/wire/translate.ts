// ZITADEL's protojson request bodies → the GraphQL operations' variables (spec §1). A pure
// translation: lowerCamelCase and snake_case names, unknown members ignored, null = absent,
// enums by name or number, `{}` for the empty messages that GraphQL models as Booleans, and
// protojson's defaults for absent required strings (so the shape rules report them upstream's way).
// Both faces use it: REST on the request body, gRPC on the request message's protojson (toJson).

/** A request that cannot be translated: 400 INVALID_ARGUMENT, after authentication. */
export class TranslationError extends Error {}

type Json = Record<string, unknown>;

/** A field of a message: its GraphQL name and how to translate the value. */
type FieldSpec =
  | { kind: 'scalar' }
  | { kind: 'message'; fields: MessageSpec }
  | { kind: 'empty' } // an empty message on the wire, a Boolean in GraphQL
  | { kind: 'enum'; values: readonly string[] };
type MessageSpec = { fields: Record<string, FieldSpec>; defaults?: Record<string, unknown> };

const scalar: FieldSpec = { kind: 'scalar' };
const empty: FieldSpec = { kind: 'empty' };
const message = (fields: Record<string, FieldSpec>, defaults?: Record<string, unknown>): FieldSpec => ({
  kind: 'message',
  fields: { fields, ...(defaults ? { defaults } : {}) },
});

export const GENDER_VALUES = ['GENDER_UNSPECIFIED', 'GENDER_FEMALE', 'GENDER_MALE', 'GENDER_DIVERSE'] as const;

const PROFILE_FIELDS: Record<string, FieldSpec> = {
  givenName: scalar,
  familyName: scalar,
  nickName: scalar,
  displayName: scalar,
  preferredLanguage: scalar,
  gender: { kind: 'enum', values: GENDER_VALUES },
};

const UPDATE_HUMAN_USER: MessageSpec = {
  fields: {
    username: scalar,
    profile: message(PROFILE_FIELDS, { givenName: '', familyName: '' }),
    email: message(
      { email: scalar, sendCode: message({ urlTemplate: scalar }), returnCode: empty, isVerified: scalar },
      { email: '' },
    ),
    phone: message({ phone: scalar, sendCode: empty, returnCode: empty, isVerified: scalar }),
    password: message({
      password: message({ password: scalar, changeRequired: scalar }, { password: '' }),
      hashedPassword: message({ hash: scalar, changeRequired: scalar }, { hash: '' }),
      currentPassword: scalar,
      verificationCode: scalar,
    }),
  },
};

const UPDATE_HUMAN_FIELDS = UPDATE_HUMAN_USER.fields;

/** UpdateUser: the human branch takes UpdateHumanUser's sections with every profile field optional. */
const UPDATE_USER: MessageSpec = {
  fields: {
    username: scalar,
    human: message({
      // No defaults: every profile field is optional here.
      profile: message(PROFILE_FIELDS),
      email: UPDATE_HUMAN_FIELDS.email as FieldSpec,
      phone: UPDATE_HUMAN_FIELDS.phone as FieldSpec,
      password: UPDATE_HUMAN_FIELDS.password as FieldSpec,
    }),
    machine: message({ name: scalar, description: scalar }),
  },
};

const PASSWORD_RESET: MessageSpec = {
  fields: {
    sendLink: message({ urlTemplate: scalar }),
    returnCode: empty,
  },
};

const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function translate(body: unknown, spec: MessageSpec, where: string): Json {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new TranslationError(`invalid value for message ${where}: expected a JSON object`);
  }
  const out: Json = { ...spec.defaults };
  for (const [rawName, value] of Object.entries(body as Json)) {
    const name = camel(rawName);
    const field = spec.fields[name];
    if (!field || value === null) continue; // unknown members are ignored; null means absent
    switch (field.kind) {
      case 'scalar':
        out[name] = value;
        break;
      case 'message':
        out[name] = translate(value, field.fields, name);
        break;
      case 'empty':
        if (typeof value !== 'object' || Array.isArray(value)) {
          throw new TranslationError(`invalid value for message ${name}: expected a JSON object`);
        }
        out[name] = true;
        break;
      case 'enum':
        if (typeof value === 'number') {
          const named = Number.isInteger(value) ? field.values[value] : undefined;
          if (named === undefined) throw new TranslationError(`invalid value for enum ${name}: ${value}`);
          out[name] = named;
        } else if (typeof value === 'string' && field.values.includes(value)) {
          out[name] = value;
        } else {
          throw new TranslationError(`invalid value for enum ${name}: ${JSON.stringify(value)}`);
        }
        break;
    }
  }
  return out;
}

/** UpdateHumanUser: the given userId (REST: the path's) wins over any in the body. */
export function updateHumanUserVariables(userId: string, body: unknown): { input: Json } {
  return { input: { ...translate(body, UPDATE_HUMAN_USER, 'UpdateHumanUserRequest'), userId } };
}

/** UpdateUser: the given userId (REST: the path's) wins over any in the body. */
export function updateUserVariables(userId: string, body: unknown): { input: Json } {
  return { input: { ...translate(body, UPDATE_USER, 'UpdateUserRequest'), userId } };
}

/** PasswordReset. */
export function passwordResetVariables(userId: string, body: unknown): { input: Json } {
  return { input: { ...translate(body, PASSWORD_RESET, 'PasswordResetRequest'), userId } };
}

// --- Issue 15: VerifyEmail, ResendEmailCode, VerifyPhone, ResendPhoneCode --------------------------

const VERIFY_CODE: MessageSpec = { fields: { verificationCode: scalar }, defaults: { verificationCode: '' } };
const RESEND_EMAIL_CODE: MessageSpec = { fields: { sendCode: message({ urlTemplate: scalar }), returnCode: empty } };
const RESEND_PHONE_CODE: MessageSpec = { fields: { sendCode: empty, returnCode: empty } };

/** A request of `spec` → `{ input }` with the given userId (REST: the path's). */
const variablesOf =
  (spec: MessageSpec, name: string) =>
  (userId: string, body: unknown): { input: Json } => ({ input: { ...translate(body, spec, name), userId } });

export const verifyEmailVariables = variablesOf(VERIFY_CODE, 'VerifyEmailRequest');
export const resendEmailCodeVariables = variablesOf(RESEND_EMAIL_CODE, 'ResendEmailCodeRequest');
export const verifyPhoneVariables = variablesOf(VERIFY_CODE, 'VerifyPhoneRequest');
export const resendPhoneCodeVariables = variablesOf(RESEND_PHONE_CODE, 'ResendPhoneCodeRequest');

/** Parses a request body as JSON; empty (or whitespace) is `{}`. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new TranslationError(`invalid JSON body: ${(error as Error).message}`);
  }
}
