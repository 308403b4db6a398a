// The UpdateHumanUser and PasswordReset operations: the order of checks of spec §2, the
// section rules of §4, the permissions of §5, and one atomic write. Input arrives already
// shape-validated (lengths, oneof groups) by the transport's validation layer.

import type { Clock } from '../../ids.js';
import { accessTo, type Viewer } from '../auth/permissions.js';
import { DomainError, Errors } from '../errors.js';
import { CODE_TTL_MS, codeMatches, generateCode, hashCode } from './codes.js';
import { checkEmail, normalizeLanguage, normalizePhone } from './contact.js';
import { type Details, type Gender, type NewEvent, type User, usernameKey } from './model.js';
import { checkComplexity, checkImportedHash, type PasswordHasher } from './passwords.js';
import { parseUrlTemplate, renderUrlTemplate } from './url-template.js';
import { type ChangeSet, type CodeKind, type UserRepository, userColumns } from './user-repository.js';

export type EmailVerification =
  | { kind: 'sendCode'; urlTemplate?: string }
  | { kind: 'returnCode' }
  | { kind: 'isVerified'; value: boolean };

export type PhoneVerification = { kind: 'sendCode' } | { kind: 'returnCode' } | { kind: 'isVerified' };

export interface UpdateHumanUserCommand {
  userId: string;
  username?: string;
  profile?: {
    givenName: string;
    familyName: string;
    nickName?: string;
    displayName?: string;
    preferredLanguage?: string;
    gender?: Gender;
  };
  email?: { email: string; verification?: EmailVerification };
  phone?: { phone?: string; verification?: PhoneVerification };
  password?: {
    password?: { password: string; changeRequired?: boolean };
    hashedPassword?: { hash: string; changeRequired?: boolean };
    currentPassword?: string;
    verificationCode?: string;
  };
  /** Optimistic concurrency beyond upstream: fail unless the user is at this sequence. */
  expectedSequence?: number;
}

export interface UpdateHumanUserResult {
  details: Details;
  emailCode?: string;
  phoneCode?: string;
}

export interface PasswordResetCommand {
  userId: string;
  delivery: { kind: 'returnCode' } | { kind: 'sendLink'; urlTemplate?: string };
}

export interface PasswordResetResult {
  details: Details;
  verificationCode?: string;
}

/** Per-request state shared by every operation of one GraphQL request. */
export interface RequestBudget {
  /** Throws when the request already checked a password or code (aliases cannot multiply tries). */
  consumeCredentialCheck(userId?: string): void;
}

export interface UserServiceDeps {
  repository: UserRepository;
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

/** The section (username, profile, email, phone, password) an event belongs to. */
const sectionOf = (type: string) => (type === 'username.changed' ? 'username' : (type.split('.')[0] ?? type));

const MAX_WRITE_ATTEMPTS = 5;

/** Delay before checking a password after `failures` failed checks: after 5, +1 s per 5 more, ≤10 s. */
export function failureDelayMs(failures: number): number {
  if (failures <= 5) return 0;
  return Math.min(10, Math.ceil((failures - 5) / 5)) * 1000;
}

export class UserService {
  private readonly repo: UserRepository;
  private readonly hasher: PasswordHasher;
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly observer: UpdateObserver | undefined;

  constructor(deps: UserServiceDeps) {
    this.repo = deps.repository;
    this.hasher = deps.hasher;
    this.clock = deps.clock;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.observer = deps.observer;
  }

