// Administration used by the CLI and tests: seeding organizations, users, roles, tokens and
// policies. Not exposed over HTTP. Creation is each user's event 1.
import type { Clock, IdGenerator } from '../../ids.js';
import { INSTANCE_ROLES, KNOWN_ROLES } from '../auth/permissions.js';
import { generateToken, hashToken } from '../auth/tokens.js';
import { checkEmail, normalizePhone } from '../users/contact.js';
import { usernameKey } from '../users/model.js';
import type { PasswordHasher } from '../users/passwords.js';
import type { UserRepository } from '../users/user-repository.js';
import type { AdminRepository, NewUser, PolicyChange, TokenRow } from './admin-repository.js';

export class AdminError extends Error {}

export interface NewHuman {
  orgId: string;
  username: string;
  givenName: string;
  familyName: string;
  email: string;
  emailVerified?: boolean;
  phone?: string;
  phoneVerified?: boolean;
  password?: string;
  /** An existing bcrypt hash, e.g. for fixtures that must not pay for hashing. */
  passwordHash?: string;
  changeRequired?: boolean;
  state?: 'initial' | 'active' | 'inactive' | 'locked';
  preferredLanguage?: string;
}

export type { PolicyChange };

export type TokenInfo = TokenRow;

export class AdminService {
  constructor(
    private readonly deps: {
      /** Administration's own storage. */
      repository: AdminRepository;
      /** Reads of users and organizations (and their policies). */
      users: UserRepository;
      clock: Clock;
      newId: IdGenerator;
      hasher: PasswordHasher;
    },
  ) {}

  private now(): string {
    return this.deps.clock.now().toISOString();
  }

  private async organization(orgId: string) {
    const org = await this.deps.users.findOrganization(orgId);
    if (!org) throw new AdminError(`organization ${orgId} does not exist`);
    return org;
  }

