// The code flows of issue 15: verifyEmail, resendEmailCode, verifyPhone, resendPhoneCode —
// ZITADEL's VerifyEmail, ResendEmailCode, VerifyPhone and ResendPhoneCode with their inputs.
import type { ResendCodeCommand, ResendCodeResult, VerifyCodeResult } from '../operations.js';
import { builder } from './builder.js';
import { DetailsRef, SendEmailVerificationCodeInput } from './user.js';
import {
  resendEmailCodeInputSchema,
  resendPhoneCodeInputSchema,
  verifyEmailInputSchema,
  verifyPhoneInputSchema,
} from './validation.js';

const USER_ID = 'The user, 1–200 characters.';

function verifyInput(name: string, what: string, validate: typeof verifyEmailInputSchema) {
  return builder.inputType(name, {
    description: `Verify the ${what} with the pending code.`,
    fields: (t) => ({
      userId: t.id({ required: true, description: USER_ID }),
      verificationCode: t.string({
        required: true,
        description: `The code sent or returned when the ${what} was set or its code resent; 1–20 characters.`,
      }),
    }),
    validate,
  });
}

const VerifyEmailInput = verifyInput('VerifyEmailInput', 'email address', verifyEmailInputSchema);
const VerifyPhoneInput = verifyInput('VerifyPhoneInput', 'phone number', verifyPhoneInputSchema);

const ResendEmailCodeInput = builder.inputType('ResendEmailCodeInput', {
  description: 'Replace the pending email code: at most one of `sendCode` (the default) and `returnCode`.',
  fields: (t) => ({
    userId: t.id({ required: true, description: USER_ID }),
    sendCode: t.field({ type: SendEmailVerificationCodeInput, description: 'Email the new code (the default).' }),
    returnCode: t.boolean({
      description: 'Return the new code as `verificationCode` instead (present = requested). Needs `user.write`.',
    }),
  }),
  validate: resendEmailCodeInputSchema,
});

const ResendPhoneCodeInput = builder.inputType('ResendPhoneCodeInput', {
  description: 'Replace the pending phone code: at most one of `sendCode` (the default) and `returnCode`.',
  fields: (t) => ({
    userId: t.id({ required: true, description: USER_ID }),
    sendCode: t.boolean({ description: 'Send the new code by SMS (present = requested; the default).' }),
    returnCode: t.boolean({
      description: 'Return the new code as `verificationCode` instead (present = requested). Needs `user.write`.',
    }),
  }),
  validate: resendPhoneCodeInputSchema,
});

function verifyPayload(name: string, mutation: string) {
  return builder.objectRef<VerifyCodeResult>(name).implement({
    description: `Result of \`${mutation}\`.`,
    fields: (t) => ({
      details: t.field({ type: DetailsRef, description: 'Details after the write.', resolve: (p) => p.details }),
    }),
  });
}

function resendPayload(name: string, mutation: string) {
  return builder.objectRef<ResendCodeResult>(name).implement({
    description: `Result of \`${mutation}\`.`,
    fields: (t) => ({
      details: t.field({ type: DetailsRef, description: 'Details after the write.', resolve: (p) => p.details }),
      verificationCode: t.string({
        nullable: true,
        description: 'The new code, only when `returnCode` was asked.',
        resolve: (p) => p.verificationCode ?? null,
      }),
    }),
  });
}

/** The delivery a resend input asks for (`sendCode` when neither is given, as upstream). */
function delivery(input: {
  returnCode?: boolean | null;
  sendCode?: { urlTemplate?: string | null } | boolean | null;
}): ResendCodeCommand['delivery'] {
  if (input.returnCode != null) return { kind: 'returnCode' };
  const urlTemplate = typeof input.sendCode === 'object' ? input.sendCode?.urlTemplate : undefined;
  return urlTemplate != null ? { kind: 'sendCode', urlTemplate } : { kind: 'sendCode' };
}

builder.mutationFields((t) => ({
  verifyEmail: t.field({
    type: verifyPayload('VerifyEmailPayload', 'verifyEmail'),
    description:
      "ZITADEL's VerifyEmail (`POST /v2/users/{userId}/email/verify`): the pending email code (single use, 1 hour) marks the address verified. A user may verify itself; anyone else needs `user.write`. Counts as a code check (rate limited).",
    args: { input: t.arg({ type: VerifyEmailInput, required: true, description: 'Whom and which code.' }) },
    resolve: (_root, { input }, ctx) =>
      ctx.operations.verifyEmail({ userId: input.userId, verificationCode: input.verificationCode }),
  }),
  resendEmailCode: t.field({
    type: resendPayload('ResendEmailCodePayload', 'resendEmailCode'),
    description:
      "ZITADEL's ResendEmailCode (`POST /v2/users/{userId}/email/resend`): a new email code replaces the pending one, which stops working.",
    args: { input: t.arg({ type: ResendEmailCodeInput, required: true, description: 'Whom and how.' }) },
    resolve: (_root, { input }, ctx) =>
      ctx.operations.resendEmailCode({ userId: input.userId, delivery: delivery(input) }),
  }),
  verifyPhone: t.field({
    type: verifyPayload('VerifyPhonePayload', 'verifyPhone'),
    description:
      "ZITADEL's VerifyPhone (`POST /v2/users/{userId}/phone/verify`): the pending phone code (single use, 1 hour) marks the number verified. A user may verify itself; anyone else needs `user.write`. Counts as a code check (rate limited).",
    args: { input: t.arg({ type: VerifyPhoneInput, required: true, description: 'Whom and which code.' }) },
    resolve: (_root, { input }, ctx) =>
      ctx.operations.verifyPhone({ userId: input.userId, verificationCode: input.verificationCode }),
  }),
  resendPhoneCode: t.field({
    type: resendPayload('ResendPhoneCodePayload', 'resendPhoneCode'),
    description:
      "ZITADEL's ResendPhoneCode (`POST /v2/users/{userId}/phone/resend`): a new phone code replaces the pending one, which stops working.",
    args: { input: t.arg({ type: ResendPhoneCodeInput, required: true, description: 'Whom and how.' }) },
    resolve: (_root, { input }, ctx) =>
      ctx.operations.resendPhoneCode({ userId: input.userId, delivery: delivery(input) }),
  }),
}));
