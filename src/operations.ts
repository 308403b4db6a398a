// The seam between the faces and a backend: everything a resolver can ask about users, per
// request. Resolvers (src/schema) depend on this interface only; the local implementation below
// runs the domain on the gateway's own database, and an upstream implementation (issue 18) can
// call ZITADEL instead — with the caller's Authorization passed through — without a change to
// src/schema, src/rest or src/grpc.
import type { Authenticator } from './domain/auth/authenticate.js';
import type { Viewer } from './domain/auth/permissions.js';
import type {
  PasswordResetCommand,
  PasswordResetResult,
  UpdateHumanUserCommand,
  UpdateHumanUserResult,
  UpdateUserCommand,
  UpdateUserResult,
} from './domain/users/commands.js';
import type {
  ResendCodeCommand,
  ResendCodeResult,
  VerifyCodeCommand,
  VerifyCodeResult,
} from './domain/users/contact-codes.js';
import type { EventPage, EventPageQuery, FeedItem, UserEventFeed } from './domain/users/event-feed.js';
import type { User } from './domain/users/model.js';
import type { RequestBudget, UserService } from './domain/users/user-service.js';

export type * from './domain/users/commands.js';
export type * from './domain/users/contact-codes.js';
export type { EventOrder, EventPage, EventPageQuery, FeedItem } from './domain/users/event-feed.js';
export type { Details, Gender, User, UserEvent } from './domain/users/model.js';

/** The user operations of one request, on behalf of its caller. */
export interface UserOperations {
  /**
   * Establishes who is calling (spec §2.1: before anything else); rejects with the contract's 401
   * errors. Idempotent: every operation below authenticates through the same memoized result.
   */
  authenticate(): Promise<void>;
  updateHumanUser(cmd: UpdateHumanUserCommand): Promise<UpdateHumanUserResult>;
  passwordReset(cmd: PasswordResetCommand): Promise<PasswordResetResult>;
  /** The user if it exists and the caller may read it, else null. */
  getUser(userId: string): Promise<User | null>;
  /** The user, or GetUserByID's errors (not found, membership, permission). */
  getUserById(userId: string): Promise<User>;
  /** UpdateUser: every member optional; answers the change date (and codes asked for). */
  updateUser(cmd: UpdateUserCommand): Promise<UpdateUserResult>;
  /** VerifyEmail: the pending email code marks the address verified (a credential check). */
  verifyEmail(cmd: VerifyCodeCommand): Promise<VerifyCodeResult>;
  /** ResendEmailCode: a new email code replaces the pending one. */
  resendEmailCode(cmd: ResendCodeCommand): Promise<ResendCodeResult>;
  /** VerifyPhone: the pending phone code marks the number verified (a credential check). */
  verifyPhone(cmd: VerifyCodeCommand): Promise<VerifyCodeResult>;
  /** ResendPhoneCode: a new phone code replaces the pending one. */
  resendPhoneCode(cmd: ResendCodeCommand): Promise<ResendCodeResult>;
  /** The audit trail: a page of the user's event log, visible as GetUserByID (GraphQL only). */
  userEventPage(query: EventPageQuery): Promise<EventPage>;
  /**
   * Live user events: the user's events after `afterSequence` from the log, then each new one as it
   * commits; the stream ends with an error item when the caller's token or right to read is gone.
   */
  followUserEvents(userId: string, afterSequence?: string): Promise<AsyncIterableIterator<FeedItem>>;
}

/** Everything the local implementation needs, shared by all requests. */
export interface LocalBackend {
  users: UserService;
  authenticator: Authenticator;
  /** Live user events of this app (streams, the bus, the limits). */
  events: UserEventFeed;
}

export interface LocalRequest {
  /** The Authorization header of the request, as sent. */
  authorization: string | null;
  /** The x-zitadel-orgid header, if any (an organization that does not exist is refused). */
  orgId: string | null;
  /** The request's credential-check budget, read at the time of the check (plugins may wrap it). */
  budget(): RequestBudget;
  /** Told who the caller is once authenticated (log context). */
  onViewer?(viewer: Viewer): void;
}

/** The user operations on the gateway's own database: the domain services with a lazy viewer. */
export function localOperations(backend: LocalBackend, request: LocalRequest): UserOperations {
  let viewer: Promise<Viewer> | undefined;
  const caller = () => {
    viewer ??= backend.authenticator.authenticate(request.authorization, request.orgId).then((v) => {
      request.onViewer?.(v);
      return v;
    });
    return viewer;
  };
  const { users } = backend;
  return {
    authenticate: async () => {
      await caller();
    },
    updateHumanUser: async (cmd) => users.updateHumanUser(await caller(), cmd, request.budget()),
    passwordReset: async (cmd) => users.passwordReset(await caller(), cmd),
    updateUser: async (cmd) => users.updateUser(await caller(), cmd, request.budget()),
    getUser: async (userId) => users.getVisibleUser(await caller(), userId),
    getUserById: async (userId) => users.getUserById(await caller(), userId),
    verifyEmail: async (cmd) => users.verifyCode(await caller(), 'email', cmd, request.budget()),
    resendEmailCode: async (cmd) => users.resendCode(await caller(), 'email', cmd),
    verifyPhone: async (cmd) => users.verifyCode(await caller(), 'phone', cmd, request.budget()),
    resendPhoneCode: async (cmd) => users.resendCode(await caller(), 'phone', cmd),
    userEventPage: async (query) => users.eventPage(await caller(), query),
    followUserEvents: async (userId, afterSequence) =>
      backend.events.follow(await caller(), {
        userId,
        afterSequence,
        // Not the memoized viewer: a stream outlives its request, its token may be revoked meanwhile.
        reauthenticate: () => backend.authenticator.authenticate(request.authorization, request.orgId),
      }),
  };
}
