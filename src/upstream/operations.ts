// The user operations of one request in upstream mode: the domain's commands become protobuf
// requests to upstream's zitadel.user.v2.UserService, the responses become the domain's results,
// upstream's errors the gateway's DomainError (src/upstream/errors.ts). Nothing is decided
// locally beyond the shape rules the faces already ran and the Authorization header's form:
// upstream authenticates, authorizes and applies its own rules.
import type { MessageInitShape } from '@bufbuild/protobuf';
import { type Timestamp, timestampDate } from '@bufbuild/protobuf/wkt';
import DataLoader from 'dataloader';
import { DomainError, Errors } from '../domain/errors.js';
import type {
  EmailCommand,
  PasswordCommand,
  PasswordResetCommand,
  PasswordResetResult,
  PhoneCommand,
  UpdateHumanUserCommand,
  UpdateHumanUserResult,
  UpdateUserCommand,
  UpdateUserResult,
} from '../domain/users/commands.js';
import type {
  ResendCodeCommand,
  ResendCodeResult,
  VerifyCodeCommand,
  VerifyCodeResult,
} from '../domain/users/contact-codes.js';
import type { EventPage, EventPageQuery, FeedItem } from '../domain/users/event-feed.js';
import type { Details, Gender, User, UserState } from '../domain/users/model.js';
import type { Details as DetailsMessage } from '../grpc/gen/zitadel/object/v2/object_pb.js';
import type { SetHumanEmailSchema } from '../grpc/gen/zitadel/user/v2/email_pb.js';
import type { SetPasswordSchema } from '../grpc/gen/zitadel/user/v2/password_pb.js';
import type { SetHumanPhoneSchema } from '../grpc/gen/zitadel/user/v2/phone_pb.js';
import { type User as UserMessage, UserState as UserStateEnum } from '../grpc/gen/zitadel/user/v2/user_pb.js';
import type {
  PasswordResetRequestSchema,
  ResendEmailCodeRequestSchema,
  ResendPhoneCodeRequestSchema,
  UpdateHumanUserRequestSchema,
  UpdateUserRequestSchema,
} from '../grpc/gen/zitadel/user/v2/user_service_pb.js';
import { GRPC_CODES } from '../grpc-status.js';
import type { ForwardedHeaders, UpstreamClient } from './client.js';
import { UpstreamErrors, UpstreamTransportError } from './errors.js';

type UpdateRequest = MessageInitShape<typeof UpdateHumanUserRequestSchema>;
type ResetRequest = MessageInitShape<typeof PasswordResetRequestSchema>;
type UpdateUserRequest = MessageInitShape<typeof UpdateUserRequestSchema>;
type ResendEmailRequest = MessageInitShape<typeof ResendEmailCodeRequestSchema>;
type ResendPhoneRequest = MessageInitShape<typeof ResendPhoneCodeRequestSchema>;
type SetEmail = MessageInitShape<typeof SetHumanEmailSchema>;
type SetPhone = MessageInitShape<typeof SetHumanPhoneSchema>;
type SetPasswordShape = MessageInitShape<typeof SetPasswordSchema>;

export { UPSTREAM_UNSUPPORTED_ID } from './errors.js';

const unsupported = UpstreamErrors.unsupported;

// --- domain command → protobuf request ---------------------------------------------------------

export function toUpdateHumanUserRequest(cmd: UpdateHumanUserCommand): UpdateRequest {
  // Upstream has no optimistic concurrency on this RPC: silently ignoring If-Match would lie.
  if (cmd.expectedSequence !== undefined) throw unsupported('expectedSequence (If-Match)');
  const req: UpdateRequest = { userId: cmd.userId };
  if (cmd.username !== undefined) req.username = cmd.username;
  if (cmd.profile) req.profile = { ...cmd.profile };
  if (cmd.email) req.email = toSetEmail(cmd.email);
  if (cmd.phone) req.phone = toSetPhone(cmd.phone);
  if (cmd.password) req.password = toSetPassword(cmd.password);
  return req;
}

export function toUpdateUserRequest(cmd: UpdateUserCommand): UpdateUserRequest {
  const req: UpdateUserRequest = { userId: cmd.userId };
  if (cmd.username !== undefined) req.username = cmd.username;
  if (cmd.human) {
    const { profile, email, phone, password } = cmd.human;
    req.userType = {
      case: 'human',
      value: {
        ...(profile ? { profile: { ...profile } } : {}),
        ...(email ? { email: toSetEmail(email) } : {}),
        // An empty number without a verification is sent as such: upstream removes the phone.
        ...(phone ? { phone: toSetPhone(phone) } : {}),
        ...(password ? { password: toSetPassword(password) } : {}),
      },
    };
  } else if (cmd.machine) {
    // Forwarded as asked: upstream manages machine users (the embedded store refuses them).
    req.userType = { case: 'machine', value: { ...cmd.machine } };
  }
  return req;
}

