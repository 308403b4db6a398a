// The one error catalogue: every error the gateway answers on purpose, with its gRPC code,
// ZITADEL's error id and message, its message key (the catalogue name, for translations) and any
// HTTP particulars (a status other than the gRPC code's, Retry-After). GraphQL maps a DomainError
// once (src/schema/errors.ts) and the wire layer maps that GraphQL error once for REST and gRPC
// (src/wire/errors.ts): no face knows an id.
import { isDatabaseUnavailable } from '../db/errors.js';
import { GRPC_CODES, type GrpcCode } from '../grpc-status.js';

export interface DomainErrorDetails {
  /**
   * Set on a failed current-password check and on a locked user (ZITADEL's CredentialsCheckError):
   * the faces then send a CredentialsCheckError instead of the ErrorDetail.
   */
  failedAttempts?: number;
}

/** What HTTP needs beyond the gRPC code's status (spec §7). */
export interface HttpParticulars {
  /** Overrides the status of the gRPC code (e.g. 412 for a failed If-Match). */
  status?: number;
  /** Sent as `Retry-After` (seconds). */
  retryAfterSeconds?: number;
  /** Sent as `WWW-Authenticate` (RFC 6750 §3): every 401 carries one. */
  wwwAuthenticate?: string;
}

/** RFC 6750 §3's challenges: none for missing credentials, else the error code. */
export const BEARER_CHALLENGE = {
  missing: 'Bearer realm="zitadel"',
  malformed: 'Bearer realm="zitadel", error="invalid_request"',
  invalid: 'Bearer realm="zitadel", error="invalid_token"',
} as const;

