// Bearer token → viewer (spec §5). Tokens are looked up by their SHA-256 and compared in
// constant time; expired and revoked tokens are rejected on every request (no cache).
import type { Clock } from '../../ids.js';
import { Errors } from '../errors.js';
import type { AuthRepository } from './auth-repository.js';
import type { Viewer } from './permissions.js';
import { hashToken, tokenHashesEqual } from './tokens.js';

export class Authenticator {
  constructor(
    private readonly repository: AuthRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * Throws the contract's 401 errors, and 403 AUTH-Bs7Ds when `orgId` (the x-zitadel-orgid header)
   * names no organization; returns the viewer for a valid token. As upstream, the scheme is
   * `Bearer` exactly (case-sensitive) followed by one space.
   */
  async authenticate(authorization: string | null, orgId: string | null = null): Promise<Viewer> {
    if (authorization === null || authorization === '') throw Errors.authHeaderMissing();
    const match = /^Bearer (\S+)$/.exec(authorization);
    if (!match?.[1]) throw Errors.authHeaderInvalid();
    const tokenHash = hashToken(match[1]);
    const rows = await this.repository.tokenGrants(tokenHash);
    const row = rows[0];
    if (
      !row ||
      !tokenHashesEqual(row.tokenHash, tokenHash) ||
      row.revokedAt !== null ||
      (row.expiresAt !== null && row.expiresAt <= this.clock.now().toISOString()) ||
      row.state === 'deleted' ||
      row.state === 'locked' ||
      row.state === 'inactive'
    ) {
      throw Errors.tokenInvalid();
    }
    if (orgId && !(await this.repository.organizationExists(orgId))) throw Errors.orgNotFound();
    const grants = rows.flatMap((g) => (g.role === null ? [] : [{ role: g.role, orgId: g.grantOrgId }]));
    const language = row.preferredLanguage;
    return {
      userId: row.userId,
      orgId: row.orgId,
      grants,
      ...(language && language !== 'und' ? { preferredLanguage: language } : {}),
    };
  }
}