  async updateHumanUser(
    viewer: Viewer,
    cmd: UpdateHumanUserCommand,
    budget: RequestBudget,
  ): Promise<UpdateHumanUserResult> {
    // §2.3 URL template, §2.4 content checks: independent of the stored user.
    const email = cmd.email;
    if (email?.verification?.kind === 'sendCode' && email.verification.urlTemplate !== undefined) {
      parseUrlTemplate(email.verification.urlTemplate);
    }
    if (email) checkEmail(email.email);
    const phone = cmd.phone?.phone ? normalizePhone(cmd.phone.phone) : undefined;
    const password = cmd.password;
    if (password) {
      if (!password.password && !password.hashedPassword) throw Errors.passwordEmpty();
      if (password.hashedPassword) checkImportedHash(password.hashedPassword.hash);
    }

    const onlyUserId = cmd.username === undefined && !cmd.profile && !cmd.email && !cmd.phone && !cmd.password;
    // Expensive results that stay valid when a concurrent write makes us start over.
    const memo: { newHash?: Promise<string>; credentialChecked?: boolean } = {};

    for (let attempt = 1; ; attempt++) {
      // §2.5 lookup.
      const user = await this.findHuman(cmd.userId, Errors.userNotFound);
      // §2.6 permission, skipped when the request carries nothing but the user id.
      if (!onlyUserId) this.authorizeWrite(viewer, user, needsWritePermission(cmd));
      if (cmd.expectedSequence !== undefined && cmd.expectedSequence !== user.sequence) {
        throw Errors.sequenceMismatch();
      }

      const change = this.newChangeSet(user, viewer);
      const result: Omit<UpdateHumanUserResult, 'details'> = {};
      // §2.7 sections, in order.
      await this.applyUsername(change, cmd.username);
      this.applyProfile(change, cmd.profile);
      result.emailCode = this.applyEmail(change, email);
      result.phoneCode = this.applyPhone(change, cmd.phone, phone);
      if (password) await this.applyPassword(change, viewer, password, budget, memo);

      if (change.events.length === 0) return { details: detailsOf(user) };

      // §2.8 one atomic write.
      const applied = await this.repo.applyChange(change, this.now());
      if (applied.ok) {
        this.observer?.onUpdate([...new Set(change.events.map((e) => sectionOf(e.type)))]);
        return omitUndefined({ details: applied.details, ...result });
      }
      if (applied.reason === 'username_taken') throw Errors.userAlreadyExists();
      if (attempt >= MAX_WRITE_ATTEMPTS) throw Errors.concurrentUpdate();
    }
  }

  async passwordReset(viewer: Viewer, cmd: PasswordResetCommand): Promise<PasswordResetResult> {
    const { delivery } = cmd;
    if (delivery.kind === 'sendLink' && delivery.urlTemplate !== undefined) parseUrlTemplate(delivery.urlTemplate);
    for (let attempt = 1; ; attempt++) {
      const user = await this.findHuman(cmd.userId, Errors.userNotFound);
      // Returning the code to the caller lets it set a password unverified: needs user.write.
      this.authorizeWrite(viewer, user, delivery.kind === 'returnCode' || viewer.userId !== user.id);
      const change = this.newChangeSet(user, viewer);
      const code = generateCode();
      const urlTemplate = delivery.kind === 'sendLink' ? (delivery.urlTemplate ?? null) : null;
      change.setCodes.push({ kind: 'password_reset', codeHash: hashCode(code), urlTemplate, expiresAt: this.expiry() });
      change.events.push({
        type: 'password.code.added',
        payload: { returnCode: delivery.kind === 'returnCode', urlTemplate },
      });
      if (delivery.kind === 'sendLink') {
        change.outbox.push({
          kind: 'password_reset',
          channel: 'email',
          recipient: user.email.email,
          language: user.profile.preferredLanguage,
          payload: withUrl(code, urlTemplate, user),
        });
      }
      const applied = await this.repo.applyChange(change, this.now());
      if (applied.ok) {
        return delivery.kind === 'returnCode'
          ? { details: applied.details, verificationCode: code }
          : { details: applied.details };
      }
      if (attempt >= MAX_WRITE_ATTEMPTS) throw Errors.concurrentUpdate();
    }
  }

