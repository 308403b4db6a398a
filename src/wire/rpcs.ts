// The RPCs the non-GraphQL faces serve, once for both: which GraphQL operation each runs, how a
// request (REST's JSON body, or a gRPC request message as protojson) becomes its variables, and
// how the operation's data becomes the protobuf response message. REST serializes that message
// with protojson and gRPC/Connect sends it, so the two cannot drift. Adding an RPC: one row here,
// one REST route (src/rest/routes.ts), one gRPC method name (src/grpc/user-service.ts).
import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { DetailsSchema } from '../grpc/gen/zitadel/object/v2/object_pb.js';
import { Gender, UserState } from '../grpc/gen/zitadel/user/v2/user_pb.js';
import { UserService } from '../grpc/gen/zitadel/user/v2/user_service_pb.js';
import type { WireOperation } from './operations.js';
import {
  passwordResetVariables,
  resendEmailCodeVariables,
  resendPhoneCodeVariables,
  updateHumanUserVariables,
  updateUserVariables,
  verifyEmailVariables,
  verifyPhoneVariables,
} from './translate.js';

type Json = Record<string, unknown>;
type Methods = typeof UserService.method;
export type RpcName = keyof Methods;
export type RpcResponse<N extends RpcName> = MessageInitShape<Methods[N]['output']>;

export interface Rpc<N extends RpcName> {
  operation: WireOperation;
  /** The request (userId apart: REST takes it from the path) → the operation's variables. */
  variables(userId: string, body: unknown): Json;
  /** The operation's data → the response message. */
  response(data: Json): RpcResponse<N>;
}

// --- GraphQL data → protobuf messages -------------------------------------------------------------

interface GraphQLDetails {
  sequence: string;
  changeDate: string;
  resourceOwner: string;
  creationDate?: string | null;
}

function toDetails(d: GraphQLDetails): MessageInitShape<typeof DetailsSchema> {
  return {
    sequence: BigInt(d.sequence),
    changeDate: timestampFromDate(new Date(d.changeDate)),
    resourceOwner: d.resourceOwner,
    ...(d.creationDate ? { creationDate: timestampFromDate(new Date(d.creationDate)) } : {}),
  };
}

// The user as the GraphQL answer carries it; it repeats src/domain/users/model.ts on purpose: the wire layer may not import the domain.
interface GraphQLUser {
  userId: string;
  state: string;
  username: string;
  details: GraphQLDetails;
  profile: {
    givenName: string;
    familyName: string;
    nickName: string;
    displayName: string;
    preferredLanguage: string;
    gender: string;
  };
  email: { email: string; isVerified: boolean };
  phone: { phone: string; isVerified: boolean };
  passwordChangeRequired: boolean;
  passwordChanged?: string | null;
}

/** A GraphQL enum name (`USER_STATE_ACTIVE`) → the generated enum's value (protoc-gen-es drops the prefix). */
function enumValue<E extends number>(values: Record<string, E | string>, prefix: string, name: string): E {
  const value = values[name.startsWith(prefix) ? name.slice(prefix.length) : name];
  return (typeof value === 'number' ? value : 0) as E;
}

/**
 * GetUserByID: the user with its own `details` (where upstream moved them) and the deprecated
 * top-level `details` kept for older clients.
 */
function toGetUserResponse(user: GraphQLUser): RpcResponse<'getUserByID'> {
  const details = toDetails(user.details);
  return {
    details,
    user: {
      userId: user.userId,
      details,
      state: enumValue(UserState, 'USER_STATE_', user.state),
      username: user.username,
      loginNames: [user.username],
      preferredLoginName: user.username,
      type: {
        case: 'human',
        value: {
          profile: { ...user.profile, gender: enumValue(Gender, 'GENDER_', user.profile.gender) },
          email: user.email,
          phone: user.phone,
          passwordChangeRequired: user.passwordChangeRequired,
          ...(user.passwordChanged ? { passwordChanged: timestampFromDate(new Date(user.passwordChanged)) } : {}),
        },
      },
    },
  };
}

/** Copies the optional strings of a payload that are set (GraphQL answers null for unset). */
function present<K extends string>(payload: Json, keys: readonly K[]): Partial<Record<K, string>> {
  return Object.fromEntries(keys.filter((k) => payload[k] != null).map((k) => [k, payload[k]])) as Partial<
    Record<K, string>
  >;
}

// One row per RPC (issue 13 item 1): the rows look alike by design, each naming its own operation, variables and response.
export const RPCS: { [N in RpcName]: Rpc<N> } = {
  updateHumanUser: {
    operation: 'updateHumanUser',
    variables: updateHumanUserVariables,
    response: ({ updateHumanUser: p }) => ({
      details: toDetails((p as Json).details as GraphQLDetails),
      ...present(p as Json, ['emailCode', 'phoneCode'] as const),
    }),
  },
  passwordReset: {
    operation: 'passwordReset',
    variables: passwordResetVariables,
    response: ({ passwordReset: p }) => ({
      details: toDetails((p as Json).details as GraphQLDetails),
      ...present(p as Json, ['verificationCode'] as const),
    }),
  },
  getUserByID: {
    operation: 'getUserById',
    variables: (userId) => ({ userId }),
    response: (data) => toGetUserResponse(data.userById as GraphQLUser),
  },
  updateUser: {
    operation: 'updateUser',
    variables: updateUserVariables,
    response: ({ updateUser: p }) => ({
      changeDate: timestampFromDate(new Date((p as Json).changeDate as string)),
      ...present(p as Json, ['emailCode', 'phoneCode'] as const),
    }),
  },
  // Issue 15: the code flows.
  verifyEmail: {
    operation: 'verifyEmail',
    variables: verifyEmailVariables,
    response: ({ verifyEmail: p }) => ({ details: toDetails((p as Json).details as GraphQLDetails) }),
  },
  resendEmailCode: {
    operation: 'resendEmailCode',
    variables: resendEmailCodeVariables,
    response: ({ resendEmailCode: p }) => ({
      details: toDetails((p as Json).details as GraphQLDetails),
      ...present(p as Json, ['verificationCode'] as const),
    }),
  },
  verifyPhone: {
    operation: 'verifyPhone',
    variables: verifyPhoneVariables,
    response: ({ verifyPhone: p }) => ({ details: toDetails((p as Json).details as GraphQLDetails) }),
  },
  resendPhoneCode: {
    operation: 'resendPhoneCode',
    variables: resendPhoneCodeVariables,
    response: ({ resendPhoneCode: p }) => ({
      details: toDetails((p as Json).details as GraphQLDetails),
      ...present(p as Json, ['verificationCode'] as const),
    }),
  },
};

/** The request and response message descriptors of an RPC. */
export function rpcMessages<N extends RpcName>(name: N): Methods[N] {
  return UserService.method[name];
}