export class DomainError extends Error {
  constructor(
    readonly code: GrpcCode,
    /** Upstream error id, e.g. COMMAND-ugjs0upun6; empty for errors upstream sends without one. */
    readonly id: string,
    message: string,
    readonly details: DomainErrorDetails = {},
    readonly http: HttpParticulars = {},
    /** The catalogue name (`userNotFound`): the key for a translated message. */
    readonly key = '',
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

const C = GRPC_CODES;
interface Entry {
  code: GrpcCode;
  id: string;
  message: string;
  http: HttpParticulars;
}
const make = (code: GrpcCode, id: string, message: string, http: HttpParticulars = {}): Entry => ({
  code,
  id,
  message,
  http,
});

/** Entries by name → factories whose errors carry their name as message key. */
function catalogue<T extends Record<string, Entry>>(
  entries: T,
): { [K in keyof T]: (details?: DomainErrorDetails) => DomainError } {
  return Object.fromEntries(
    Object.entries(entries).map(([key, e]) => [
      key,
      (details?: DomainErrorDetails) => new DomainError(e.code, e.id, e.message, details, e.http, key),
    ]),
  ) as { [K in keyof T]: (details?: DomainErrorDetails) => DomainError };
}

/** Every error the operation can answer, by name. Ids and messages are ZITADEL's. */
export const Errors = catalogue({
  authHeaderMissing: make(C.UNAUTHENTICATED, '', 'auth header missing', {
    wwwAuthenticate: BEARER_CHALLENGE.missing,
  }),
  authHeaderInvalid: make(C.UNAUTHENTICATED, 'AUTH-toLo1', 'invalid auth header', {
    wwwAuthenticate: BEARER_CHALLENGE.malformed,
  }),
  tokenInvalid: make(C.UNAUTHENTICATED, 'AUTH-7fs1e', 'Errors.Token.Invalid', {
    wwwAuthenticate: BEARER_CHALLENGE.invalid,
  }),
  membershipNotFound: make(C.NOT_FOUND, 'AUTHZ-cdgFk', 'membership not found'),
  permissionDenied: make(C.PERMISSION_DENIED, 'AUTH-AWfge', 'No matching permissions found'),

  urlTemplateSyntax: make(C.INVALID_ARGUMENT, 'DOMAIN-oGh5e', 'URL Template is invalid'),
  urlTemplateField: make(C.INVALID_ARGUMENT, 'DOMAIN-ieYa7', 'URL Template is invalid'),
  emailInvalid: make(C.INVALID_ARGUMENT, 'EMAIL-599BI', 'Email is invalid'),
  phoneInvalid: make(C.INVALID_ARGUMENT, 'PHONE-so0wa', 'Phone is invalid'),
  passwordEmpty: make(C.INVALID_ARGUMENT, 'COMMAND-3klek4sbns', 'Password is empty'),
  hashUnsupported: make(C.INVALID_ARGUMENT, 'CRYPT-2xK7d', 'Hash algorithm is not supported'),
  hashCostOutOfBounds: make(C.INVALID_ARGUMENT, 'CRYPT-5uV9n', 'Password is invalid'),
  hashMalformed: make(C.INVALID_ARGUMENT, 'CRYPT-r8Qm2', 'Password is invalid'),

  userNotFound: make(C.NOT_FOUND, 'COMMAND-ugjs0upun6', 'User could not be found'),
  userNotFoundQuery: make(C.NOT_FOUND, 'QUERY-Dfbg2', 'User could not be found'),
  userAlreadyExists: make(C.ALREADY_EXISTS, 'V3-DKcYh', 'User already exists'),
  domainReserved: make(C.INVALID_ARGUMENT, 'COMMAND-SFd21', 'Domain is already reserved and cannot be used'),

  userNotInitialized: make(C.FAILED_PRECONDITION, 'COMMAND-M9dse', 'User is not yet initialized'),
  codeNotFound: make(C.FAILED_PRECONDITION, 'COMMAND-2M9fs', 'Code not found'),
  codeExpired: make(C.FAILED_PRECONDITION, 'CODE-QvUQ4P', 'Code is expired'),
  codeInvalid: make(C.INVALID_ARGUMENT, 'CODE-woT0xc', 'Code is invalid'),
  userLocked: make(C.FAILED_PRECONDITION, 'COMMAND-JLK35', 'User is locked'),
  passwordNotSet: make(C.FAILED_PRECONDITION, 'COMMAND-3nJ4t', 'User has not set a password'),
  passwordInvalid: make(C.INVALID_ARGUMENT, 'COMMAND-3M0fs', 'Password is invalid'),
  passwordSameAsCurrent: make(
    C.FAILED_PRECONDITION,
    'COMMAND-Aesh5',
    'New password cannot be the same as your current password',
  ),
  passwordTooShort: make(C.INVALID_ARGUMENT, 'DOMAIN-HuJf6', 'Password is too short'),
  passwordNoLower: make(C.INVALID_ARGUMENT, 'DOMAIN-co3Xw', 'Password must contain lower case'),
  passwordNoUpper: make(C.INVALID_ARGUMENT, 'DOMAIN-VoaRj', 'Password must contain upper case'),
  passwordNoNumber: make(C.INVALID_ARGUMENT, 'DOMAIN-ZBv4H', 'Password must contain number'),
  passwordNoSymbol: make(C.INVALID_ARGUMENT, 'DOMAIN-ZDLwA', 'Password must contain symbol'),
  passwordTooLong: make(
    C.INVALID_ARGUMENT,
    'GATEWAY-PWD72',
    'Password is longer than 72 bytes, the most bcrypt can use',
  ),
  oneCredentialCheckPerRequest: make(
    C.RESOURCE_EXHAUSTED,
    'GATEWAY-PWD429',
    'Only one password or code check is allowed per request',
  ),
  // A failed If-Match is HTTP's 412 Precondition Failed (FAILED_PRECONDITION is 400 otherwise).
  sequenceMismatch: make(C.FAILED_PRECONDITION, 'GATEWAY-SEQ412', 'The user has changed since the expected sequence', {
    status: 412,
  }),
  concurrentUpdate: make(C.ABORTED, 'GATEWAY-RETRY', 'The user was changed concurrently; retry the request'),
  // The credential-check limits count in windows of one minute (src/http/rate-limit.ts).
  rateLimited: make(C.RESOURCE_EXHAUSTED, 'GATEWAY-RATE429', 'Too many password or code checks; try again later', {
    retryAfterSeconds: 60,
  }),
  databaseUnavailable: make(C.UNAVAILABLE, 'GATEWAY-DB503', 'The database is unavailable; try again later', {
    retryAfterSeconds: 5,
  }),
  // An x-zitadel-orgid header naming no organization (checked after the token, as upstream).
  orgNotFound: make(C.PERMISSION_DENIED, 'AUTH-Bs7Ds', "Organisation doesn't exist"),
  emailDisplayName: make(C.INVALID_ARGUMENT, 'EMAIL-599GV', 'Email is invalid'),
  // PasswordReset (spec §4.6): upstream's own ids for this operation.
  resetUserNotFound: make(C.NOT_FOUND, 'COMMAND-SAF4f', 'User could not be found'),
  resetUserNotInitialized: make(C.FAILED_PRECONDITION, 'COMMAND-Sfe4g', 'User is not yet initialized'),
  // UpdateUser's machine branch: the embedded store does not manage machine users (README).
  machineUpdateUnsupported: make(
    C.INVALID_ARGUMENT,
    'GATEWAY-MACHINE400',
    'Machine users cannot be changed through this gateway; only human users can',
  ),
  // Issue 15: VerifyEmail / VerifyPhone and ResendEmailCode / ResendPhoneCode (upstream's ids).
  emailUserNotFound: make(C.NOT_FOUND, 'COMMAND-ieJ2e', 'Email not found'),
  phoneUserNotFound: make(C.NOT_FOUND, 'COMMAND-ieJ2e', 'Phone not found'),
  contactUserNotInitialized: make(C.FAILED_PRECONDITION, 'COMMAND-uz0Uu', 'User is not yet initialized'),
  // No pending code, an expired one and a wrong one: upstream answers all three alike.
  verificationCodeInvalid: make(C.INVALID_ARGUMENT, 'COMMAND-eis9R', 'Code is invalid'),
  emailCodeEmpty: make(C.FAILED_PRECONDITION, 'EMAIL-5w5ilin4yt', 'Code is empty'),
  phoneCodeEmpty: make(C.FAILED_PRECONDITION, 'PHONE-5xrra88eq8', 'Code is empty'),
  // Failed authentications per client IP count in windows of one minute (src/http/auth-limit.ts).
  authenticationRateLimited: make(
    C.RESOURCE_EXHAUSTED,
    'GATEWAY-AUTH429',
    'Too many failed authentications from this address; try again later',
    { retryAfterSeconds: 60 },
  ),
  // TRUSTED_DOCUMENTS (src/http/trusted-documents.ts): a /graphql document that is not in the manifest.
  documentNotTrusted: make(
    C.INVALID_ARGUMENT,
    'GATEWAY-DOC400',
    'The operation is not a trusted document: send a listed document by hash, documentId or its exact text',
  ),
  // The audit trail and live user events (HumanUser.events, subscription userEvents).
  eventCursorInvalid: make(
    C.INVALID_ARGUMENT,
    'GATEWAY-CURSOR400',
    'The cursor is not one this API gave out (use a cursor of an edge or pageInfo)',
  ),
  eventPageSizeOutOfRange: make(C.INVALID_ARGUMENT, 'GATEWAY-FIRST400', '`first` must be between 1 and 100'),
  eventSequenceInvalid: make(
    C.INVALID_ARGUMENT,
    'GATEWAY-SEQ400',
    '`afterSequence` must be a sequence: a whole number from 0 (as a string)',
  ),
  subscriptionLimit: make(
    C.RESOURCE_EXHAUSTED,
    'GATEWAY-SUB429',
    'Too many live subscriptions; close one or try again later',
    { retryAfterSeconds: 5 },
  ),
  subscriptionsStopping: make(C.UNAVAILABLE, 'GATEWAY-SUB503', 'The gateway is shutting down; subscribe again', {
    retryAfterSeconds: 1,
  }),
  // Upstream mode (src/upstream): failures to reach the upstream ZITADEL, and what it cannot do.
  // Retry-After here is the default; an open circuit breaker sends the time until its next probe.
  upstreamUnavailable: make(C.UNAVAILABLE, 'GATEWAY-UPSTREAM503', 'The upstream ZITADEL is unavailable', {
    status: 503,
    retryAfterSeconds: 1,
  }),
  upstreamTimeout: make(C.DEADLINE_EXCEEDED, 'GATEWAY-UPSTREAM504', 'The upstream ZITADEL did not answer in time', {
    status: 504,
  }),
  upstreamUnsupported: make(C.UNIMPLEMENTED, 'GATEWAY-UPSTREAM501', 'This is not available in upstream mode', {
    status: 501,
  }),
});

export type ErrorName = keyof typeof Errors;

/**
 * The catalogue's error for anything thrown: a DomainError as it is, an unreachable or hanging
 * database as `databaseUnavailable` (retryable, not a defect); undefined for anything unexpected.
 */
export function catalogued(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return error;
  if (isDatabaseUnavailable(error)) return Errors.databaseUnavailable();
  return undefined;
}