  /** Query side: the user when the viewer may read it (self, or user.read on its org). */
  async getVisibleUser(viewer: Viewer, userId: string): Promise<User | null> {
    const user = await this.repo.findUser(userId);
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

  // --- sections -------------------------------------------------------------------------------

  private async applyUsername(change: ChangeSet, username: string | undefined): Promise<void> {
    const { user } = change;
    if (username === undefined || username === user.username) return;
    const at = username.lastIndexOf('@');
    if (at >= 0) {
      const owner = await this.repo.verifiedDomainOwner(username.slice(at + 1));
      if (owner !== undefined && owner !== user.orgId) throw Errors.domainReserved();
    }
    const org = await this.repo.findOrganization(user.orgId);
    const key = usernameKey(username, { id: user.orgId, scopedUsernames: org?.scopedUsernames ?? false });
    if (await this.repo.usernameTaken(key, user.id)) throw Errors.userAlreadyExists();
    change.events.push({ type: 'username.changed', payload: { username } });
    Object.assign(change.columns, userColumns({ username, usernameKey: key }));
  }

  private applyProfile(change: ChangeSet, profile: UpdateHumanUserCommand['profile']): void {
    if (!profile) return;
    const current = change.user.profile;
    const next = {
      givenName: profile.givenName,
      familyName: profile.familyName,
      nickName: profile.nickName,
      displayName: profile.displayName,
      preferredLanguage: normalizeLanguage(profile.preferredLanguage),
      gender: profile.gender,
    };
    const changed: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(next)) {
      if (value !== undefined && value !== current[field as keyof typeof current]) changed[field] = value;
    }
    if (Object.keys(changed).length === 0) return;
    change.events.push({ type: 'profile.changed', payload: changed });
    Object.assign(change.columns, userColumns(changed));
  }

  private applyEmail(change: ChangeSet, email: UpdateHumanUserCommand['email']): string | undefined {
    if (!email) return undefined;
    const { user } = change;
    const verification = email.verification;
    const markVerified = verification?.kind === 'isVerified' && verification.value;
    if (email.email === user.email.email) {
      if (markVerified && !user.email.isVerified) {
        change.events.push({ type: 'email.verified', payload: {} });
        Object.assign(change.columns, userColumns({ emailVerified: true }));
        change.deleteCodes.push('email');
      }
      return undefined;
    }
    change.events.push({ type: 'email.changed', payload: { email: email.email } });
    Object.assign(change.columns, userColumns({ email: email.email, emailVerified: false }));
    if (markVerified) {
      change.events.push({ type: 'email.verified', payload: {} });
      Object.assign(change.columns, userColumns({ emailVerified: true }));
      change.deleteCodes.push('email');
      return undefined;
    }
    const urlTemplate = verification?.kind === 'sendCode' ? (verification.urlTemplate ?? null) : null;
    const returnCode = verification?.kind === 'returnCode';
    const code = this.addCode(change, 'email', urlTemplate, returnCode);
    if (returnCode) return code;
    change.outbox.push({
      kind: 'email_verification',
      channel: 'email',
      recipient: email.email,
      language: user.profile.preferredLanguage,
      payload: withUrl(code, urlTemplate, user),
    });
    return undefined;
  }

  private applyPhone(
    change: ChangeSet,
    phone: UpdateHumanUserCommand['phone'],
    normalized: string | undefined,
  ): string | undefined {
    if (!phone) return undefined;
    const { user } = change;
    const verification = phone.verification;
    // An empty or absent number never removes the phone (upstream behaviour).
    if (normalized === undefined || normalized === user.phone.phone) {
      if (verification?.kind === 'isVerified' && user.phone.phone !== '' && !user.phone.isVerified) {
        change.events.push({ type: 'phone.verified', payload: {} });
        Object.assign(change.columns, userColumns({ phoneVerified: true }));
        change.deleteCodes.push('phone');
      }
      return undefined;
    }
    change.events.push({ type: 'phone.changed', payload: { phone: normalized } });
    Object.assign(change.columns, userColumns({ phone: normalized, phoneVerified: false }));
    if (verification?.kind === 'isVerified') {
      change.events.push({ type: 'phone.verified', payload: {} });
      Object.assign(change.columns, userColumns({ phoneVerified: true }));
      change.deleteCodes.push('phone');
      return undefined;
    }
    const returnCode = verification?.kind === 'returnCode';
    const code = this.addCode(change, 'phone', null, returnCode);
    if (returnCode) return code;
    change.outbox.push({
      kind: 'phone_verification',
      channel: 'sms',
      recipient: normalized,
      language: user.profile.preferredLanguage,
      payload: { code },
    });
    return undefined;
  }

