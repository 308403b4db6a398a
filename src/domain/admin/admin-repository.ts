// Administration's storage (Kysely only, portable SQL): organizations, seeded users, role grants,
// access tokens and policies. Rules (what may be added, messages) stay in AdminService; user
// columns go through the user repository's one camelCase → snake_case mapping (`userColumns`).
import type { Kysely } from 'kysely';
import type { Database } from '../../db/types.js';
import type { User } from '../users/model.js';
import { isUniqueViolation, userColumns } from '../users/user-repository.js';

/** A user's domain fields as `userColumns` takes them. */
export type UserFields = Parameters<typeof userColumns>[0];

export interface NewUser {
  id: string;
  orgId: string;
  kind: 'human' | 'machine';
  state: User['state'];
  username: string;
  usernameKey: string;
  fields: UserFields;
  /** The payload of the creation event (sequence 1); never a password, hash or code. */
  payload: Record<string, unknown>;
  at: string;
}

export interface TokenRow {
  id: string;
  userId: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface PolicyChange {
  minLength?: number;
  hasLowercase?: boolean;
  hasUppercase?: boolean;
  hasNumber?: boolean;
  hasSymbol?: boolean;
  maxPasswordAttempts?: number;
}

export class AdminRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** false when a domain is already verified by another organization. */
  async insertOrganization(org: {
    id: string;
    name: string;
    scopedUsernames: boolean;
    domains: readonly string[];
    at: string;
  }): Promise<boolean> {
    return this.unique(() =>
      this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('organizations')
          .values({ id: org.id, name: org.name, scoped_usernames: org.scopedUsernames ? 1 : 0, created_at: org.at })
          .execute();
        for (const domain of org.domains) {
          await trx.insertInto('org_domains').values({ domain, org_id: org.id, verified: 1 }).execute();
        }
      }),
    );
  }

  /** The user's row and its creation event in one transaction; false when the username is taken. */
  async insertUser(user: NewUser): Promise<boolean> {
    return this.unique(() =>
      this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('users')
          .values({
            ...userColumns(user.fields),
            id: user.id,
            org_id: user.orgId,
            kind: user.kind,
            state: user.state,
            username: user.username,
            username_key: user.usernameKey,
            sequence: 1,
            change_date: user.at,
            created_at: user.at,
          })
          .execute();
        await trx
          .insertInto('user_events')
          .values({
            user_id: user.id,
            sequence: 1,
            type: 'user.created',
            payload: JSON.stringify(user.payload),
            creator: user.id,
            resource_owner: user.orgId,
            created_at: user.at,
          })
          .execute();
      }),
    );
  }

  async insertRoleGrant(grant: {
    id: string;
    userId: string;
    role: string;
    orgId: string | null;
    at: string;
  }): Promise<void> {
    await this.db
      .insertInto('role_grants')
      .values({ id: grant.id, user_id: grant.userId, role: grant.role, org_id: grant.orgId, created_at: grant.at })
      .execute();
  }

  async insertToken(token: {
    id: string;
    tokenHash: string;
    userId: string;
    at: string;
    expiresAt: string | null;
  }): Promise<void> {
    await this.db
      .insertInto('access_tokens')
      .values({
        id: token.id,
        token_hash: token.tokenHash,
        user_id: token.userId,
        created_at: token.at,
        expires_at: token.expiresAt,
        revoked_at: null,
      })
      .execute();
  }

  /** Revokes the active token with this hash or id; undefined when none matches. */
  async revokeToken(
    which: { tokenHash: string } | { id: string },
    at: string,
  ): Promise<{ id: string; revokedAt: string } | undefined> {
    const query = this.db.updateTable('access_tokens').set({ revoked_at: at }).where('revoked_at', 'is', null);
    const row = await ('tokenHash' in which
      ? query.where('token_hash', '=', which.tokenHash)
      : query.where('id', '=', which.id)
    )
      .returning(['id', 'revoked_at'])
      .executeTakeFirst();
    return row ? { id: row.id, revokedAt: row.revoked_at as string } : undefined;
  }

  async listTokens(userId: string): Promise<TokenRow[]> {
    const rows = await this.db
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

  /** Sets the given policy settings of an organization, creating its row when there is none. */
  async upsertPolicy(orgId: string, change: PolicyChange): Promise<void> {
    const flag = (v: boolean | undefined) => (v === undefined ? undefined : v ? (1 as const) : (0 as const));
    const columns = {
      min_length: change.minLength,
      has_lowercase: flag(change.hasLowercase),
      has_uppercase: flag(change.hasUppercase),
      has_number: flag(change.hasNumber),
      has_symbol: flag(change.hasSymbol),
      max_password_attempts: change.maxPasswordAttempts,
    };
    const set = Object.fromEntries(Object.entries(columns).filter(([, v]) => v !== undefined));
    await this.db
      .insertInto('org_policies')
      .values({ org_id: orgId, ...set })
      .onConflict((oc) =>
        Object.keys(set).length ? oc.column('org_id').doUpdateSet(set) : oc.column('org_id').doNothing(),
      )
      .execute();
  }

  private async unique(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }
}
