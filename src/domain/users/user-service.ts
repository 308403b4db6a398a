// The UpdateHumanUser and PasswordReset operations: the order of checks of spec §2, the
// permissions of §5, and one atomic write. The section rules of §4 are in ./sections; input
// arrives already shape-validated (lengths, oneof groups) by the transport's validation layer.

import type { Clock } from '../../ids.js';
import { accessTo, type Viewer } from '../auth/permissions.js';
import { DomainError, Errors } from '../errors.js';
import { UserChange } from './change-set.js';
import type {
  PasswordResetCommand,
  PasswordResetResult,
  UpdateHumanUserCommand,
  UpdateHumanUserResult,
} from './commands.js';
import { checkEmail, normalizePhone } from './contact.js';
import type { Details, User } from './model.js';
import { checkImportedHash, type PasswordHasher } from './passwords.js';
import { changeEmail } from './sections/email.js';
import { linkPayload } from './sections/notification.js';
import { type BudgetTaken, changePassword, credentialCheckFor, type PasswordDeps } from './sections/password.js';
import { changePhone } from './sections/phone.js';
import { changeProfile } from './sections/profile.js';
import { changeUsername } from './sections/username.js';
import type { UserStore } from './store.js';
import { parseUrlTemplate } from './url-template.js';

export type * from './commands.js';
export { failureDelayMs } from './sections/password.js';

/** Per-request state shared by every operation of one GraphQL request. */
export interface RequestBudget {
  /**
   * Throws (or rejects) when the request already checked a password or code (aliases cannot
   * multiply tries) or a rate limit is reached; may wait for a limit's shared counter.
   */
  consumeCredentialCheck(userId?: string): BudgetTaken;
}

export interface UserServiceDeps {
  repository: UserStore;
  hasher: PasswordHasher;
  clock: Clock;
  /** Slows repeated password failures down without holding a transaction. */
  sleep?: (ms: number) => Promise<void>;
  /** Told about committed updates and failed password checks (metrics). */
  observer?: UpdateObserver;
}

export interface UpdateObserver {
  onUpdate(sections: readonly string[]): void;
  onPasswordCheckFailed(): void;
}

const MAX_WRITE_ATTEMPTS = 5;

export class UserService {
  private readonly store: UserStore;
  private readonly clock: Clock;
  private readonly observer: UpdateObserver | undefined;
  private readonly passwordDeps: PasswordDeps;

  constructor(deps: UserServiceDeps) {
    this.store = deps.repository;
    this.clock = deps.clock;
    this.observer = deps.observer;
    this.passwordDeps = {
      store: deps.repository,
      hasher: deps.hasher,
      clock: deps.clock,
      sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      onPasswordCheckFailed: () => this.observer?.onPasswordCheckFailed(),
    };
  }

  async updateHumanUser(
    viewer: Viewer,
    cmd: UpdateHumanUserCommand,
    budget: RequestBudget,
  ): Promise<UpdateHumanUserResult> {
    // §2.3 URL template, §2.4 content checks: independent of the stored user.
    const { email, password } = cmd;
    if (email?.verification?.kind === 'sendCode' && email.verification.urlTemplate !== undefined) {
      parseUrlTemplate(email.verification.urlTemplate);
    }
    if (email) checkEmail(email.email);
    const phone = cmd.phone?.phone ? normalizePhone(cmd.phone.phone) : undefined;
    if (password) {
      if (!password.password && !password.hashedPassword) throw Errors.passwordEmpty();
      if (password.hashedPassword) checkImportedHash(password.hashedPassword.hash);
    }

    const onlyUserId = cmd.username === undefined && !cmd.profile && !cmd.email && !cmd.phone && !cmd.password;
    // Chosen once per request; a write retried after a concurrent change reuses them.
    const credential = password && credentialCheckFor(password, () => budget.consumeCredentialCheck(cmd.userId));
    let hashing: Promise<string> | undefined;
    const newHash = (plain: string) => {
      hashing ??= this.passwordDeps.hasher.hash(plain);
      return hashing;
    };

    for (let attempt = 1; ; attempt++) {
      // §2.5 lookup.
      const user = await this.findHuman(cmd.userId, Errors.userNotFound);
      // §2.6 permission, skipped when the request carries nothing but the user id.
      if (!onlyUserId) authorizeWrite(viewer, user, needsWritePermission(cmd));
      if (cmd.expectedSequence !== undefined && cmd.expectedSequence !== user.sequence) {
        throw Errors.sequenceMismatch();
      }

      const change = new UserChange(user, viewer.userId, this.clock.now());
      // §2.7 sections, in order.
      await changeUsername(this.store, change, cmd.username);
      changeProfile(change, cmd.profile);
      const emailCode = changeEmail(change, email);
      const phoneCode = changePhone(change, cmd.phone, phone);
      if (password && credential) {
        await changePassword({ deps: this.passwordDeps, change, viewer }, password, credential, newHash);
      }

      if (change.isEmpty) return { details: detailsOf(user) };

      // §2.8 one atomic write.
      const applied = await this.store.applyChange(change, this.now());
      if (applied.ok) {
        this.observer?.onUpdate(change.sections());
        return omitUndefined({ details: applied.details, emailCode, phoneCode });
      }
      if (applied.reason === 'username_taken') throw Errors.userAlreadyExists();
      if (attempt >= MAX_WRITE_ATTEMPTS) throw Errors.concurrentUpdate();
    }
  }

