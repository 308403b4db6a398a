// Administration used by the CLI and tests: seeding organizations, users, roles, tokens and
// policies. Not exposed over HTTP. Creation is each user's event 1.
import type { Kysely } from 'kysely';
import type { Database, NewUserRow } from '../../db/types.js';
import type { Clock, IdGenerator } from '../../ids.js';
import { INSTANCE_ROLES, KNOWN_ROLES } from '../auth/permissions.js';
import { generateToken, hashToken } from '../auth/tokens.js';
import { checkEmail, normalizePhone } from '../users/contact.js';
import { type User, usernameKey } from '../users/model.js';
import type { PasswordHasher } from '../users/passwords.js';
import { isUniqueViolation, type UserRepository } from '../users/user-repository.js';

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

export interface PolicyChange {
  minLength?: number;
  hasLowercase?: boolean;
  hasUppercase?: boolean;
  hasNumber?: boolean;
  hasSymbol?: boolean;
  maxPasswordAttempts?: number;
}

export interface TokenInfo {
  id: string;
  userId: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export class AdminService {
  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      clock: Clock;
      newId: IdGenerator;
      hasher: PasswordHasher;
      repository: UserRepository;
    },
  ) {}

  private now(): string {
    return this.deps.clock.now().toISOString();
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
    try {
      await this.deps.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('organizations')
          .values({ id, name: input.name, scoped_usernames: input.scopedUsernames ? 1 : 0, created_at: this.now() })
          .execute();
        for (const domain of domains) {
          await trx.insertInto('org_domains').values({ domain, org_id: id, verified: 1 }).execute();
        }
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new AdminError('a domain is already verified by another organization');
      throw error;
    }
    return { id };
  }

  async addHuman(input: NewHuman): Promise<{ id: string }> {
    const org = await this.deps.repository.findOrganization(input.orgId);
    if (!org) throw new AdminError(`organization ${input.orgId} does not exist`);
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
    let passwordHash: string | null = null;
    if (input.passwordHash) {
      if (!/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/.test(input.passwordHash))
        throw new AdminError('passwordHash must be bcrypt');
      passwordHash = input.passwordHash;
    } else if (input.password) {
      passwordHash = await this.deps.hasher.hash(input.password);
    }
    const state = input.state ?? (passwordHash === null ? 'initial' : 'active');
    return this.insertUser({
      orgId: org.id,
      kind: 'human',
      state,
      username: input.username,
      key: usernameKey(input.username, org),
      columns: {
        given_name: input.givenName,
        family_name: input.familyName,
        preferred_language: input.preferredLanguage ?? 'und',
        email: input.email,
        email_verified: input.emailVerified ? 1 : 0,
        phone,
        phone_verified: phone && input.phoneVerified ? 1 : 0,
        password_hash: passwordHash,
        password_change_required: input.changeRequired ? 1 : 0,
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
    const org = await this.deps.repository.findOrganization(input.orgId);
    if (!org) throw new AdminError(`organization ${input.orgId} does not exist`);
    if (!input.username) throw new AdminError('username must not be empty');
    return this.insertUser({
      orgId: org.id,
      kind: 'machine',
      state: 'active',
      username: input.username,
      key: usernameKey(input.username, org),
      columns: {},
      payload: { username: input.username, machine: true },
    });
  }

  private async insertUser(input: {
    orgId: string;
    kind: 'human' | 'machine';
    state: User['state'];
    username: string;
    key: string;
    columns: Partial<NewUserRow>;
    payload: Record<string, unknown>;
  }): Promise<{ id: string }> {
    const id = this.deps.newId();
    const now = this.now();
    try {
      await this.deps.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('users')
          .values({
            id,
            org_id: input.orgId,
            kind: input.kind,
            state: input.state,
            username: input.username,
            username_key: input.key,
            ...input.columns,
            sequence: 1,
            change_date: now,
            created_at: now,
          })
          .execute();
        await trx
          .insertInto('user_events')
          .values({
            user_id: id,
            sequence: 1,
            type: 'user.created',
            payload: JSON.stringify(input.payload),
            creator: id,
            resource_owner: input.orgId,
            created_at: now,
          })
          .execute();
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new AdminError(`username ${input.username} is already taken`);
      throw error;
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
    const user = await this.deps.repository.findUser(input.userId);
    if (!user) throw new AdminError(`user ${input.userId} does not exist`);
    if (input.orgId && !(await this.deps.repository.findOrganization(input.orgId))) {
      throw new AdminError(`organization ${input.orgId} does not exist`);
    }
    const grant = { id: this.deps.newId(), userId: input.userId, role: input.role, orgId: input.orgId ?? null };
    await this.deps.db
      .insertInto('role_grants')
      .values({ id: grant.id, user_id: grant.userId, role: grant.role, org_id: grant.orgId, created_at: this.now() })
      .execute();
    return grant;
  }

  /** Creates a bearer token; the secret is returned once and stored only as its SHA-256. */
  async addToken(input: {
    userId: string;
    expiresInMs?: number;
  }): Promise<{ id: string; token: string; expiresAt: string | null }> {
    const user = await this.deps.repository.findUser(input.userId);
    if (!user || user.state === 'deleted') throw new AdminError(`user ${input.userId} does not exist`);
    const token = generateToken();
    const id = this.deps.newId();
    const now = this.deps.clock.now();
    const expiresAt =
      input.expiresInMs !== undefined ? new Date(now.getTime() + input.expiresInMs).toISOString() : null;
    await this.deps.db
      .insertInto('access_tokens')
      .values({
        id,
        token_hash: hashToken(token),
        user_id: input.userId,
        created_at: now.toISOString(),
        expires_at: expiresAt,
        revoked_at: null,
      })
      .execute();
    return { id, token, expiresAt };
  }

  async revokeToken(input: { token?: string; id?: string }): Promise<{ id: string; revokedAt: string }> {
    let query = this.deps.db
      .updateTable('access_tokens')
      .set({ revoked_at: this.now() })
      .where('revoked_at', 'is', null);
    if (input.token) query = query.where('token_hash', '=', hashToken(input.token));
    else if (input.id) query = query.where('id', '=', input.id);
    else throw new AdminError('give --token or --id');
    const row = await query.returning(['id', 'revoked_at']).executeTakeFirst();
    if (!row) throw new AdminError('no active token matches');
    return { id: row.id, revokedAt: row.revoked_at as string };
  }

  async listTokens(userId: string): Promise<TokenInfo[]> {
    const rows = await this.deps.db
      .selectFrom('access_tokens')
      .select(['id', 'user_id', 'created_at', 'expires_at', 'revoked_at'])
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      revokedAt: r.revoked_at,
    }));
  }

  async setPolicy(orgId: string, change: PolicyChange): Promise<Record<string, unknown>> {
    if (!(await this.deps.repository.findOrganization(orgId)))
      throw new AdminError(`organization ${orgId} does not exist`);
    const b = (v: boolean | undefined) => (v === undefined ? undefined : v ? (1 as const) : (0 as const));
    const values = {
      min_length: change.minLength,
      has_lowercase: b(change.hasLowercase),
      has_uppercase: b(change.hasUppercase),
      has_number: b(change.hasNumber),
      has_symbol: b(change.hasSymbol),
      max_password_attempts: change.maxPasswordAttempts,
    };
    const set = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
    await this.deps.db
      .insertInto('org_policies')
      .values({ org_id: orgId, ...set })
      .onConflict((oc) =>
        Object.keys(set).length ? oc.column('org_id').doUpdateSet(set) : oc.column('org_id').doNothing(),
      )
      .execute();
    const policies = await this.deps.repository.policies(orgId);
    return { orgId, ...policies.complexity, ...policies.lockout };
  }
}