  private async applyPassword(
    change: ChangeSet,
    viewer: Viewer,
    password: NonNullable<UpdateHumanUserCommand['password']>,
    budget: RequestBudget,
    memo: { newHash?: Promise<string>; credentialChecked?: boolean },
  ): Promise<void> {
    const { user } = change;
    // 1. initial state
    if (user.state === 'initial') throw Errors.userNotInitialized();
    // 2. verification
    if (password.verificationCode !== undefined) {
      if (!memo.credentialChecked) budget.consumeCredentialCheck(user.id);
      memo.credentialChecked = true;
      const pending = await this.repo.pendingCode(user.id, 'password_reset');
      if (!pending) throw Errors.codeNotFound();
      if (pending.expiresAt <= this.now()) throw Errors.codeExpired();
      if (!codeMatches(password.verificationCode, pending.codeHash)) throw Errors.codeInvalid();
      change.consumeCode = { kind: 'password_reset', codeHash: pending.codeHash };
    } else if (password.currentPassword !== undefined) {
      if (!memo.credentialChecked) budget.consumeCredentialCheck(user.id);
      memo.credentialChecked = true;
      if (user.state === 'locked') throw Errors.userLocked();
      if (user.passwordHash === null) throw Errors.passwordNotSet();
      const delay = failureDelayMs(user.failedPasswordAttempts);
      if (delay > 0) await this.sleep(delay);
      if (!(await this.hasher.verify(password.currentPassword, user.passwordHash))) {
        const { lockout } = await this.repo.policies(user.orgId);
        const failedAttempts = await this.repo.recordFailedPasswordCheck(
          user.id,
          viewer.userId,
          lockout.maxPasswordAttempts,
          this.now(),
        );
        this.observer?.onPasswordCheckFailed();
        throw Errors.passwordInvalid({ failedAttempts });
      }
    }
    // (neither: user.write was required at the permission step)

    let hash: string;
    let changeRequired: boolean;
    if (password.password) {
      const plain = password.password.password;
      // 3. same as current
      if (user.passwordHash !== null && (await this.hasher.verify(plain, user.passwordHash))) {
        throw Errors.passwordSameAsCurrent();
      }
      // 4. complexity
      checkComplexity(plain, (await this.repo.policies(user.orgId)).complexity);
      // 5. hash before the transaction opens
      memo.newHash ??= this.hasher.hash(plain);
      hash = await memo.newHash;
      changeRequired = password.password.changeRequired ?? false;
    } else {
      const imported = password.hashedPassword as { hash: string; changeRequired?: boolean };
      hash = imported.hash;
      changeRequired = imported.changeRequired ?? false;
    }
    change.events.push({ type: 'password.changed', payload: { changeRequired } });
    Object.assign(
      change.columns,
      userColumns({ passwordHash: hash, passwordChangeRequired: changeRequired, failedPasswordAttempts: 0 }),
    );
    change.deleteCodes.push('password_reset');
  }

  // --- helpers --------------------------------------------------------------------------------

  private async findHuman(userId: string, notFound: () => DomainError): Promise<User> {
    const user = await this.repo.findUser(userId);
    if (!isLiveHuman(user)) throw notFound();
    return user;
  }

  private authorizeWrite(viewer: Viewer, user: User, needsWrite: boolean): void {
    if (!needsWrite && viewer.userId === user.id) return;
    const access = accessTo(viewer, user.orgId);
    if (!access.hasRole) throw Errors.membershipNotFound();
    if (!access.permissions.has('user.write')) throw Errors.permissionDenied();
  }

  private newChangeSet(user: User, viewer: Viewer): ChangeSet {
    return { user, creator: viewer.userId, events: [], columns: {}, setCodes: [], deleteCodes: [], outbox: [] };
  }

  private addCode(change: ChangeSet, kind: CodeKind, urlTemplate: string | null, returnCode: boolean): string {
    const code = generateCode();
    change.setCodes.push({ kind, codeHash: hashCode(code), urlTemplate, expiresAt: this.expiry() });
    const event: NewEvent = {
      type: kind === 'email' ? 'email.code.added' : 'phone.code.added',
      payload: kind === 'email' ? { returnCode, urlTemplate } : { returnCode },
    };
    change.events.push(event);
    return code;
  }

  private now(): string {
    return this.clock.now().toISOString();
  }

  private expiry(): string {
    return new Date(this.clock.now().getTime() + CODE_TTL_MS).toISOString();
  }
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

function withUrl(code: string, urlTemplate: string | null, user: User): { code: string; url?: string } {
  if (urlTemplate === null) return { code };
  return { code, url: renderUrlTemplate(urlTemplate, { UserID: user.id, Code: code, OrgID: user.orgId }) };
}

function omitUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export { DomainError };
