// The human user family: HumanUser and Details, Query.user / Query.userById, and the two
// mutations of spec §6 (updateHumanUser, passwordReset) with their inputs.
import type {
  Details,
  Gender as DomainGender,
  EmailVerification,
  PhoneVerification,
  UpdateHumanUserCommand,
  User,
} from '../operations.js';
import { builder } from './builder.js';
import { getUserByIdUserIdSchema, passwordResetInputSchema, updateHumanUserInputSchema } from './validation.js';

export const Gender = builder.enumType('Gender', {
  description: 'Gender of a human user, as in ZITADEL (`GENDER_UNSPECIFIED` = 0 … `GENDER_DIVERSE` = 3).',
  values: {
    GENDER_UNSPECIFIED: { value: 0, description: 'Not given (0).' },
    GENDER_FEMALE: { value: 1, description: 'Female (1).' },
    GENDER_MALE: { value: 2, description: 'Male (2).' },
    GENDER_DIVERSE: { value: 3, description: 'Diverse (3).' },
  } as const,
});

export const UserState = builder.enumType('UserState', {
  description: "Lifecycle state of a user, as in ZITADEL's `zitadel.user.v2.UserState`.",
  values: {
    USER_STATE_ACTIVE: { value: 'active', description: 'The user can log in and be changed.' },
    USER_STATE_INACTIVE: { value: 'inactive', description: 'Deactivated by an administrator.' },
    USER_STATE_DELETED: { value: 'deleted', description: 'Deleted; never returned by this API.' },
    USER_STATE_LOCKED: { value: 'locked', description: 'Locked, e.g. after too many failed password checks.' },
    USER_STATE_INITIAL: { value: 'initial', description: 'Created without credentials and not yet initialised.' },
  } as const,
});

export const DetailsRef = builder.objectRef<Details>('Details').implement({
  description: "Where the user's event log stands after the operation (ZITADEL's `zitadel.object.v2.Details`).",
  fields: (t) => ({
    sequence: t.string({
      description: "The user's event sequence (uint64 as a string); 1 at creation, +1 per change event.",
      resolve: (d) => String(d.sequence),
    }),
    changeDate: t.field({
      type: 'DateTime',
      description: 'Time of the event that produced `sequence`.',
      resolve: (d) => d.changeDate,
    }),
    resourceOwner: t.id({ description: "The user's organization id.", resolve: (d) => d.resourceOwner }),
    creationDate: t.field({
      type: 'DateTime',
      nullable: true,
      description: "Time of the object's first event (the user's creation); set on a user's own `details` only.",
      resolve: (d) => d.creationDate ?? null,
    }),
  }),
});

const HumanProfileRef = builder.objectRef<User['profile']>('HumanProfile').implement({
  description: 'Name, language and gender of a human user.',
  fields: (t) => ({
    givenName: t.exposeString('givenName', { description: 'Given (first) name.' }),
    familyName: t.exposeString('familyName', { description: 'Family (last) name.' }),
    nickName: t.exposeString('nickName', { description: 'Nickname; empty when not set.' }),
    displayName: t.exposeString('displayName', { description: 'Display name; empty when not set.' }),
    preferredLanguage: t.exposeString('preferredLanguage', {
      description: 'Preferred language as a BCP 47 tag; `und` when unknown.',
    }),
    gender: t.field({ type: Gender, description: 'Gender.', resolve: (p) => p.gender as DomainGender }),
  }),
});

const HumanEmailRef = builder.objectRef<User['email']>('HumanEmail').implement({
  description: "A human user's email address.",
  fields: (t) => ({
    email: t.exposeString('email', { description: 'The address, exactly as it was set.' }),
    isVerified: t.exposeBoolean('isVerified', { description: 'Whether the address has been verified.' }),
  }),
});

const HumanPhoneRef = builder.objectRef<User['phone']>('HumanPhone').implement({
  description: "A human user's phone number.",
  fields: (t) => ({
    phone: t.exposeString('phone', { description: 'The number in E.164 form; empty when not set.' }),
    isVerified: t.exposeBoolean('isVerified', { description: 'Whether the number has been verified.' }),
  }),
});

