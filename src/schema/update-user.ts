// UpdateUser (issue 15): upstream's successor of UpdateHumanUser (`PATCH /v2/users/{userId}`).
// The human branch takes the same email, phone and password inputs as updateHumanUser, a profile
// whose every field is optional, and removes the phone when it is sent empty without a
// verification; the machine branch is refused (the embedded store does not manage machine users).
import type { Gender as DomainGender, UpdateUserCommand } from '../operations.js';
import { builder } from './builder.js';
import {
  optionalProfileFields,
  SetHumanEmailInput,
  SetHumanPhoneInput,
  SetPasswordInput,
  toUpdateCommand,
  verificationCodeFields,
} from './user.js';
import { updateUserInputSchema } from './validation.js';

const UpdateUserHumanProfileInput = builder.inputType('UpdateUserHumanProfileInput', {
  description: 'Profile changes: every field optional; only the fields given change.',
  fields: (t) => ({
    givenName: t.string({ description: 'Given name, 1–200 characters.' }),
    familyName: t.string({ description: 'Family name, 1–200 characters.' }),
    ...optionalProfileFields(t),
  }),
});

const UpdateUserHumanInput = builder.inputType('UpdateUserHumanInput', {
  description: 'What to change on a human user; absent members stay as they are.',
  fields: (t) => ({
    profile: t.field({ type: UpdateUserHumanProfileInput, description: 'Profile changes.' }),
    email: t.field({ type: SetHumanEmailInput, description: 'New email address.' }),
    phone: t.field({
      type: SetHumanPhoneInput,
      description:
        'New phone number. Unlike `updateHumanUser`, an empty or absent `phone` with none of `sendCode`, `returnCode`, `isVerified` REMOVES the number (`phone.removed`).',
    }),
    password: t.field({ type: SetPasswordInput, description: 'New password.' }),
  }),
});

const UpdateUserMachineInput = builder.inputType('UpdateUserMachineInput', {
  description:
    'Machine user changes. Refused by this gateway (INVALID_ARGUMENT `GATEWAY-MACHINE400`): it does not manage machine users.',
  fields: (t) => ({
    name: t.string({ description: 'Name, 1–200 characters.' }),
    description: t.string({ description: 'Description, at most 500 characters.' }),
  }),
});

const UpdateUserInput = builder.inputType('UpdateUserInput', {
  description:
    'What to change on a user: the username and at most one of `human` and `machine` (the kind the user has, else NOT_FOUND).',
  fields: (t) => ({
    userId: t.id({ required: true, description: 'The user to change, 1–200 characters.' }),
    username: t.string({ description: 'New username, 1–200 characters, unique case-insensitively.' }),
    human: t.field({ type: UpdateUserHumanInput, description: 'Changes to a human user.' }),
    machine: t.field({ type: UpdateUserMachineInput, description: 'Changes to a machine user (refused).' }),
  }),
  validate: updateUserInputSchema,
});

const UpdateUserPayload = builder
  .objectRef<{ changeDate: string; emailCode?: string; phoneCode?: string }>('UpdateUserPayload')
  .implement({
    description: 'Result of `updateUser`: the change date, no `details` (as upstream).',
    fields: (t) => ({
      changeDate: t.field({
        type: 'DateTime',
        description: 'Time of the last change (the current one when nothing changed).',
        resolve: (p) => p.changeDate,
      }),
      ...verificationCodeFields(t),
    }),
  });

type Input = typeof UpdateUserInput.$inferInput;

/** GraphQL input → domain command; email, phone and password as updateHumanUser's. */
export function toUpdateUserCommand(input: Input): UpdateUserCommand {
  const cmd: UpdateUserCommand = { userId: input.userId };
  if (input.username != null) cmd.username = input.username;
  if (input.human != null) {
    const { profile, email, phone, password } = input.human;
    const { userId: _, ...sections } = toUpdateCommand({ userId: input.userId, email, phone, password });
    cmd.human = sections;
    if (profile != null) {
      cmd.human.profile = {};
      for (const field of ['givenName', 'familyName', 'nickName', 'displayName', 'preferredLanguage'] as const) {
        const value = profile[field];
        if (value != null) cmd.human.profile[field] = value;
      }
      if (profile.gender != null) cmd.human.profile.gender = profile.gender as DomainGender;
    }
  }
  if (input.machine != null) {
    cmd.machine = {};
    if (input.machine.name != null) cmd.machine.name = input.machine.name;
    if (input.machine.description != null) cmd.machine.description = input.machine.description;
  }
  return cmd;
}

builder.mutationFields((t) => ({
  updateUser: t.field({
    type: UpdateUserPayload,
    description:
      "ZITADEL's UpdateUser (`PATCH /v2/users/{userId}`): changes username and, for a human user, profile (every field optional), email, phone (empty removes it) and password in one atomic write.",
    args: { input: t.arg({ type: UpdateUserInput, required: true, description: 'What to change.' }) },
    resolve: (_root, args, ctx) => ctx.operations.updateUser(toUpdateUserCommand(args.input)),
  }),
}));
