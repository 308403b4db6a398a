// DomainError → GraphQLError, once for the GraphQL face (spec §6): extensions.code is the gRPC
// code name, extensions.id the upstream id, extensions.http.status the status of spec §7.
// Anything unexpected is masked as INTERNAL "Errors.Internal" and reported to `onUnexpected`.
import { GraphQLError } from 'graphql';
import { DomainError } from '../domain/errors.js';
import { GRPC_CODES, grpcCodeName, httpStatusOf } from '../grpc-status.js';

export function domainToGraphQLError(error: DomainError, base?: GraphQLError): GraphQLError {
  const extensions: Record<string, unknown> = {
    code: grpcCodeName(error.code),
    http: { status: httpStatusOf(error.code) },
  };
  if (error.id) extensions.id = error.id;
  if (error.details.failedAttempts !== undefined) extensions.failedAttempts = error.details.failedAttempts;
  return new GraphQLError(error.message, {
    nodes: base?.nodes,
    source: base?.source,
    positions: base?.positions,
    path: base?.path,
    extensions,
  });
}

export function internalError(base?: GraphQLError): GraphQLError {
  return new GraphQLError('Errors.Internal', {
    nodes: base?.nodes,
    path: base?.path,
    positions: base?.positions,
    extensions: { code: 'INTERNAL', http: { status: httpStatusOf(GRPC_CODES.INTERNAL) } },
  });
}

/** yoga's maskError hook. */
export function createMaskError(onUnexpected: (error: unknown) => void) {
  return (error: unknown): Error => {
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    if (original instanceof DomainError) {
      return domainToGraphQLError(original, error instanceof GraphQLError ? error : undefined);
    }
    if (original instanceof GraphQLError && original.extensions?.code) return original;
    if (error instanceof GraphQLError && error.originalError === undefined) return error; // request errors
    onUnexpected(original);
    return internalError(error instanceof GraphQLError ? error : undefined);
  };
}
