// The gRPC face's zitadel.user.v2.UserService: a pure translation layer like the REST adapter.
// Each method maps the protobuf request onto the GraphQL operation, executes it in-process through
// yoga's enveloped pipeline (so authentication, permissions, validation and error masking apply
// exactly as on the other faces), and maps the result back to the protobuf response. Errors become
// gRPC statuses: code = extensions.code, message "<message> (<id>)", a zitadel.v1.ErrorDetail
// {id, message} detail (plus CredentialsCheckError when a password check failed). It imports
// nothing from the domain.
import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  type Code,
  ConnectError,
  type ContextValues,
  createContextKey,
  createContextValues,
  type HandlerContext,
  type ServiceImpl,
} from '@connectrpc/connect';
import type { DocumentNode, ExecutionResult, GraphQLError } from 'graphql';
import type { YogaServer } from 'graphql-yoga';
import { GRPC_CODES, grpcCodeOf } from '../grpc-status.js';
import { prepareWireOperations, type WireOperation } from '../wire-operations.js';
import { CredentialsCheckErrorSchema, ErrorDetailSchema } from './gen/zitadel/message_pb.js';
import type { DetailsSchema } from './gen/zitadel/object/v2/object_pb.js';
import { Gender, UserState } from './gen/zitadel/user/v2/user_pb.js';
import type {
  GetUserByIDResponseSchema,
  PasswordResetRequest,
  UpdateHumanUserRequest,
  UserService,
} from './gen/zitadel/user/v2/user_service_pb.js';

type Operation = WireOperation;
type Json = Record<string, unknown>;

/** Where a call came from: yoga's server context (e.g. the Node request, for the client address). */
export const SERVER_CONTEXT = createContextKey<Record<string, unknown>>({}, { description: 'yoga server context' });

export function contextValuesWith(serverContext: Record<string, unknown>): ContextValues {
  return createContextValues().set(SERVER_CONTEXT, serverContext);
}

class TranslationError extends Error {}

const GENDER_NAMES = ['GENDER_UNSPECIFIED', 'GENDER_FEMALE', 'GENDER_MALE', 'GENDER_DIVERSE'] as const;

function genderName(value: Gender): string {
  const name = GENDER_NAMES[value];
  if (name === undefined) throw new TranslationError(`invalid value for enum gender: ${value}`);
  return name;
}

// --- protobuf request → GraphQL variables ------------------------------------------------------

export function updateHumanUserVariables(req: UpdateHumanUserRequest): { input: Json } {
  const input: Json = { userId: req.userId };
  if (req.username !== undefined) input.username = req.username;
  if (req.profile) {
    const p = req.profile;
    const profile: Json = { givenName: p.givenName, familyName: p.familyName };
    if (p.nickName !== undefined) profile.nickName = p.nickName;
    if (p.displayName !== undefined) profile.displayName = p.displayName;
    if (p.preferredLanguage !== undefined) profile.preferredLanguage = p.preferredLanguage;
    if (p.gender !== undefined) profile.gender = genderName(p.gender);
    input.profile = profile;
  }
  if (req.email) {
    const email: Json = { email: req.email.email };
    const v = req.email.verification;
    if (v.case === 'sendCode') {
      email.sendCode = v.value.urlTemplate !== undefined ? { urlTemplate: v.value.urlTemplate } : {};
    } else if (v.case === 'returnCode') email.returnCode = true;
    else if (v.case === 'isVerified') email.isVerified = v.value;
    input.email = email;
  }
  if (req.phone) {
    const phone: Json = { phone: req.phone.phone };
    const v = req.phone.verification;
    if (v.case === 'sendCode') phone.sendCode = true;
    else if (v.case === 'returnCode') phone.returnCode = true;
    else if (v.case === 'isVerified') phone.isVerified = v.value;
    input.phone = phone;
  }
  if (req.password) {
    const password: Json = {};
    const type = req.password.passwordType;
    if (type.case === 'password') {
      password.password = { password: type.value.password, changeRequired: type.value.changeRequired };
    } else if (type.case === 'hashedPassword') {
      password.hashedPassword = { hash: type.value.hash, changeRequired: type.value.changeRequired };
    }
    const verification = req.password.verification;
    if (verification.case === 'currentPassword') password.currentPassword = verification.value;
    else if (verification.case === 'verificationCode') password.verificationCode = verification.value;
    input.password = password;
  }
  return { input };
}

export function passwordResetVariables(req: PasswordResetRequest): { input: Json } {
  const input: Json = { userId: req.userId };
  if (req.medium.case === 'sendLink') {
    const urlTemplate = req.medium.value.urlTemplate;
    input.sendLink = urlTemplate !== undefined ? { urlTemplate } : {};
  } else if (req.medium.case === 'returnCode') input.returnCode = true;
  return { input };
}

// --- GraphQL data → protobuf response -----------------------------------------------------------

interface GraphQLDetails {
  sequence: string;
  changeDate: string;
  resourceOwner: string;
}

function toDetails(d: GraphQLDetails): MessageInitShape<typeof DetailsSchema> {
  return {
    sequence: BigInt(d.sequence),
    changeDate: timestampFromDate(new Date(d.changeDate)),
    resourceOwner: d.resourceOwner,
  };
}

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
}

