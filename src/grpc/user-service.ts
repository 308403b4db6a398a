// The gRPC face's zitadel.user.v2.UserService: a table of the methods served. Each method turns its
// request message into protojson, runs the shared RPC (src/wire: the same variables mapping as
// REST's body, the same GraphQL operation through yoga, the same response message) and answers
// the message or the wire error as a gRPC status with its detail messages. It imports nothing
// from the domain and nothing from the REST face.
import { toJson } from '@bufbuild/protobuf';
import {
  type Code,
  ConnectError,
  type ContextValues,
  createContextKey,
  createContextValues,
  type HandlerContext,
  type ServiceImpl,
} from '@connectrpc/connect';
import { type AnyYoga, createWire, RPCS, type RpcName, rpcMessages, type WireError } from '../wire/index.js';
import type { UserService } from './gen/zitadel/user/v2/user_service_pb.js';

/** The UserService methods this gateway serves: one row per RPC of src/wire/rpcs.ts. */
export const GRPC_METHODS = [
  'updateHumanUser',
  'passwordReset',
  'getUserByID',
  'updateUser',
  // Issue 15: the code flows.
  'verifyEmail',
  'resendEmailCode',
  'verifyPhone',
  'resendPhoneCode',
] as const satisfies readonly RpcName[];

/** Where a call came from: yoga's server context (e.g. the Node request, for the client address). */
export const SERVER_CONTEXT = createContextKey<Record<string, unknown>>({}, { description: 'yoga server context' });

/**
 * The HTTP request the call arrived in, when yoga saw it (Connect and gRPC-Web): the call runs on
 * it, so what the context learns (the caller, for the request log) lands on the logged request.
 */
export const TRANSPORT_REQUEST = createContextKey<Request | undefined>(undefined, { description: 'fetch request' });

export function contextValuesWith(serverContext: Record<string, unknown>, request?: Request): ContextValues {
  return createContextValues().set(SERVER_CONTEXT, serverContext).set(TRANSPORT_REQUEST, request);
}

/**
 * The wire error as ZITADEL's gRPC status: code, message and detail messages; its headers (e.g.
 * Retry-After) as the error's metadata, which Connect sends as response headers.
 */
function connectError(error: WireError): ConnectError {
  return new ConnectError(error.message, error.code as Code, error.headers, error.details);
}

/**
 * The UserService implementation on top of a yoga instance. `onUnexpected` gets anything that is
 * not a contract error (answered as INTERNAL "Errors.Internal").
 */
export function createUserService(
  yoga: AnyYoga,
  onUnexpected: (error: unknown) => void,
): ServiceImpl<typeof UserService> {
  const wire = createWire(yoga, 'gRPC', onUnexpected);

  function method<N extends RpcName>(name: N) {
    return async (req: { userId: string }, ctx: HandlerContext) => {
      const input = rpcMessages(name).input;
      const result = await wire.run(name, () => RPCS[name].variables(req.userId, toJson(input, req as never)), {
        // gRPC metadata arrives as HTTP headers: authentication reads `authorization` from this request.
        request:
          ctx.values.get(TRANSPORT_REQUEST) ?? new Request(ctx.url, { method: 'POST', headers: ctx.requestHeader }),
        serverContext: ctx.values.get(SERVER_CONTEXT),
      });
      if ('error' in result) throw connectError(result.error);
      return result.response;
    };
  }

  return Object.fromEntries(GRPC_METHODS.map((name) => [name, method(name)])) as unknown as ServiceImpl<
    typeof UserService
  >;
}