export const HumanUserRef = builder.objectRef<User>('HumanUser').implement({
  description: 'A human user as the caller is allowed to see it.',
  fields: (t) => ({
    userId: t.exposeID('id', { description: 'The user id.' }),
    state: t.field({ type: UserState, description: 'Lifecycle state.', resolve: (u) => u.state }),
    username: t.exposeString('username', { description: 'The username, exactly as it was set.' }),
    resourceOwner: t.exposeID('orgId', { description: "The user's organization id." }),
    details: t.field({
      type: DetailsRef,
      description: "Where the user's event log stands.",
      resolve: (u) => ({
        sequence: u.sequence,
        changeDate: u.changeDate,
        resourceOwner: u.orgId,
        ...(u.creationDate ? { creationDate: u.creationDate } : {}),
      }),
    }),
    profile: t.field({ type: HumanProfileRef, description: 'Profile.', resolve: (u) => u.profile }),
    email: t.field({ type: HumanEmailRef, description: 'Email address.', resolve: (u) => u.email }),
    phone: t.field({ type: HumanPhoneRef, description: 'Phone number.', resolve: (u) => u.phone }),
    passwordChangeRequired: t.exposeBoolean('passwordChangeRequired', {
      description: 'Whether the user must change the password at the next login.',
    }),
    passwordChanged: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Time of the last password change; null when no password was ever set by a change.',
      resolve: (u) => u.passwordChanged ?? null,
    }),
  }),
});

builder.queryFields((t) => ({
  user: t.field({
    type: HumanUserRef,
    nullable: true,
    description:
      'A human user by id; null when it does not exist, is deleted, is a machine user, or is not visible to the caller.',
    args: { userId: t.arg.id({ required: true, description: 'The user id.' }) },
    resolve: (_root, args, ctx) => ctx.operations.getUser(args.userId),
  }),
  userById: t.field({
    type: HumanUserRef,
    description:
      "Like `user`, but answers ZITADEL GetUserByID's errors (NOT_FOUND `QUERY-Dfbg2`, `AUTHZ-cdgFk`, PERMISSION_DENIED) instead of null. Used by the REST adapter's `GET /v2/users/{userId}`.",
    args: {
      userId: t.arg.id({
        required: true,
        description: 'The user id, 1–200 characters.',
        validate: getUserByIdUserIdSchema,
      }),
    },
    resolve: (_root, args, ctx) => ctx.operations.getUserById(args.userId),
  }),
}));

// --- updateHumanUser ---------------------------------------------------------------------------

type SchemaTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** The profile's optional fields, the same on updateHumanUser and updateUser. */
export function optionalProfileFields(t: PothosSchemaTypes.InputFieldBuilder<SchemaTypes, 'InputObject'>) {
  return {
    nickName: t.string({ description: 'Nickname, at most 200 characters; `""` clears it.' }),
    displayName: t.string({ description: 'Display name, at most 200 characters; `""` clears it.' }),
    preferredLanguage: t.string({
      description: 'BCP 47 language tag, at most 10 characters; an ill-formed tag is stored as `und`.',
    }),
    gender: t.field({ type: Gender, description: 'Gender.' }),
  };
}

const SetHumanProfileInput = builder.inputType('SetHumanProfileInput', {
  description: 'The profile; when present, given and family name are required and always applied.',
  fields: (t) => ({
    givenName: t.string({ required: true, description: 'Given name, 1–200 characters.' }),
    familyName: t.string({ required: true, description: 'Family name, 1–200 characters.' }),
    ...optionalProfileFields(t),
  }),
});

export const SendEmailVerificationCodeInput = builder.inputType('SendEmailVerificationCodeInput', {
  description: 'Send the verification code by email.',
  fields: (t) => ({
    urlTemplate: t.string({
      description:
        'Link template (Go text/template) with `{{.UserID}}`, `{{.Code}}` and `{{.OrgID}}`; 1–200 characters. Default: the instance template.',
    }),
  }),
});

export const SetHumanEmailInput = builder.inputType('SetHumanEmailInput', {
  description: 'A new email address and how to verify it: at most one of `sendCode`, `returnCode`, `isVerified`.',
  fields: (t) => ({
    email: t.string({ required: true, description: 'The address, 1–200 characters; stored as sent.' }),
    sendCode: t.field({
      type: SendEmailVerificationCodeInput,
      description: 'Email a verification code (also the default when no option is given).',
    }),
    returnCode: t.boolean({
      description: 'Return the code as `emailCode` instead of sending it (present = requested). Needs `user.write`.',
    }),
    isVerified: t.boolean({ description: 'Mark the address verified without a code (`true`). Needs `user.write`.' }),
  }),
});

export const SetHumanPhoneInput = builder.inputType('SetHumanPhoneInput', {
  description: 'A new phone number and how to verify it: at most one of `sendCode`, `returnCode`, `isVerified`.',
  fields: (t) => ({
    phone: t.string({
      description: 'The number, at most 200 characters, parsed with default region CH; empty never removes it.',
    }),
    sendCode: t.boolean({ description: 'Send the code by SMS (present = requested; the default).' }),
    returnCode: t.boolean({
      description: 'Return the code as `phoneCode` instead of sending it (present = requested). Needs `user.write`.',
    }),
    isVerified: t.boolean({ description: 'Mark the number verified; must be `true` when given. Needs `user.write`.' }),
  }),
});

