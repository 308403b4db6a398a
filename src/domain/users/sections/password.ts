// Spec §4.5: password. How the caller proves it may set a password is chosen once per request
// from the command — a reset code, the current password, or the permission to set one without
// either — as ZITADEL's changeUserPassword does; then the new password is checked and hashed.
import type { Clock } from '../../../ids.js';
import type { Viewer } from '../../auth/permissions.js';
import { Errors } from '../../errors.js';
import type { UserChange } from '../change-set.js';
import { codeMatches } from '../codes.js';
import type { PasswordCommand } from '../commands.js';
import { checkComplexity, type PasswordHasher } from '../passwords.js';
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

/** One way of proving the right to set the password (spec §4.5 step 2). */
export interface CredentialCheck {
  readonly kind: 'resetCode' | 'currentPassword' | 'permission';
  verify(ctx: CredentialContext): Promise<void>;
}

/** Delay before checking a password after `failures` failed checks: after 5, +1 s per 5 more, ≤10 s. */
export function failureDelayMs(failures: number): number {
  if (failures <= 5) return 0;
  return Math.min(10, Math.ceil((failures - 5) / 5)) * 1000;
}

/** The pending password-reset code must match; it is consumed by the write. */
function resetCode(code: string, takeBudget: () => void): CredentialCheck {
  return {
    kind: 'resetCode',
    async verify({ deps, change }) {
      takeBudget();
      const pending = await deps.store.pendingCode(change.user.id, 'password_reset');
      if (!pending) throw Errors.codeNotFound();
      if (pending.expiresAt <= deps.clock.now().toISOString()) throw Errors.codeExpired();
      if (!codeMatches(code, pending.codeHash)) throw Errors.codeInvalid();
      change.consume('password_reset', pending.codeHash);
    },
  };
}

/** The current password must verify; a failure is recorded (and may lock the user). */
function currentPassword(plain: string, takeBudget: () => void): CredentialCheck {
  return {
    kind: 'currentPassword',
    async verify({ deps, change, viewer }) {
      takeBudget();
      const { user } = change;
      if (user.state === 'locked') throw Errors.userLocked({ failedAttempts: user.failedPasswordAttempts });
      if (user.passwordHash === null) throw Errors.passwordNotSet();
      const delay = failureDelayMs(user.failedPasswordAttempts);
      if (delay > 0) await deps.sleep(delay);
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
      throw Errors.passwordInvalid({ failedAttempts });
    },
  };
}

/** Neither code nor current password: the caller needs user.write (checked with the permission, §2.6). */
const permission: CredentialCheck = { kind: 'permission', verify: async () => {} };

/**
 * The check this command asks for. `takeBudget` counts a password or code check against the
 * request's budget; it is called at most once however often the write is retried.
 */
export function credentialCheckFor(password: PasswordCommand, takeBudget: () => void): CredentialCheck {
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
  // 2. verification
  await check.verify(ctx);
  let hash: string;
  let changeRequired: boolean;
  if (password.password) {
    const plain = password.password.password;
    // 3. same as current
    if (user.passwordHash !== null && (await deps.hasher.verify(plain, user.passwordHash))) {
      throw Errors.passwordSameAsCurrent();
    }
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
export function onlyOnce(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