function toSetEmail(email: EmailCommand): SetEmail {
  const v = email.verification;
  return {
    email: email.email,
    verification:
      v?.kind === 'sendCode'
        ? { case: 'sendCode', value: v.urlTemplate !== undefined ? { urlTemplate: v.urlTemplate } : {} }
        : v?.kind === 'returnCode'
          ? { case: 'returnCode', value: {} }
          : v?.kind === 'isVerified'
            ? { case: 'isVerified', value: v.value }
            : { case: undefined },
  };
}

function toSetPhone(phone: PhoneCommand): SetPhone {
  const kind = phone.verification?.kind;
  return {
    phone: phone.phone ?? '',
    verification:
      kind === 'sendCode'
        ? { case: 'sendCode', value: {} }
        : kind === 'returnCode'
          ? { case: 'returnCode', value: {} }
          : kind === 'isVerified'
            ? { case: 'isVerified', value: true }
            : { case: undefined },
  };
}

function toSetPassword(password: PasswordCommand): SetPasswordShape {
  return {
    passwordType: password.password
      ? { case: 'password', value: { ...password.password } }
      : password.hashedPassword
        ? { case: 'hashedPassword', value: { ...password.hashedPassword } }
        : { case: undefined },
    verification:
      password.currentPassword !== undefined
        ? { case: 'currentPassword', value: password.currentPassword }
        : password.verificationCode !== undefined
          ? { case: 'verificationCode', value: password.verificationCode }
          : { case: undefined },
  };
}

/** ResendEmailCode / ResendPhoneCode: `sendCode` (with the email's URL template) or `returnCode`. */
export function toResendEmailCodeRequest(cmd: ResendCodeCommand): ResendEmailRequest {
  const d = cmd.delivery;
  return {
    userId: cmd.userId,
    verification:
      d.kind === 'returnCode'
        ? { case: 'returnCode', value: {} }
        : { case: 'sendCode', value: d.urlTemplate !== undefined ? { urlTemplate: d.urlTemplate } : {} },
  };
}

export function toResendPhoneCodeRequest(cmd: ResendCodeCommand): ResendPhoneRequest {
  return {
    userId: cmd.userId,
    verification:
      cmd.delivery.kind === 'returnCode' ? { case: 'returnCode', value: {} } : { case: 'sendCode', value: {} },
  };
}

export function toPasswordResetRequest(cmd: PasswordResetCommand): ResetRequest {
  const d = cmd.delivery;
  return {
    userId: cmd.userId,
    medium:
      d.kind === 'returnCode'
        ? { case: 'returnCode', value: {} }
        : { case: 'sendLink', value: d.urlTemplate !== undefined ? { urlTemplate: d.urlTemplate } : {} },
  };
}

// --- protobuf response → domain result ---------------------------------------------------------

export function toDetails(details: DetailsMessage | undefined): Details {
  return {
    sequence: Number(details?.sequence ?? 0n),
    changeDate: toTimestamp(details?.changeDate),
    resourceOwner: details?.resourceOwner ?? '',
  };
}

/** Upstream's timestamps have nanoseconds; the domain's ISO strings keep milliseconds. */
function toTimestamp(timestamp: Timestamp | undefined): string {
  return (timestamp ? timestampDate(timestamp) : new Date(0)).toISOString();
}

const STATES: Record<UserStateEnum, UserState> = {
  [UserStateEnum.UNSPECIFIED]: 'active',
  [UserStateEnum.ACTIVE]: 'active',
  [UserStateEnum.INACTIVE]: 'inactive',
  [UserStateEnum.DELETED]: 'deleted',
  [UserStateEnum.LOCKED]: 'locked',
  [UserStateEnum.INITIAL]: 'initial',
};

/**
 * Upstream's user → the domain's User; undefined for a machine user (the gateway serves human
 * users only, as the embedded mode's lookup does). What upstream never reveals (the hash, failed
 * attempts) is left empty.
 */
export function toUser(user: UserMessage | undefined): User | undefined {
  if (user?.type.case !== 'human') return undefined;
  const human = user.type.value;
  const details = toDetails(user.details);
  return {
    id: user.userId,
    orgId: details.resourceOwner,
    kind: 'human',
    state: STATES[user.state] ?? 'active',
    username: user.username,
    profile: {
      givenName: human.profile?.givenName ?? '',
      familyName: human.profile?.familyName ?? '',
      nickName: human.profile?.nickName ?? '',
      displayName: human.profile?.displayName ?? '',
      preferredLanguage: human.profile?.preferredLanguage ?? '',
      gender: (human.profile?.gender ?? 0) as Gender,
    },
    email: { email: human.email?.email ?? '', isVerified: human.email?.isVerified ?? false },
    phone: { phone: human.phone?.phone ?? '', isVerified: human.phone?.isVerified ?? false },
    passwordHash: null,
    passwordChangeRequired: human.passwordChangeRequired,
    failedPasswordAttempts: 0,
    sequence: details.sequence,
    changeDate: details.changeDate,
    ...(user.details?.creationDate ? { creationDate: timestampDate(user.details.creationDate).toISOString() } : {}),
    ...(human.passwordChanged ? { passwordChanged: timestampDate(human.passwordChanged).toISOString() } : {}),
  };
}

// --- the operations ----------------------------------------------------------------------------

