// DomainError → GraphQLError, once for the GraphQL face (spec §6): extensions.code is the gRPC
// code name, extensions.id the upstream id, extensions.http.status the status of spec §7.
// Anything unexpected is masked as INTERNAL "Errors.Internal" and reported to `onUnexpected`.
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { DomainError } from '../domain/errors.js';
import { GRPC_CODES, grpcCodeName, grpcCodeOf, httpStatusOf } from '../grpc-status.js';

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
      if (!original.extensions?.code) return normalizeError(base);
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

const GRPC_NAMES = new Set(Object.keys(GRPC_CODES));

/**
 * One error of a GraphQL HTTP response in the contract's terms: a gRPC code name and the status
 * of spec §7. Errors raised by yoga or GraphQL itself (parse, missing query, validation,
 * operation limits, body too large) come with other codes or none, and with `http.spec`, which
 * would make them 200 for `Accept: application/json`.
 */
function normalizeError(error: GraphQLError): GraphQLError {
  const extensions = error.extensions ?? {};
  const http = extensions.http as { status?: number; spec?: boolean; headers?: Record<string, string> } | undefined;
  const known = typeof extensions.code === 'string' && GRPC_NAMES.has(extensions.code);
  if (known && http?.status && !http.spec) return error;
  const tooLarge = extensions.code === 'REQUEST_ENTITY_TOO_LARGE' || http?.status === 413;
  const code = known ? (extensions.code as string) : tooLarge ? 'RESOURCE_EXHAUSTED' : 'INVALID_ARGUMENT';
  // 405 (a mutation over GET) and 413 keep their HTTP meaning; everything else follows the table.
  const status =
    http?.status === 405 || http?.status === 413 ? http.status : httpStatusOf(grpcCodeOf(code) ?? GRPC_CODES.INTERNAL);
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: { ...extensions, code, http: { status, ...(http?.headers ? { headers: http.headers } : {}) } },
  });
}

/** Every error of the GraphQL face carries a gRPC code name and the HTTP status of spec §7. */
export function useRequestErrorCodes(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !('errors' in result) || !result.errors?.length) return;
      setResult({ ...result, errors: result.errors.map((e) => normalizeError(e as GraphQLError)) });
    },
  };
}
