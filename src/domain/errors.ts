// One error type for the whole domain: a gRPC code, ZITADEL's error id and message, and typed
// details. Each transport maps it once (GraphQL in src/schema/errors.ts, REST in src/rest).
import { GRPC_CODES, type GrpcCode } from '../grpc-status.js';

export interface DomainErrorDetails {
  /** Set on a failed current-password check (ZITADEL's CredentialsCheckError). */
  failedAttempts?: number;
}

export class DomainError extends Error {
  constructor(
    readonly code: GrpcCode,
    /** Upstream error id, e.g. COMMAND-ugjs0upun6; empty for errors upstream sends without one. */
    readonly id: string,
    message: string,
    readonly details: DomainErrorDetails = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

const C = GRPC_CODES;
const make = (code: GrpcCode, id: string, message: string) => (details?: DomainErrorDetails) =>
  new DomainError(code, id, message, details);

/** Every error the operation can answer, by name. Ids and messages are ZITADEL's. */
export const Errors = {
  authHeaderMissing: make(C.UNAUTHENTICATED, '', 'auth header missing'),
  authHeaderInvalid: make(C.UNAUTHENTICATED, 'AUTH-toLo1', 'invalid auth header'),
  tokenInvalid: make(C.UNAUTHENTICATED, 'AUTH-7fs1e', 'Errors.Token.Invalid'),
  membershipNotFound: make(C.NOT_FOUND, 'AUTHZ-cdgFk', 'membership not found'),
  permissionDenied: make(C.PERMISSION_DENIED, 'AUTH-AWfge', 'No matching permissions found'),

  urlTemplateSyntax: make(C.INVALID_ARGUMENT, 'DOMAIN-oGh5e', 'URL Template is invalid'),
  urlTemplateField: make(C.INVALID_ARGUMENT, 'DOMAIN-ieYa7', 'URL Template is invalid'),
  emailInvalid: make(C.INVALID_ARGUMENT, 'EMAIL-599BI', 'Email is invalid'),
  phoneInvalid: make(C.INVALID_ARGUMENT, 'PHONE-so0wa', 'Phone is invalid'),
  passwordEmpty: make(C.INVALID_ARGUMENT, 'COMMAND-3klek4sbns', 'Password is empty'),
  hashUnsupported: make(C.INVALID_ARGUMENT, 'CRYPT-2xK7d', 'Hash algorithm is not supported'),
  hashCostOutOfBounds: make(C.INVALID_ARGUMENT, 'CRYPT-5uV9n', 'Hash cost is out of bounds'),
  hashMalformed: make(C.INVALID_ARGUMENT, 'CRYPT-r8Qm2', 'Hash is malformed'),

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
  sequenceMismatch: make(C.FAILED_PRECONDITION, 'GATEWAY-SEQ412', 'The user has changed since the expected sequence'),
  concurrentUpdate: make(C.ABORTED, 'GATEWAY-RETRY', 'The user was changed concurrently; retry the request'),

  // PasswordReset (spec §4.6): upstream's own ids for this operation.
  resetUserNotFound: make(C.NOT_FOUND, 'COMMAND-SAF4f', 'User could not be found'),
  resetUserNotInitialized: make(C.FAILED_PRECONDITION, 'COMMAND-Sfe4g', 'User is not yet initialized'),
} as const;
