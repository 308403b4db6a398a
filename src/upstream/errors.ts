// Upstream's answers → the gateway's DomainError, so every face answers an upstream error exactly
// as it answers the same error from the embedded domain: gRPC code as is, the id and message of
// the zitadel.v1.ErrorDetail (upstream's text, in upstream's language), failedAttempts from a
// CredentialsCheckError. Failures of the transport itself (unreachable, reset, TLS, breaker open,
// deadline) are not upstream's answers: they become the gateway's own UNAVAILABLE / DEADLINE_EXCEEDED.
import { Code, ConnectError } from '@connectrpc/connect';
import { DomainError, Errors, type HttpParticulars } from '../domain/errors.js';
import { CredentialsCheckErrorSchema, ErrorDetailSchema } from '../grpc/gen/zitadel/message_pb.js';
import type { GrpcCode } from '../grpc-status.js';

export const UPSTREAM_UNAVAILABLE_ID = 'GATEWAY-UPSTREAM503';
export const UPSTREAM_TIMEOUT_ID = 'GATEWAY-UPSTREAM504';
export const UPSTREAM_UNSUPPORTED_ID = 'GATEWAY-UPSTREAM501';

/**
 * A transport failure: the catalogue's `upstreamUnavailable` (503, Retry-After) or `upstreamTimeout`
 * (504), which the faces answer like any catalogue entry. Its own class so that the breaker, the
 * retries and the read cache can tell a failure to reach upstream from upstream's answer.
 */
export class UpstreamTransportError extends DomainError {
  constructor(entry: DomainError, retryAfterSeconds?: number) {
    super(
      entry.code,
      entry.id,
      entry.message,
      {},
      retryAfterSeconds === undefined ? entry.http : { ...entry.http, retryAfterSeconds },
      entry.key,
    );
    this.name = 'UpstreamTransportError';
  }

  /** HTTP status on REST and GraphQL: 503 or 504. */
  get httpStatus(): number | undefined {
    return this.http.status;
  }

  /** Seconds a client should wait before trying again (503 only). */
  get retryAfterSeconds(): number | undefined {
    return this.http.retryAfterSeconds;
  }
}

/** The gateway's own transport errors (catalogue entries), Retry-After set by the caller. */
export const UpstreamErrors = {
  unavailable: (retryAfterSeconds = 1) =>
    new UpstreamTransportError(Errors.upstreamUnavailable(), Math.max(1, Math.ceil(retryAfterSeconds))),
  timeout: () => new UpstreamTransportError(Errors.upstreamTimeout()),
  /** Something the embedded mode offers beyond upstream's API, refused by name (never pretended). */
  unsupported: (what: string) => {
    const e = Errors.upstreamUnsupported();
    return new DomainError(e.code, e.id, `${what} is not available in upstream mode`, {}, e.http, e.key);
  },
} as const;

/**
 * Codes that, without an ErrorDetail, mean the call never got an answer from upstream's application.
 * Canceled included: the gateway never cancels a call itself (its deadline is DeadlineExceeded), so
 * a cancel is an HTTP/2 stream reset on a dying connection (seen when a proxy drops connections).
 */
const TRANSPORT_CODES: ReadonlySet<Code> = new Set([
  Code.Canceled,
  Code.Unavailable,
  Code.Aborted,
  Code.DeadlineExceeded,
]);

/** True when a Node error code (ECONNRESET, a TLS verification code, an HTTP/2 error…) is in the cause chain. */
function hasNodeCause(error: Error): boolean {
  const seen = new Set<unknown>();
  for (let e: unknown = error.cause; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    if (typeof (e as { code?: unknown }).code === 'string') return true;
  }
  return false;
}

/** Whether the error is a failure to reach upstream rather than upstream's answer. */
export function isTransportFailure(error: unknown): boolean {
  // Already mapped: only the gateway's own transport errors are failures to reach upstream.
  if (error instanceof DomainError) return error instanceof UpstreamTransportError;
  if (!(error instanceof ConnectError)) return true;
  if (error.findDetails(ErrorDetailSchema).length > 0) return false;
  if (error.findDetails(CredentialsCheckErrorSchema).length > 0) return false;
  return TRANSPORT_CODES.has(error.code) || hasNodeCause(error);
}

/** Anything a call to upstream threw → the DomainError the faces answer. */
/** The catalogue's HTTP particulars by upstream id (computed once; the catalogue does not change). */
const HTTP_BY_ID = new Map(
  Object.values(Errors)
    .map((make) => make())
    .filter((e) => e.id !== '' && Object.keys(e.http).length > 0)
    .map((e) => [e.id, e.http] as const),
);

function httpParticularsOf(id: string): HttpParticulars {
  return HTTP_BY_ID.get(id) ?? {};
}

export function fromUpstreamError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  if (isTransportFailure(error)) {
    return error instanceof ConnectError && error.code === Code.DeadlineExceeded
      ? UpstreamErrors.timeout()
      : UpstreamErrors.unavailable();
  }
  const e = error as ConnectError;
  const code = e.code as GrpcCode;
  const detail = e.findDetails(ErrorDetailSchema)[0];
  const credentials = e.findDetails(CredentialsCheckErrorSchema)[0];
  const details = credentials ? { failedAttempts: credentials.failedAttempts } : {};
  // Upstream's message as it is; the HTTP particulars (e.g. a 401's WWW-Authenticate) of the same id.
  if (detail) return new DomainError(code, detail.id, detail.message, details, httpParticularsOf(detail.id));
  if (credentials) return new DomainError(code, credentials.id, credentials.message, details);
  // No detail (e.g. "auth header missing"): code and upstream's message as they are.
  return new DomainError(code, '', e.rawMessage, details);
}
