// The one mapping of a DomainError to the GraphQL error every face reads (src/schema/errors.ts).
import { describe, expect, it } from 'vitest';
import { DomainError, Errors } from '../../src/domain/errors.js';
import { GRPC_CODES } from '../../src/grpc-status.js';
import { domainToGraphQLError } from '../../src/schema/errors.js';

const headersOf = (error: DomainError) => domainToGraphQLError(error).extensions.http?.headers;

describe('HTTP particulars of a mapped error', () => {
  it('each catalogued 401 carries its RFC 6750 challenge', () => {
    expect(headersOf(Errors.authHeaderMissing())).toEqual({ 'www-authenticate': 'Bearer realm="zitadel"' });
    expect(headersOf(Errors.tokenInvalid())).toEqual({
      'www-authenticate': 'Bearer realm="zitadel", error="invalid_token"',
    });
  });

  it('a 401 without particulars (an upstream answer) still challenges', () => {
    const upstream = new DomainError(GRPC_CODES.UNAUTHENTICATED, 'AUTH-x', 'from upstream');
    expect(headersOf(upstream)).toEqual({ 'www-authenticate': 'Bearer realm="zitadel", error="invalid_token"' });
  });

  it('other errors carry no challenge; Retry-After stays', () => {
    expect(headersOf(Errors.userNotFound())).toBeUndefined();
    expect(headersOf(Errors.rateLimited())).toEqual({ 'retry-after': '60' });
  });
});
