// The UpdateHumanUser and PasswordReset operations: the order of checks of spec §2, the
// permissions of §5, and one atomic write. The section rules of §4 are in ./sections; input
// arrives already shape-validated (lengths, oneof groups) by the transport's validation layer.

import type { Clock } from '../../ids.js';
import { accessTo, type Viewer } from '../auth/permissions.js';
import { DomainError, Errors } from '../errors.js';
import { authorizeRead, authorizeWrite, isLiveHuman } from './authorize.js';
import { UserChange } from './change-set.js';
import type {
  EmailCommand,
  PasswordCommand,
  PasswordResetCommand,
  PasswordResetResult,
  PhoneCommand,
  ProfilePatch,
  UpdateHumanUserCommand,
  UpdateHumanUserResult,
  UpdateUserCommand,
  UpdateUserResult,
} from './commands.js';
import { checkEmail, normalizePhone } from './contact.js';
import {
  type ContactCodeDeps,
  type ContactKind,
  type ResendCodeCommand,
  type ResendCodeResult,
  resendContactCode,
  type VerifyCodeCommand,
  type VerifyCodeResult,
  verifyContactCode,
} from './contact-codes.js';
import { type EventPage, type EventPageQuery, eventPage } from './event-feed.js';
import type { Details, User } from './model.js';
import { checkImportedHash, type PasswordHasher } from './passwords.js';
import { changeEmail } from './sections/email.js';
import { linkPayload } from './sections/notification.js';
import {
  type BudgetTaken,
  type CredentialCheck,
  changePassword,
  credentialCheckFor,
  type PasswordDeps,
} from './sections/password.js';
import { changePhone } from './sections/phone.js';
import { changeProfile } from './sections/profile.js';
import { changeUsername } from './sections/username.js';
import { PerKeyQueue } from './serial.js';
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

/**
 * Writes to one user are serialized in this process (PerKeyQueue), so a conflict can only come
 * from another process on the same PostgreSQL database; those are retried after a jittered pause
 * that grows with each attempt, re-reading the user each time.
 */
const MAX_WRITE_ATTEMPTS = 10;
const retryPauseMs = (attempt: number) => Math.random() * Math.min(200, 5 * 2 ** attempt);

/** A change to a human user: what UpdateHumanUser and UpdateUser's `human` branch both make. */
interface HumanChange {
  userId: string;
  username?: string;
  profile?: ProfilePatch;
  email?: EmailCommand;
  phone?: PhoneCommand;
  password?: PasswordCommand;
  expectedSequence?: number;
}

/** Where UpdateUser differs from UpdateHumanUser: an empty phone without verification removes it. */
interface HumanChangeOptions {
  removePhoneWhenEmpty: boolean;
}

