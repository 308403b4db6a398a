// VerifyEmail / VerifyPhone and ResendEmailCode / ResendPhoneCode (issue 15): consume the pending
// code of an address, or replace it with a new one. Upstream's behaviour: a live human that is no
// longer in the initial state; every verification failure (no pending code, expired, wrong) is one
// answer, COMMAND-eis9R, and leaves a `*.verification.failed` event; a resend needs a pending code.
// Beyond upstream: a code check counts against the request's credential budget and the per-user /
// per-IP limits, and a caller other than the user itself needs `user.write` (as for UpdateHumanUser).
import type { Clock } from '../../ids.js';
import type { Viewer } from '../auth/permissions.js';
import { Errors } from '../errors.js';
import { authorizeWrite } from './authorize.js';
import { UserChange } from './change-set.js';
import { codeMatches } from './codes.js';
import type { Details, User } from './model.js';
import { linkPayload } from './sections/notification.js';
import type { BudgetTaken } from './sections/password.js';
import type { CodeKind, UserStore } from './store.js';
import { parseUrlTemplate } from './url-template.js';

/** The two addresses a code verifies. */
export type ContactKind = 'email' | 'phone';

export interface VerifyCodeCommand {
  userId: string;
  verificationCode: string;
}

export interface VerifyCodeResult {
  details: Details;
}

export interface ResendCodeCommand {
  userId: string;
  /** `urlTemplate` applies to email only. */
  delivery: { kind: 'returnCode' } | { kind: 'sendCode'; urlTemplate?: string };
}

export interface ResendCodeResult {
  details: Details;
  verificationCode?: string;
}

export interface ContactCodeDeps {
  store: UserStore;
  clock: Clock;
  /** Takes one credential check from the request's budget (throws when over a limit). */
  consumeCredentialCheck(userId: string): BudgetTaken;
  /** Tries of a write that lost a race before answering `concurrentUpdate`. */
  maxWriteAttempts: number;
  /** Told about committed changes, by section (metrics). */
  onUpdate?(sections: readonly string[]): void;
}

const NOT_FOUND = { email: Errors.emailUserNotFound, phone: Errors.phoneUserNotFound } as const;
const CODE_EMPTY = { email: Errors.emailCodeEmpty, phone: Errors.phoneCodeEmpty } as const;

/** The user to act on: a live human past the initial state, that the viewer may change. */
async function contactOwner(
  store: UserStore,
  viewer: Viewer,
  kind: ContactKind,
  userId: string,
  needsWrite: boolean,
): Promise<User> {
  const user = await store.findUser(userId);
  if (user?.kind !== 'human' || user.state === 'deleted') throw NOT_FOUND[kind]();
  if (user.state === 'initial') throw Errors.contactUserNotInitialized();
  authorizeWrite(viewer, user, needsWrite);
  return user;
}

/** Verifies the pending code of `kind`: marks the address verified and consumes the code. */
export async function verifyContactCode(
  deps: ContactCodeDeps,
  viewer: Viewer,
  kind: ContactKind,
  cmd: VerifyCodeCommand,
): Promise<VerifyCodeResult> {
  let budgetTaken = false;
  for (let attempt = 1; ; attempt++) {
    const user = await contactOwner(deps.store, viewer, kind, cmd.userId, false);
    if (!budgetTaken) {
      budgetTaken = true;
      await deps.consumeCredentialCheck(user.id);
    }
    const now = deps.clock.now();
    const pending = await deps.store.pendingCode(user.id, kind as CodeKind);
    const valid =
      pending !== undefined &&
      pending.expiresAt > now.toISOString() &&
      codeMatches(cmd.verificationCode, pending.codeHash);
    if (!valid || !pending) {
      await recordFailure(deps, viewer, kind, user, now);
      throw Errors.verificationCodeInvalid();
    }
    const change = new UserChange(user, viewer.userId, now).consume(kind, pending.codeHash);
    if (kind === 'email') change.markEmailVerified();
    else change.markPhoneVerified();
    const applied = await deps.store.applyChange(change, now.toISOString());
    if (applied.ok) {
      deps.onUpdate?.(change.sections());
      return { details: applied.details };
    }
    // Lost a race: the code may have been used or replaced meanwhile; check again on fresh state.
    if (attempt >= deps.maxWriteAttempts) throw Errors.concurrentUpdate();
  }
}

/** Upstream leaves a `*.verification.failed` event; best effort, as upstream (a lost race skips it). */
async function recordFailure(deps: ContactCodeDeps, viewer: Viewer, kind: ContactKind, user: User, now: Date) {
  const change = new UserChange(user, viewer.userId, now).emit(`${kind}.verification.failed`);
  await deps.store.applyChange(change, now.toISOString());
}

/** Replaces the pending code of `kind` with a new one, returned or sent in the user's language. */
export async function resendContactCode(
  deps: ContactCodeDeps,
  viewer: Viewer,
  kind: ContactKind,
  cmd: ResendCodeCommand,
): Promise<ResendCodeResult> {
  const { delivery } = cmd;
  const urlTemplate = delivery.kind === 'sendCode' ? (delivery.urlTemplate ?? null) : null;
  if (urlTemplate !== null) parseUrlTemplate(urlTemplate);
  const returnCode = delivery.kind === 'returnCode';
  for (let attempt = 1; ; attempt++) {
    // Returning the code lets the caller verify an address it does not own: needs user.write.
    const user = await contactOwner(deps.store, viewer, kind, cmd.userId, returnCode);
    if (!(await deps.store.pendingCode(user.id, kind))) throw CODE_EMPTY[kind]();
    const now = deps.clock.now();
    const change = new UserChange(user, viewer.userId, now);
    const code = change.addCode(kind, kind === 'email' ? { urlTemplate, returnCode } : { returnCode });
    if (!returnCode) {
      change.notify(
        kind === 'email'
          ? {
              kind: 'email_verification',
              channel: 'email',
              recipient: user.email.email,
              language: user.profile.preferredLanguage,
              payload: linkPayload(code, urlTemplate, user),
            }
          : {
              kind: 'phone_verification',
              channel: 'sms',
              recipient: user.phone.phone,
              language: user.profile.preferredLanguage,
              payload: { code },
            },
      );
    }
    const applied = await deps.store.applyChange(change, now.toISOString());
    if (applied.ok) {
      deps.onUpdate?.(change.sections());
      return returnCode ? { details: applied.details, verificationCode: code } : { details: applied.details };
    }
    if (attempt >= deps.maxWriteAttempts) throw Errors.concurrentUpdate();
  }
}
