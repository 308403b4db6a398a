// Runs an RPC for a transport request: translate the request, execute the RPC's prepared GraphQL
// operation in-process through yoga's enveloped pipeline (so authentication, permissions,
// validation, rate limits and error masking apply exactly as on /graphql), and answer the response
// message or the wire error. A request that cannot be translated still authenticates first
// (spec §2: 401 before 400).
import type { DocumentNode, ExecutionResult } from 'graphql';
import type { YogaServer } from 'graphql-yoga';
import { GRPC_CODES } from '../grpc-status.js';
import { createMaskError, languagesOf, localized } from '../schema/errors.js';
import { fromGraphQLError, type WireError, wireError } from './errors.js';
import { prepareWireOperations, type WireOperation } from './operations.js';
import { RPCS, type RpcName, type RpcResponse } from './rpcs.js';
import { TranslationError } from './translate.js';

// biome-ignore lint/suspicious/noExplicitAny: yoga's server context type is generic here
export type AnyYoga = YogaServer<any, any>;

export type WireResult<N extends RpcName> = { response: RpcResponse<N> } | { error: WireError };

export interface WireCall {
  /** The transport's request: authentication reads its `authorization` header. */
  request: Request;
  /** yoga's server context (e.g. the Node request, for the client address). */
  serverContext?: object;
}

export interface Wire {
  /**
   * Runs `name` with the variables `translate` gives (it may throw TranslationError, answered
   * as 400 INVALID_ARGUMENT after authentication). Never rejects.
   */
  run<N extends RpcName>(name: N, translate: () => Record<string, unknown>, call: WireCall): Promise<WireResult<N>>;
}

/** The shared executor of a yoga instance; `face` names the face in a schema mismatch at start. */
export function createWire(yoga: AnyYoga, face: string, onUnexpected: (error: unknown) => void): Wire {
  const documents: Map<WireOperation, DocumentNode> = prepareWireOperations(yoga.getEnveloped().schema, face);
  const maskError = createMaskError(onUnexpected);

  /** The request's GraphQL context, once built: its `caller` holds the caller's language (src/context.ts). */
  type Seen = { context?: { caller?: { language?: string } } };

  async function execute(operation: WireOperation, variables: Record<string, unknown>, call: WireCall, seen: Seen) {
    const enveloped = yoga.getEnveloped({ ...call.serverContext, request: call.request });
    const contextValue = await enveloped.contextFactory();
    seen.context = contextValue as Seen['context'];
    return (await enveloped.execute({
      schema: enveloped.schema,
      document: documents.get(operation) as DocumentNode,
      variableValues: variables,
      contextValue,
    })) as ExecutionResult;
  }

  return {
    async run(name, translate, call) {
      const rpc = RPCS[name];
      let variables: Record<string, unknown> = {};
      let translationError: TranslationError | undefined;
      try {
        variables = translate();
      } catch (error) {
        if (!(error instanceof TranslationError)) return { error: fromGraphQLError(maskError(error)) };
        translationError = error;
      }
      let result: ExecutionResult;
      const seen: Seen = {};
      try {
        result = await execute(translationError ? 'authenticate' : rpc.operation, variables, call, seen);
      } catch (error) {
        // Thrown outside GraphQL's error handling (e.g. the database down while authenticating):
        // classified the same way as on /graphql.
        return {
          error: fromGraphQLError(localized(maskError(error), languagesOf(call.request, seen.context?.caller))),
        };
      }
      const firstError = result.errors?.[0];
      if (firstError) {
        return { error: fromGraphQLError(localized(firstError, languagesOf(call.request, seen.context?.caller))) };
      }
      if (translationError) return { error: wireError(GRPC_CODES.INVALID_ARGUMENT, translationError.message) };
      return { response: rpc.response(result.data as Record<string, unknown>) };
    },
  };
}
