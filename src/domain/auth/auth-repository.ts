// What authentication reads (Kysely only): a token by its hash, with its user and role grants.
import type { Kysely } from 'kysely';
import { precompile } from '../../db/precompiled.js';
import type { Database } from '../../db/types.js';

/** A token with its user and one of the user's role grants. */
export interface TokenGrant {
  tokenHash: string;
  expiresAt: string | null;
  revokedAt: string | null;
  userId: string;
  orgId: string;
  state: string;
  /** The user's profile language (BCP 47; `und` when unknown). */
  preferredLanguage: string;
  /** null when the user has no role grant (one entry per grant otherwise). */
  role: string | null;
  grantOrgId: string | null;
}

export class AuthRepository {
  /** One statement: the token, its user and the user's role grants (one row per grant). */
  private readonly byTokenHash = precompile(
    (db, p: { tokenHash: string }) =>
      db
        .selectFrom('access_tokens')
        .innerJoin('users', 'users.id', 'access_tokens.user_id')
        .leftJoin('role_grants', 'role_grants.user_id', 'users.id')
        .select([
          'access_tokens.token_hash',
          'access_tokens.expires_at',
          'access_tokens.revoked_at',
          'users.id as user_id',
          'users.org_id',
          'users.state',
          'users.preferred_language',
          'role_grants.role',
          'role_grants.org_id as grant_org_id',
        ])
        .where('access_tokens.token_hash', '=', p.tokenHash),
    () => '',
    // Every request sends it: planned once per PostgreSQL connection.
    true,
  );

  constructor(private readonly db: Kysely<Database>) {}

  /** The token's entries (one per role grant of its user); empty when no token has this hash. */
  async tokenGrants(tokenHash: string): Promise<TokenGrant[]> {
    const { rows } = await this.byTokenHash(this.db, { tokenHash });
    return rows.map((row) => ({
      tokenHash: row.token_hash,
      expiresAt: row.expires_at,
      revokedAt: row.revoked_at,
      userId: row.user_id,
      orgId: row.org_id,
      state: row.state,
      preferredLanguage: row.preferred_language,
      role: row.role,
      grantOrgId: row.grant_org_id,
    }));
  }

  async organizationExists(orgId: string): Promise<boolean> {
    const row = await this.db.selectFrom('organizations').select('id').where('id', '=', orgId).executeTakeFirst();
    return row !== undefined;
  }
}
