// Bearer token → viewer (spec §5). Tokens are looked up by their SHA-256 and compared in
// constant time; expired and revoked tokens are rejected on every request (no cache).
import type { Kysely } from 'kysely';
import type { Database } from '../../db/types.js';
import type { Clock } from '../../ids.js';
import { Errors } from '../errors.js';
import type { Viewer } from './permissions.js';
import { hashToken, tokenHashesEqual } from './tokens.js';

export class Authenticator {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /** Throws the contract's 401 errors; returns the viewer for a valid token. */
  async authenticate(authorization: string | null): Promise<Viewer> {
    if (authorization === null || authorization === '') throw Errors.authHeaderMissing();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match?.[1]) throw Errors.authHeaderInvalid();
    const tokenHash = hashToken(match[1]);
    const row = await this.db
      .selectFrom('access_tokens')
      .innerJoin('users', 'users.id', 'access_tokens.user_id')
      .select([
        'access_tokens.token_hash',
        'access_tokens.expires_at',
        'access_tokens.revoked_at',
        'users.id as user_id',
        'users.org_id',
        'users.state',
      ])
      .where('access_tokens.token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (
      !row ||
      !tokenHashesEqual(row.token_hash, tokenHash) ||
      row.revoked_at !== null ||
      (row.expires_at !== null && row.expires_at <= this.clock.now().toISOString()) ||
      row.state === 'deleted' ||
      row.state === 'locked' ||
      row.state === 'inactive'
    ) {
      throw Errors.tokenInvalid();
    }
    const grants = await this.db
      .selectFrom('role_grants')
      .select(['role', 'org_id'])
      .where('user_id', '=', row.user_id)
      .execute();
    return {
      userId: row.user_id,
      orgId: row.org_id,
      grants: grants.map((g) => ({ role: g.role, orgId: g.org_id })),
    };
  }
}
