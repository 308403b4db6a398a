// DomainError → GraphQLError, once for the GraphQL face (spec §6): extensions.code is the gRPC
// code name, extensions.id the upstream id, extensions.http.status the status of spec §7.
// Anything unexpected is masked as INTERNAL "Errors.Internal" and reported to `onUnexpected`.
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
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
    if (original instanceof GraphQLError) {
      // Validation-plugin errors keep their code; GraphQL's own (e.g. variable coercion) get INVALID_ARGUMENT.
      const base = error instanceof GraphQLError ? error : original;
      if (!original.extensions?.code) return withInvalidArgument(base) as GraphQLError;
      return new GraphQLError(original.message, {
        nodes: base.nodes,
        positions: base.positions,
        path: base.path,
        extensions: original.extensions,
      });
    }
    onUnexpected(original);
    return internalError(error instanceof GraphQLError ? error : undefined);
  };
}

function withInvalidArgument(error: unknown): unknown {
  if (!(error instanceof GraphQLError) || error.extensions?.code) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: {
      ...error.extensions,
      code: 'INVALID_ARGUMENT',
      http: { status: httpStatusOf(GRPC_CODES.INVALID_ARGUMENT) },
    },
  });
}

/**
 * GraphQL's own validation errors carry no code; give them
 * INVALID_ARGUMENT so every error of the GraphQL face has `extensions.code` (spec §6).
 */
export function useRequestErrorCodes(): Plugin {
  return {
    onValidate:
      () =>
      ({ valid, result, setResult }) => {
        if (!valid) setResult(result.map(withInvalidArgument));
      },
  };
}