const PasswordInput = builder.inputType('PasswordInput', {
  description: 'A new plain password, checked against the complexity policy and hashed with bcrypt.',
  fields: (t) => ({
    password: t.string({ required: true, description: 'The password, 1–200 characters (at most 72 bytes).' }),
    changeRequired: t.boolean({ description: 'Require a change at the next login.' }),
  }),
});

const HashedPasswordInput = builder.inputType('HashedPasswordInput', {
  description: 'An existing bcrypt hash to import.',
  fields: (t) => ({
    hash: t.string({
      required: true,
      description: 'bcrypt in Modular Crypt Format (`$2a$`, `$2b$`, `$2y$`), cost 10–16.',
    }),
    changeRequired: t.boolean({ description: 'Require a change at the next login.' }),
  }),
});

export const SetPasswordInput = builder.inputType('SetPasswordInput', {
  description:
    'A new password: one of `password` or `hashedPassword`, verified by at most one of `currentPassword` or `verificationCode` (neither needs `user.write`, even for oneself).',
  fields: (t) => ({
    password: t.field({ type: PasswordInput, description: 'A new plain password.' }),
    hashedPassword: t.field({ type: HashedPasswordInput, description: 'A bcrypt hash to import.' }),
    currentPassword: t.string({ description: 'The current password, 1–200 characters.' }),
    verificationCode: t.string({ description: 'A pending password-reset code, 1–20 characters.' }),
  }),
});

const UpdateHumanUserInput = builder.inputType('UpdateHumanUserInput', {
  description: 'What to change on a human user; absent members stay as they are.',
  fields: (t) => ({
    userId: t.id({ required: true, description: 'The user to change, 1–200 characters.' }),
    username: t.string({ description: 'New username, 1–200 characters, unique case-insensitively.' }),
    profile: t.field({ type: SetHumanProfileInput, description: 'New profile.' }),
    email: t.field({ type: SetHumanEmailInput, description: 'New email address.' }),
    phone: t.field({ type: SetHumanPhoneInput, description: 'New phone number.' }),
    password: t.field({ type: SetPasswordInput, description: 'New password.' }),
    expectedSequence: t.string({
      description:
        'Beyond upstream: apply only if the user is still at this sequence (`details.sequence`), else FAILED_PRECONDITION `GATEWAY-SEQ412`.',
    }),
  }),
  validate: updateHumanUserInputSchema,
});

/** `emailCode` and `phoneCode` of a payload: the codes generated when `returnCode` was asked. */
export function verificationCodeFields<P extends { emailCode?: string; phoneCode?: string }>(
  t: PothosSchemaTypes.ObjectFieldBuilder<SchemaTypes, P>,
) {
  return {
    emailCode: t.string({
      nullable: true,
      description: 'The email verification code, only when one was generated and `returnCode` was asked.',
      resolve: (p) => p.emailCode ?? null,
    }),
    phoneCode: t.string({
      nullable: true,
      description: 'The phone verification code, only when one was generated and `returnCode` was asked.',
      resolve: (p) => p.phoneCode ?? null,
    }),
  };
}

const UpdateHumanUserPayload = builder
  .objectRef<{ details: Details; emailCode?: string; phoneCode?: string }>('UpdateHumanUserPayload')
  .implement({
    description: 'Result of `updateHumanUser`.',
    fields: (t) => ({
      details: t.field({ type: DetailsRef, description: 'Details after the write.', resolve: (p) => p.details }),
      ...verificationCodeFields(t),
    }),
  });

type UpdateInput = typeof UpdateHumanUserInput.$inferInput;