/** A GraphQL enum name (`USER_STATE_ACTIVE`) → the generated enum's value (protoc-gen-es drops the prefix). */
function enumValue<E extends number>(values: Record<string, E | string>, prefix: string, name: string): E {
  const value = values[name.startsWith(prefix) ? name.slice(prefix.length) : name];
  return (typeof value === 'number' ? value : 0) as E;
}

/** The same shape as the REST face's GetUserByID answer. */
function toGetUserResponse(user: GraphQLUser): MessageInitShape<typeof GetUserByIDResponseSchema> {
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
        },
      },
    },
  };
}

// --- errors -------------------------------------------------------------------------------------

/** ZITADEL's gRPC error: "<message> (<id>)" with ErrorDetail {id, message}; without an id, the bare message. */
export function grpcError(code: number, message: string, id?: string, failedAttempts?: number): ConnectError {
  if (!id) return new ConnectError(message, code as Code);
  const details: ConstructorParameters<typeof ConnectError>[3] = [{ desc: ErrorDetailSchema, value: { id, message } }];
  if (failedAttempts !== undefined) {
    details.push({ desc: CredentialsCheckErrorSchema, value: { id, message, failedAttempts } });
  }
  return new ConnectError(`${message} (${id})`, code as Code, undefined, details);
}

function fromGraphQLError(error: GraphQLError): ConnectError {
  const ext = error.extensions ?? {};
  const code = typeof ext.code === 'string' ? grpcCodeOf(ext.code) : undefined;
  // Errors without a code are GraphQL's own request errors (e.g. variable coercion).
  if (code === undefined) return grpcError(GRPC_CODES.INVALID_ARGUMENT, error.message);
  return grpcError(
    code,
    error.message,
    typeof ext.id === 'string' ? ext.id : undefined,
    typeof ext.failedAttempts === 'number' ? ext.failedAttempts : undefined,
  );
}

// --- the service --------------------------------------------------------------------------------

// biome-ignore lint/suspicious/noExplicitAny: yoga's server context type is generic here
type AnyYoga = YogaServer<any, any>;

/** Parses and validates each operation once against the served schema. */
function prepareDocuments(yoga: AnyYoga): Map<Operation, DocumentNode> {
  return prepareWireOperations(yoga.getEnveloped().schema, 'gRPC');
}

/**
 * The UserService implementation on top of a yoga instance. `onUnexpected` gets anything that is
 * not a GraphQL error (answered as INTERNAL "Errors.Internal").
 */
export function createUserService(
  yoga: AnyYoga,
  onUnexpected: (error: unknown) => void,
): ServiceImpl<typeof UserService> {
  const documents = prepareDocuments(yoga);

  async function run(operation: Operation, translate: () => Json, ctx: HandlerContext): Promise<Json> {
    let variables: Json = {};
    let translationError: TranslationError | undefined;
    try {
      variables = translate();
    } catch (error) {
      if (!(error instanceof TranslationError)) throw error;
      translationError = error;
    }
    // gRPC metadata arrives as HTTP headers: authentication reads `authorization` from this request.
    const request = new Request(ctx.url, { method: 'POST', headers: ctx.requestHeader });
    let result: ExecutionResult;
    try {
      const enveloped = yoga.getEnveloped({ ...ctx.values.get(SERVER_CONTEXT), request });
      const contextValue = await enveloped.contextFactory();
      result = (await enveloped.execute({
        schema: enveloped.schema,
        document: documents.get(translationError ? 'authenticate' : operation) as DocumentNode,
        variableValues: variables,
        contextValue,
      })) as ExecutionResult;
    } catch (error) {
      onUnexpected(error);
      throw grpcError(GRPC_CODES.INTERNAL, 'Errors.Internal');
    }
    const firstError = result.errors?.[0];
    if (firstError) throw fromGraphQLError(firstError);
    if (translationError) throw grpcError(GRPC_CODES.INVALID_ARGUMENT, translationError.message);
    return result.data as Json;
  }

  return {
    async updateHumanUser(req, ctx) {
      const data = await run('updateHumanUser', () => updateHumanUserVariables(req), ctx);
      const payload = data.updateHumanUser as {
        details: GraphQLDetails;
        emailCode: string | null;
        phoneCode: string | null;
      };
      return {
        details: toDetails(payload.details),
        ...(payload.emailCode != null ? { emailCode: payload.emailCode } : {}),
        ...(payload.phoneCode != null ? { phoneCode: payload.phoneCode } : {}),
      };
    },
    async passwordReset(req, ctx) {
      const data = await run('passwordReset', () => passwordResetVariables(req), ctx);
      const payload = data.passwordReset as { details: GraphQLDetails; verificationCode: string | null };
      return {
        details: toDetails(payload.details),
        ...(payload.verificationCode != null ? { verificationCode: payload.verificationCode } : {}),
      };
    },
    async getUserByID(req, ctx) {
      const data = await run('getUserById', () => ({ userId: req.userId }), ctx);
      return toGetUserResponse(data.userById as GraphQLUser);
    },
  };
}