export class UserService {
  private readonly store: UserStore;
  private readonly clock: Clock;
  private readonly observer: UpdateObserver | undefined;
  private readonly passwordDeps: PasswordDeps;
  private readonly writes = new PerKeyQueue();

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
    return this.changeHuman(viewer, cmd, budget, { removePhoneWhenEmpty: false });
  }

  /**
   * UpdateUser: the `human` branch is UpdateHumanUser with every profile field optional and phone
   * removal; a user of the other kind is not found (upstream's write models are per kind). The
   * `machine` branch is refused after the lookup and the permission check: this store does not
   * manage machine users. No branch changes at most the username of a human user.
   */
  async updateUser(viewer: Viewer, cmd: UpdateUserCommand, budget: RequestBudget): Promise<UpdateUserResult> {
    if (cmd.machine) {
      const user = await this.store.findUser(cmd.userId);
      if (user?.kind !== 'machine' || user.state === 'deleted') throw Errors.userNotFound();
      authorizeWrite(viewer, user, true);
      throw Errors.machineUpdateUnsupported();
    }
    const change: HumanChange = { userId: cmd.userId, ...cmd.human };
    if (cmd.username !== undefined) change.username = cmd.username;
    const result = await this.changeHuman(viewer, change, budget, { removePhoneWhenEmpty: true });
    return omitUndefined({
      changeDate: result.details.changeDate,
      emailCode: result.emailCode,
      phoneCode: result.phoneCode,
    });
  }

  private async changeHuman(
    viewer: Viewer,
    cmd: HumanChange,
    budget: RequestBudget,
    options: HumanChangeOptions,
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

    // Chosen once per request; a write retried after a concurrent change reuses them.
    const credential = password && credentialCheckFor(password, () => budget.consumeCredentialCheck(cmd.userId));
    let hashing: Promise<string> | undefined;
    const newHash = (plain: string) => {
      hashing ??= this.passwordDeps.hasher.hash(plain);
      return hashing;
    };

    return this.writes.run(cmd.userId, () => this.writeUpdate(viewer, cmd, phone, credential, newHash, options));
  }

  private async writeUpdate(
    viewer: Viewer,
    cmd: HumanChange,
    phone: string | undefined,
    credential: CredentialCheck | undefined,
    newHash: (plain: string) => Promise<string>,
    options: HumanChangeOptions,
  ): Promise<UpdateHumanUserResult> {
    const { email, password } = cmd;
    const onlyUserId = cmd.username === undefined && !cmd.profile && !cmd.email && !cmd.phone && !cmd.password;
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
      const phoneCode = changePhone(change, cmd.phone, phone, { removeWhenEmpty: options.removePhoneWhenEmpty });
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
      await this.beforeRetry(attempt);
    }
  }

  async passwordReset(viewer: Viewer, cmd: PasswordResetCommand): Promise<PasswordResetResult> {
    const { delivery } = cmd;
    if (delivery.kind === 'sendLink' && delivery.urlTemplate !== undefined) parseUrlTemplate(delivery.urlTemplate);
    const returnCode = delivery.kind === 'returnCode';
    return this.writes.run(cmd.userId, () => this.writeReset(viewer, cmd, returnCode));
  }

  private async writeReset(viewer: Viewer, cmd: PasswordResetCommand, returnCode: boolean) {
    const { delivery } = cmd;
    for (let attempt = 1; ; attempt++) {
      const user = await this.findHuman(cmd.userId, Errors.resetUserNotFound);
      if (user.state === 'initial') throw Errors.resetUserNotInitialized();
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
      await this.beforeRetry(attempt);
    }
  }

  /** Query side: the user when the viewer may read it (self, or user.read on its org). */
  async getVisibleUser(viewer: Viewer, userId: string): Promise<User | null> {
    const user = await this.store.readUser(userId);
    if (!isLiveHuman(user)) return null;
    if (user.id === viewer.userId || accessTo(viewer, user.orgId).permissions.has('user.read')) return user;
    return null;
  }

  /** Query side with ZITADEL's GetUserByID errors instead of null. */
  async getUserById(viewer: Viewer, userId: string): Promise<User> {
    const user = await this.store.readUser(userId);
    if (!isLiveHuman(user)) throw Errors.userNotFoundQuery();
    authorizeRead(viewer, user);
    return user;
  }

  /** The audit trail: a page of the user's event log, with GetUserByID's visibility (./event-feed.ts). */
  async eventPage(viewer: Viewer, query: EventPageQuery): Promise<EventPage> {
    return eventPage(this.store, viewer, query);
  }

  /** VerifyEmail / VerifyPhone: the pending code of `kind` verifies the address (./contact-codes.ts). */
  async verifyCode(
    viewer: Viewer,
    kind: ContactKind,
    cmd: VerifyCodeCommand,
    budget: RequestBudget,
  ): Promise<VerifyCodeResult> {
    return verifyContactCode(this.contactCodeDeps(budget), viewer, kind, cmd);
  }

  /** ResendEmailCode / ResendPhoneCode: a new code replaces the pending one (./contact-codes.ts). */
  async resendCode(viewer: Viewer, kind: ContactKind, cmd: ResendCodeCommand): Promise<ResendCodeResult> {
    return resendContactCode(this.contactCodeDeps(), viewer, kind, cmd);
  }

  private contactCodeDeps(budget?: RequestBudget): ContactCodeDeps {
    return {
      store: this.store,
      clock: this.clock,
      consumeCredentialCheck: (userId) => budget?.consumeCredentialCheck(userId),
      maxWriteAttempts: MAX_WRITE_ATTEMPTS,
      onUpdate: (sections) => this.observer?.onUpdate(sections),
    };
  }

  private async findHuman(userId: string, notFound: () => DomainError): Promise<User> {
    const user = await this.store.findUser(userId);
    if (!isLiveHuman(user)) throw notFound();
    return user;
  }

  /** Another process wrote the user in between: pause (jittered, growing) or give up. */
  private async beforeRetry(attempt: number): Promise<void> {
    if (attempt >= MAX_WRITE_ATTEMPTS) throw Errors.concurrentUpdate();
    await new Promise((resolve) => setTimeout(resolve, retryPauseMs(attempt)));
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

/**
 * Spec §5: what a user may not do to itself without user.write. (A password without verification
 * needs it too, but that is checked in the password step, after the initial-state check: §4.5.)
 */
export function needsWritePermission(cmd: Pick<HumanChange, 'email' | 'phone' | 'password'>): boolean {
  const ev = cmd.email?.verification;
  const pv = cmd.phone?.verification;
  return (
    (ev?.kind === 'isVerified' && ev.value) ||
    ev?.kind === 'returnCode' ||
    pv?.kind === 'isVerified' ||
    pv?.kind === 'returnCode'
  );
}

function detailsOf(user: User): Details {
  return { sequence: user.sequence, changeDate: user.changeDate, resourceOwner: user.orgId };
}

function omitUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export { DomainError };