/** GraphQL input → domain command; `null` counts as absent, a present Boolean flag as "sent". */
export function toUpdateCommand(input: UpdateInput): UpdateHumanUserCommand {
  const cmd: UpdateHumanUserCommand = { userId: input.userId };
  if (input.username != null) cmd.username = input.username;
  if (input.profile != null) {
    const p = input.profile;
    cmd.profile = { givenName: p.givenName, familyName: p.familyName };
    if (p.nickName != null) cmd.profile.nickName = p.nickName;
    if (p.displayName != null) cmd.profile.displayName = p.displayName;
    if (p.preferredLanguage != null) cmd.profile.preferredLanguage = p.preferredLanguage;
    if (p.gender != null) cmd.profile.gender = p.gender as DomainGender;
  }
  if (input.email != null) {
    const e = input.email;
    let verification: EmailVerification | undefined;
    if (e.sendCode != null) {
      verification = { kind: 'sendCode' };
      if (e.sendCode.urlTemplate != null) verification.urlTemplate = e.sendCode.urlTemplate;
    } else if (e.returnCode != null) verification = { kind: 'returnCode' };
    else if (e.isVerified != null) verification = { kind: 'isVerified', value: e.isVerified };
    cmd.email = verification ? { email: e.email, verification } : { email: e.email };
  }
  if (input.phone != null) {
    const p = input.phone;
    let verification: PhoneVerification | undefined;
    if (p.sendCode != null) verification = { kind: 'sendCode' };
    else if (p.returnCode != null) verification = { kind: 'returnCode' };
    else if (p.isVerified != null) verification = { kind: 'isVerified' };
    cmd.phone = {};
    if (p.phone != null) cmd.phone.phone = p.phone;
    if (verification) cmd.phone.verification = verification;
  }
  if (input.password != null) {
    const p = input.password;
    cmd.password = {};
    if (p.password != null) {
      cmd.password.password = { password: p.password.password };
      if (p.password.changeRequired != null) cmd.password.password.changeRequired = p.password.changeRequired;
    }
    if (p.hashedPassword != null) {
      cmd.password.hashedPassword = { hash: p.hashedPassword.hash };
      if (p.hashedPassword.changeRequired != null) {
        cmd.password.hashedPassword.changeRequired = p.hashedPassword.changeRequired;
      }
    }
    if (p.currentPassword != null) cmd.password.currentPassword = p.currentPassword;
    if (p.verificationCode != null) cmd.password.verificationCode = p.verificationCode;
  }
  if (input.expectedSequence != null) cmd.expectedSequence = Number(input.expectedSequence);
  return cmd;
}

builder.mutationFields((t) => ({
  updateHumanUser: t.field({
    type: UpdateHumanUserPayload,
    description:
      "ZITADEL's UpdateHumanUser (`PUT /v2/users/human/{userId}`): changes username, profile, email, phone and password in one atomic write.",
    args: { input: t.arg({ type: UpdateHumanUserInput, required: true, description: 'What to change.' }) },
    resolve: (_root, args, ctx) => ctx.operations.updateHumanUser(toUpdateCommand(args.input)),
  }),
}));

// --- passwordReset -----------------------------------------------------------------------------

const SendPasswordResetLinkInput = builder.inputType('SendPasswordResetLinkInput', {
  description: 'Send the reset link by email.',
  fields: (t) => ({
    urlTemplate: t.string({
      description:
        'Link template (Go text/template) with `{{.UserID}}`, `{{.Code}}` and `{{.OrgID}}`; 1–200 characters. Default: the instance template.',
    }),
  }),
});

const PasswordResetInput = builder.inputType('PasswordResetInput', {
  description: 'Request a password-reset code: at most one of `sendLink` (the default) and `returnCode`.',
  fields: (t) => ({
    userId: t.id({ required: true, description: 'The user, 1–200 characters.' }),
    sendLink: t.field({ type: SendPasswordResetLinkInput, description: 'Email a reset link (the default).' }),
    returnCode: t.boolean({
      description: 'Return the code as `verificationCode` instead (present = requested). Needs `user.write`.',
    }),
  }),
  validate: passwordResetInputSchema,
});

const PasswordResetPayload = builder
  .objectRef<{ details: Details; verificationCode?: string }>('PasswordResetPayload')
  .implement({
    description: 'Result of `passwordReset`.',
    fields: (t) => ({
      details: t.field({ type: DetailsRef, description: 'Details after the write.', resolve: (p) => p.details }),
      verificationCode: t.string({
        nullable: true,
        description: 'The reset code, only when `returnCode` was asked.',
        resolve: (p) => p.verificationCode ?? null,
      }),
    }),
  });

builder.mutationFields((t) => ({
  passwordReset: t.field({
    type: PasswordResetPayload,
    description:
      "ZITADEL's PasswordReset (`POST /v2/users/{userId}/password_reset`): creates a reset code valid for 1 hour, replacing any earlier one.",
    args: { input: t.arg({ type: PasswordResetInput, required: true, description: 'Whom and how.' }) },
    resolve: (_root, args, ctx) => {
      const input = args.input;
      const delivery =
        input.returnCode != null
          ? ({ kind: 'returnCode' } as const)
          : input.sendLink?.urlTemplate != null
            ? ({ kind: 'sendLink', urlTemplate: input.sendLink.urlTemplate } as const)
            : ({ kind: 'sendLink' } as const);
      return ctx.operations.passwordReset({ userId: input.userId, delivery });
    },
  }),
}));
