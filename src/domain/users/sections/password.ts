// Spec §4.5: password. How the caller proves it may set a password is chosen once per request
// from the command — a reset code, the current password, or the permission to set one without
// either — as ZITADEL's changeUserPassword does; then the new password is checked and hashed.
import type { Clock } from '../../../ids.js';
import { accessTo, type Viewer } from '../../auth/permissions.js';
import { Errors } from '../../errors.js';
import type { UserChange } from '../change-set.js';
import { codeMatches } from '../codes.js';
import type { PasswordCommand } from '../commands.js';
import { BCRYPT_MAX_BYTES, checkComplexity, type PasswordHasher } from '../passwords.js';
import type { UserStore } from '../store.js';

export interface PasswordDeps {
  store: UserStore;
  hasher: PasswordHasher;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  onPasswordCheckFailed?: () => void;
}

/** What a credential check sees: the change being built (its user, the code to consume). */
export interface CredentialContext {
  deps: PasswordDeps;
  change: UserChange;
  viewer: Viewer;
}

/** Taking the budget may wait for a shared counter (the rate limit on PostgreSQL). */
export type BudgetTaken = void | Promise<void>;

/** One way of proving the right to set the password (spec §4.5 step 2). */
export interface CredentialCheck {
  readonly kind: 'resetCode' | 'currentPassword' | 'permission';
  /** `newPlain`: the new plain password, when one is set (not for an imported hash). */
  verify(ctx: CredentialContext, newPlain: string | undefined): Promise<void>;
}

/**
 * Spec §4.5: the slow-down after the `failures`-th failed check (this one counted): floor((n − 5) / 5)
 * seconds, at most 10 s, so the first delay is at the 10th failure. A correct password is never delayed.
 */
export function failureDelayMs(failures: number): number {
  return Math.max(0, Math.min(10, Math.floor((failures - 5) / 5))) * 1000;
}

/** The pending password-reset code must match; it is consumed by the write. */
function resetCode(code: string, takeBudget: () => BudgetTaken): CredentialCheck {
  return {
    kind: 'resetCode',
    async verify({ deps, change }) {
      await takeBudget();
      const pending = await deps.store.pendingCode(change.user.id, 'password_reset');
      if (!pending) throw Errors.codeNotFound();
      if (pending.expiresAt <= deps.clock.now().toISOString()) throw Errors.codeExpired();
      if (!codeMatches(code, pending.codeHash)) throw Errors.codeInvalid();
      change.consume('password_reset', pending.codeHash);
    },
  };
}

/**
 * The current password must verify; a failure is recorded (and may lock the user). A new password
 * equal to the supplied current one is refused first, before any check (spec §4.5 step 3).
 */
function currentPassword(plain: string, takeBudget: () => BudgetTaken): CredentialCheck {
  return {
    kind: 'currentPassword',
    async verify({ deps, change, viewer }, newPlain) {
      if (newPlain === plain) throw Errors.passwordSameAsCurrent();
      await takeBudget();
      const { user } = change;
      if (user.state === 'locked') throw Errors.userLocked({ failedAttempts: user.failedPasswordAttempts });
      if (user.passwordHash === null) throw Errors.passwordNotSet();
      if (await deps.hasher.verify(plain, user.passwordHash)) return;
      const { lockout } = await deps.store.policies(user.orgId);
      const now = deps.clock.now().toISOString();
      const failedAttempts = await deps.store.recordFailedPasswordCheck(
        user.id,
        viewer.userId,
        lockout.maxPasswordAttempts,
        now,
      );
      deps.onPasswordCheckFailed?.();
      // Slowed down after the failed check (recorded already), never before a correct one.
      const delay = failureDelayMs(failedAttempts);
      if (delay > 0) await deps.sleep(delay);
      throw Errors.passwordInvalid({ failedAttempts });
    },
  };
}

/** Neither code nor current password: the caller needs user.write there, even for itself. */
const permission: CredentialCheck = {
  kind: 'permission',
  async verify({ change, viewer }) {
    const access = accessTo(viewer, change.user.orgId);
    if (!access.hasRole) throw Errors.membershipNotFound();
    if (!access.permissions.has('user.write')) throw Errors.permissionDenied();
  },
};

/**
 * The check this command asks for. `takeBudget` counts a password or code check against the
 * request's budget; it is called at most once however often the write is retried.
 */
export function credentialCheckFor(password: PasswordCommand, takeBudget: () => BudgetTaken): CredentialCheck {
  const once = onlyOnce(takeBudget);
  if (password.verificationCode !== undefined) return resetCode(password.verificationCode, once);
  if (password.currentPassword !== undefined) return currentPassword(password.currentPassword, once);
  return permission;
}

/**
 * Applies the password section. `newHash` hashes the new plain password once per request (a
 * retried write reuses it).
 */
export async function changePassword(
  ctx: CredentialContext,
  password: PasswordCommand,
  check: CredentialCheck,
  newHash: (plain: string) => Promise<string>,
): Promise<void> {
  const { deps, change } = ctx;
  const { user } = change;
  // 1. initial state
  if (user.state === 'initial') throw Errors.userNotInitialized();
  const plain = password.password?.password;
  // bcrypt would compare and hash only the first 72 bytes: refused before any comparison.
  if (plain !== undefined && Buffer.byteLength(plain, 'utf8') > BCRYPT_MAX_BYTES) throw Errors.passwordTooLong();
  // 2. verification (3. "same as current" is part of the current-password check)
  await check.verify(ctx, plain);
  let hash: string;
  let changeRequired: boolean;
  if (password.password && plain !== undefined) {
    // 4. complexity
    checkComplexity(plain, (await deps.store.policies(user.orgId)).complexity);
    // 5. hash before the transaction opens
    hash = await newHash(plain);
    changeRequired = password.password.changeRequired ?? false;
  } else {
    const imported = password.hashedPassword as { hash: string; changeRequired?: boolean };
    hash = imported.hash;
    changeRequired = imported.changeRequired ?? false;
  }
  change
    .emit(
      'password.changed',
      { changeRequired },
      { passwordHash: hash, passwordChangeRequired: changeRequired, failedPasswordAttempts: 0 },
    )
    .clearCode('password_reset');
}

/** `fn` on the first call; later calls do nothing. */
export function onlyOnce(fn: () => BudgetTaken): () => BudgetTaken {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    return fn();
  };
}