/** Codes for which the GraphQL `user` query answers null rather than an error (as the local getVisibleUser). */
const INVISIBLE: ReadonlySet<number> = new Set([GRPC_CODES.NOT_FOUND, GRPC_CODES.PERMISSION_DENIED]);

/** Built per request: holds the caller's forwarded headers and the request's read cache. */
export class UpstreamUserOperations {
  /** GetUserByID per user id, batched and de-duplicated within this request. */
  private readonly users: DataLoader<string, User>;

  constructor(
    private readonly client: UpstreamClient,
    private readonly headers: ForwardedHeaders,
  ) {
    this.users = new DataLoader<string, User>((ids) =>
      Promise.all(
        ids.map((userId) =>
          this.client.getUserById({ userId }, this.headers).then(
            (res): User | Error => toUser(res.user) ?? Errors.userNotFoundQuery(),
            (error: unknown) => error as Error,
          ),
        ),
      ),
    );
  }

  /**
   * Upstream authenticates every call; locally only the header's presence and form are checked,
   * with the same 401 answers as the embedded mode (spec §5), so a malformed header costs no round trip.
   */
  async authenticate(): Promise<void> {
    const authorization = this.headers.authorization;
    if (!authorization) throw Errors.authHeaderMissing();
    // The same form the embedded authenticator accepts (src/domain/auth/authenticate.ts).
    if (!/^Bearer\s+\S+\s*$/i.test(authorization)) throw Errors.authHeaderInvalid();
  }

  async updateHumanUser(cmd: UpdateHumanUserCommand): Promise<UpdateHumanUserResult> {
    const res = await this.client.updateHumanUser(toUpdateHumanUserRequest(cmd), this.headers);
    this.users.clear(cmd.userId);
    return {
      details: toDetails(res.details),
      ...(res.emailCode !== undefined ? { emailCode: res.emailCode } : {}),
      ...(res.phoneCode !== undefined ? { phoneCode: res.phoneCode } : {}),
    };
  }

  async passwordReset(cmd: PasswordResetCommand): Promise<PasswordResetResult> {
    const res = await this.client.passwordReset(toPasswordResetRequest(cmd), this.headers);
    this.users.clear(cmd.userId);
    return {
      details: toDetails(res.details),
      ...(res.verificationCode !== undefined ? { verificationCode: res.verificationCode } : {}),
    };
  }

  /** The user, or null when upstream says it is absent or not visible to the caller. */
  async getUser(userId: string): Promise<User | null> {
    try {
      return await this.getUserById(userId);
    } catch (error) {
      if (error instanceof DomainError && INVISIBLE.has(error.code)) return null;
      throw error;
    }
  }

  /** The user, or upstream's GetUserByID error. */
  async getUserById(userId: string): Promise<User> {
    try {
      return await this.users.load(userId);
    } catch (error) {
      // Upstream's answers hold for the request; a transport failure may not.
      if (error instanceof UpstreamTransportError) this.users.clear(userId);
      throw error;
    }
  }

  async updateUser(cmd: UpdateUserCommand): Promise<UpdateUserResult> {
    const res = await this.client.updateUser(toUpdateUserRequest(cmd), this.headers);
    this.users.clear(cmd.userId);
    return {
      changeDate: toTimestamp(res.changeDate),
      ...(res.emailCode !== undefined ? { emailCode: res.emailCode } : {}),
      ...(res.phoneCode !== undefined ? { phoneCode: res.phoneCode } : {}),
    };
  }

  async verifyEmail(cmd: VerifyCodeCommand): Promise<VerifyCodeResult> {
    const res = await this.client.verifyEmail({ ...cmd }, this.headers);
    this.users.clear(cmd.userId);
    return { details: toDetails(res.details) };
  }

  async resendEmailCode(cmd: ResendCodeCommand): Promise<ResendCodeResult> {
    const res = await this.client.resendEmailCode(toResendEmailCodeRequest(cmd), this.headers);
    return toResendResult(res);
  }

  async verifyPhone(cmd: VerifyCodeCommand): Promise<VerifyCodeResult> {
    const res = await this.client.verifyPhone({ ...cmd }, this.headers);
    this.users.clear(cmd.userId);
    return { details: toDetails(res.details) };
  }

  async resendPhoneCode(cmd: ResendCodeCommand): Promise<ResendCodeResult> {
    const res = await this.client.resendPhoneCode(toResendPhoneCodeRequest(cmd), this.headers);
    return toResendResult(res);
  }

  /** ZITADEL's v2 API has no per-user event log: refused by name, never pretended. */
  async userEventPage(_query: EventPageQuery): Promise<EventPage> {
    throw unsupported("A user's event log (HumanUser.events)");
  }

  /** Nor a stream of a user's events. */
  async followUserEvents(_userId: string, _afterSequence?: string): Promise<AsyncIterableIterator<FeedItem>> {
    throw unsupported('Live user events (subscription userEvents)');
  }
}

function toResendResult(res: { details?: DetailsMessage; verificationCode?: string }): ResendCodeResult {
  return {
    details: toDetails(res.details),
    ...(res.verificationCode !== undefined ? { verificationCode: res.verificationCode } : {}),
  };
}
