// The catalogue's DomainError → GraphQLError, once for every face (spec §6): extensions.code is the
// gRPC code name, extensions.id the upstream id, extensions.http the status of spec §7 and any
// headers (Retry-After). The REST and gRPC faces read these extensions (src/wire/errors.ts), so
// they answer the same. Anything unexpected is masked as INTERNAL "Errors.Internal" and reported
// to `onUnexpected`. Every rebuilt error keeps its locations, path and originalError.
import { GraphQLError, type GraphQLErrorOptions } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { BEARER_CHALLENGE, catalogued, DomainError } from '../domain/errors.js';
import { GRPC_CODES, type GrpcCodeName, grpcCodeName, grpcCodeOf, httpStatusOf } from '../grpc-status.js';
import { requestedLanguages, translatedMessage } from '../i18n/messages.js';

declare module 'graphql' {
  interface GraphQLErrorExtensions {
    /** A gRPC code name (`NOT_FOUND`); yoga's and GraphQL's own codes are normalized to one. */
    code?: GrpcCodeName | (string & {});
    /** ZITADEL's error id (`COMMAND-ugjs0upun6`). */
    id?: string;
    /** Failed password checks so far (ZITADEL's CredentialsCheckError). */
    failedAttempts?: number;
  }
}

/** `error` with new message and extensions, keeping where it happened and what caused it. */
function rebuilt(error: GraphQLError | undefined, message: string, options: GraphQLErrorOptions): GraphQLError {
  return new GraphQLError(message, {
    nodes: error?.nodes,
    source: error?.source,
    positions: error?.positions,
    path: error?.path,
    originalError: error?.originalError ?? undefined,
    ...options,
  });
}

export function domainToGraphQLError(error: DomainError, base?: GraphQLError): GraphQLError {
  const status = error.http.status ?? httpStatusOf(error.code);
  // Every 401 challenges (RFC 9110 §11.6.1), also one that upstream answered without particulars.
  const challenge = error.http.wwwAuthenticate ?? (status === 401 ? BEARER_CHALLENGE.invalid : undefined);
  const headers = {
    ...(error.http.retryAfterSeconds !== undefined ? { 'retry-after': String(error.http.retryAfterSeconds) } : {}),
    ...(challenge ? { 'www-authenticate': challenge } : {}),
  };
  return rebuilt(base, error.message, {
    originalError: error,
    extensions: {
      code: grpcCodeName(error.code),
      ...(error.id ? { id: error.id } : {}),
      ...(error.details.failedAttempts !== undefined ? { failedAttempts: error.details.failedAttempts } : {}),
      http: { status, ...(Object.keys(headers).length > 0 ? { headers } : {}) },
    },
  });
}

export function internalError(base?: GraphQLError): GraphQLError {
  return rebuilt(base, 'Errors.Internal', {
    extensions: { code: 'INTERNAL', http: { status: httpStatusOf(GRPC_CODES.INTERNAL) } },
  });
}

/** yoga's maskError hook; the wire layer uses it too for errors thrown outside execution. */
export function createMaskError(onUnexpected: (error: unknown) => void) {
  return (error: unknown): GraphQLError => {
    const base = error instanceof GraphQLError ? error : undefined;
    const original = base ? (base.originalError ?? base) : error;
    const known = catalogued(original);
    if (known) {
      // An outage is worth a log line (it is not the caller's fault), but it is answered, not masked.
      if (known !== original) onUnexpected(original);
      return domainToGraphQLError(known, base);
    }
    if (original instanceof GraphQLError) {
      // Validation-plugin errors keep their code; GraphQL's own (e.g. variable coercion) get INVALID_ARGUMENT.
      if (!original.extensions?.code) return normalizeError(base ?? original);
      return rebuilt(base ?? original, original.message, { extensions: original.extensions });
    }
    onUnexpected(original);
    return internalError(base);
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
  const http = extensions.http;
  const known = typeof extensions.code === 'string' && GRPC_NAMES.has(extensions.code);
  if (known && http?.status && !http.spec) return error;
  const tooLarge = extensions.code === 'REQUEST_ENTITY_TOO_LARGE' || http?.status === 413;
  const code = known ? (extensions.code as string) : tooLarge ? 'RESOURCE_EXHAUSTED' : 'INVALID_ARGUMENT';
  // 405 (a mutation over GET) and 413 keep their HTTP meaning; everything else follows the table.
  const status =
    http?.status === 405 || http?.status === 413 ? http.status : httpStatusOf(grpcCodeOf(code) ?? GRPC_CODES.INTERNAL);
  return rebuilt(error, error.message, {
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

/**
 * The languages of a request: Accept-Language, after the caller's preferred language when known
 * (`caller` of the request's GraphQL context, recorded on authentication).
 */
export function languagesOf(request: Request | undefined, caller?: { language?: string }): string[] {
  return requestedLanguages(request?.headers.get('accept-language') ?? null, caller?.language);
}

/** A catalogued error with its message in the first of `languages` that has it (ids unchanged). */
export function localized(error: GraphQLError, languages: readonly string[]): GraphQLError {
  const original = error.originalError;
  if (!(original instanceof DomainError) || !original.key) return error;
  const message = translatedMessage(original.key, languages);
  if (message === undefined || message === error.message) return error;
  return rebuilt(error, message, { extensions: error.extensions });
}

/** GraphQL answers catalogued errors in the request's language (issue 14.15). */
export function useTranslatedErrors(): Plugin {
  return {
    // After execution (masking included), before the result is processed (useRequestErrorCodes);
    // `context` is the request's GraphQL context, with the caller's language once authenticated.
    onExecutionResult({ request, result, setResult, context }) {
      if (!result || Symbol.asyncIterator in result || !result.errors?.length) return;
      const languages = languagesOf(request, (context as { caller?: { language?: string } }).caller);
      if (languages.length === 0) return;
      setResult({ ...result, errors: result.errors.map((e) => localized(e as GraphQLError, languages)) });
    },
  };
}