  async addOrganization(input: {
    name: string;
    scopedUsernames?: boolean;
    domains?: string[];
  }): Promise<{ id: string }> {
    if (!input.name.trim()) throw new AdminError('organization name must not be empty');
    const id = this.deps.newId();
    const domains = [...new Set((input.domains ?? []).map((d) => d.trim().toLowerCase()))];
    for (const domain of domains) {
      if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(domain)) {
        throw new AdminError(`invalid domain: ${domain}`);
      }
    }
    const inserted = await this.deps.repository.insertOrganization({
      id,
      name: input.name,
      scopedUsernames: Boolean(input.scopedUsernames),
      domains,
      at: this.now(),
    });
    if (!inserted) throw new AdminError('a domain is already verified by another organization');
    return { id };
  }

  async addHuman(input: NewHuman): Promise<{ id: string }> {
    const org = await this.organization(input.orgId);
    if (!input.username) throw new AdminError('username must not be empty');
    if (!input.givenName || !input.familyName) throw new AdminError('given and family name must not be empty');
    try {
      checkEmail(input.email);
    } catch {
      throw new AdminError(`invalid email: ${input.email}`);
    }
    let phone = '';
    if (input.phone) {
      try {
        phone = normalizePhone(input.phone);
      } catch {
        throw new AdminError(`invalid phone: ${input.phone}`);
      }
    }
    let passwordHash: string | undefined;
    if (input.passwordHash) {
      if (!/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/.test(input.passwordHash))
        throw new AdminError('passwordHash must be bcrypt');
      passwordHash = input.passwordHash;
    } else if (input.password) {
      passwordHash = await this.deps.hasher.hash(input.password);
    }
    const state = input.state ?? (passwordHash === undefined ? 'initial' : 'active');
    return this.insertUser({
      orgId: org.id,
      kind: 'human',
      state,
      username: input.username,
      usernameKey: usernameKey(input.username, org),
      fields: {
        givenName: input.givenName,
        familyName: input.familyName,
        preferredLanguage: input.preferredLanguage ?? 'und',
        email: input.email,
        emailVerified: Boolean(input.emailVerified),
        phone,
        phoneVerified: Boolean(phone && input.phoneVerified),
        ...(passwordHash !== undefined ? { passwordHash } : {}),
        passwordChangeRequired: Boolean(input.changeRequired),
      },
      payload: {
        username: input.username,
        givenName: input.givenName,
        familyName: input.familyName,
        email: input.email,
        emailVerified: Boolean(input.emailVerified),
        phone,
        state,
      },
    });
  }

  async addMachine(input: { orgId: string; username: string }): Promise<{ id: string }> {
    const org = await this.organization(input.orgId);
    if (!input.username) throw new AdminError('username must not be empty');
    return this.insertUser({
      orgId: org.id,
      kind: 'machine',
      state: 'active',
      username: input.username,
      usernameKey: usernameKey(input.username, org),
      fields: {},
      payload: { username: input.username, machine: true },
    });
  }

  private async insertUser(input: Omit<NewUser, 'id' | 'at'>): Promise<{ id: string }> {
    const id = this.deps.newId();
    if (!(await this.deps.repository.insertUser({ ...input, id, at: this.now() }))) {
      throw new AdminError(`username ${input.username} is already taken`);
    }
    return { id };
  }

  async addRole(input: { userId: string; role: string; orgId?: string }): Promise<{
    id: string;
    userId: string;
    role: string;
    orgId: string | null;
  }> {
    if (!KNOWN_ROLES.includes(input.role)) {
      throw new AdminError(`unknown role ${input.role}; known roles: ${KNOWN_ROLES.join(', ')}`);
    }
    const instanceRole = (INSTANCE_ROLES as readonly string[]).includes(input.role);
    if (instanceRole && input.orgId) throw new AdminError(`${input.role} is instance-wide; drop --org`);
    if (!instanceRole && !input.orgId) throw new AdminError(`${input.role} is granted on an organization; add --org`);
    const user = await this.deps.users.findUser(input.userId);
    if (!user) throw new AdminError(`user ${input.userId} does not exist`);
    if (input.orgId) await this.organization(input.orgId);
    const grant = { id: this.deps.newId(), userId: input.userId, role: input.role, orgId: input.orgId ?? null };
    await this.deps.repository.insertRoleGrant({ ...grant, at: this.now() });
    return grant;
  }

  /** Creates a bearer token; the secret is returned once and stored only as its SHA-256. */
  async addToken(input: {
    userId: string;
    expiresInMs?: number;
  }): Promise<{ id: string; token: string; expiresAt: string | null }> {
    const user = await this.deps.users.findUser(input.userId);
    if (!user || user.state === 'deleted') throw new AdminError(`user ${input.userId} does not exist`);
    const token = generateToken();
    const id = this.deps.newId();
    const now = this.deps.clock.now();
    const expiresAt =
      input.expiresInMs !== undefined ? new Date(now.getTime() + input.expiresInMs).toISOString() : null;
    await this.deps.repository.insertToken({
      id,
      tokenHash: hashToken(token),
      userId: input.userId,
      at: now.toISOString(),
      expiresAt,
    });
    return { id, token, expiresAt };
  }

  async revokeToken(input: { token?: string; id?: string }): Promise<{ id: string; revokedAt: string }> {
    let which: { tokenHash: string } | { id: string };
    if (input.token) which = { tokenHash: hashToken(input.token) };
    else if (input.id) which = { id: input.id };
    else throw new AdminError('give --token or --id');
    const revoked = await this.deps.repository.revokeToken(which, this.now());
    if (!revoked) throw new AdminError('no active token matches');
    return revoked;
  }

  async listTokens(userId: string): Promise<TokenInfo[]> {
    return this.deps.repository.listTokens(userId);
  }

  async setPolicy(orgId: string, change: PolicyChange): Promise<Record<string, unknown>> {
    await this.organization(orgId);
    await this.deps.repository.upsertPolicy(orgId, change);
    const policies = await this.deps.users.policies(orgId);
    return { orgId, ...policies.complexity, ...policies.lockout };
  }
}