  async passwordReset(viewer: Viewer, cmd: PasswordResetCommand): Promise<PasswordResetResult> {
    const { delivery } = cmd;
    if (delivery.kind === 'sendLink' && delivery.urlTemplate !== undefined) parseUrlTemplate(delivery.urlTemplate);
    const returnCode = delivery.kind === 'returnCode';
    for (let attempt = 1; ; attempt++) {
      const user = await this.findHuman(cmd.userId, Errors.userNotFound);
      // Returning the code to the caller lets it set a password unverified: needs user.write.
      authorizeWrite(viewer, user, returnCode || viewer.userId !== user.id);
      const change = new UserChange(user, viewer.userId, this.clock.now());
      const urlTemplate = delivery.kind === 'sendLink' ? (delivery.urlTemplate ?? null) : null;
      const code = change.addCode('password_reset', { urlTemplate, returnCode });
      if (!returnCode) {
        change.notify({
          kind: 'password_reset',
          channel: 'email',
          recipient: user.email.email,
          language: user.profile.preferredLanguage,
          payload: linkPayload(code, urlTemplate, user),
        });
      }
      const applied = await this.store.applyChange(change, this.now());
      if (applied.ok) {
        return returnCode ? { details: applied.details, verificationCode: code } : { details: applied.details };
      }
      if (attempt >= MAX_WRITE_ATTEMPTS) throw Errors.concurrentUpdate();
    }
  }

  /** Query side: the user when the viewer may read it (self, or user.read on its org). */
  async getVisibleUser(viewer: Viewer, userId: string): Promise<User | null> {
    const user = await this.store.findUser(userId);
    if (!isLiveHuman(user)) return null;
    if (user.id === viewer.userId || accessTo(viewer, user.orgId).permissions.has('user.read')) return user;
    return null;
  }

  /** Query side with ZITADEL's GetUserByID errors instead of null. */
  async getUserById(viewer: Viewer, userId: string): Promise<User> {
    const user = await this.findHuman(userId, Errors.userNotFoundQuery);
    if (user.id === viewer.userId) return user;
    const access = accessTo(viewer, user.orgId);
    if (!access.hasRole) throw Errors.membershipNotFound();
    if (!access.permissions.has('user.read')) throw Errors.permissionDenied();
    return user;
  }

  private async findHuman(userId: string, notFound: () => DomainError): Promise<User> {
    const user = await this.store.findUser(userId);
    if (!isLiveHuman(user)) throw notFound();
    return user;
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

/** Spec §5: the caller may change this user (itself, unless `needsWrite`; else user.write there). */
function authorizeWrite(viewer: Viewer, user: User, needsWrite: boolean): void {
  if (!needsWrite && viewer.userId === user.id) return;
  const access = accessTo(viewer, user.orgId);
  if (!access.hasRole) throw Errors.membershipNotFound();
  if (!access.permissions.has('user.write')) throw Errors.permissionDenied();
}

/** Spec §5: what a user may not do to itself without user.write. */
export function needsWritePermission(cmd: UpdateHumanUserCommand): boolean {
  const ev = cmd.email?.verification;
  const pv = cmd.phone?.verification;
  return (
    (ev?.kind === 'isVerified' && ev.value) ||
    ev?.kind === 'returnCode' ||
    pv?.kind === 'isVerified' ||
    pv?.kind === 'returnCode' ||
    (cmd.password !== undefined &&
      cmd.password.currentPassword === undefined &&
      cmd.password.verificationCode === undefined)
  );
}

/** Machine users and deleted users are "not found" for every operation here. */
function isLiveHuman(user: User | undefined): user is User {
  return user?.kind === 'human' && user.state !== 'deleted';
}

function detailsOf(user: User): Details {
  return { sequence: user.sequence, changeDate: user.changeDate, resourceOwner: user.orgId };
}

function omitUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export { DomainError };
