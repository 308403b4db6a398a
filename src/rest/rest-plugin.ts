// The REST face (ZITADEL's JSON routes), a pure translation layer: it maps each route onto a
// GraphQL operation, executes it in-process through yoga's own enveloped pipeline (so error
// masking, authentication and every other plugin apply), and maps the result back to ZITADEL's
// JSON. It imports nothing from the domain.
import type { DocumentNode, ExecutionResult, GraphQLError } from 'graphql';
import type { Plugin, YogaServer } from 'graphql-yoga';
import { GRPC_CODES, type GrpcCode, grpcCodeOf, httpStatusOf } from '../grpc-status.js';
import { prepareWireOperations, type WireOperation } from '../wire-operations.js';
import { BodyError, parseJsonBody, passwordResetVariables, updateHumanUserVariables } from './body.js';

type Operation = WireOperation;

interface Route {
  pattern: RegExp;
  method: string;
  operation: Operation;
  variables(params: string[], body: unknown, request: Request): Record<string, unknown>;
  respond(data: Record<string, unknown>): unknown;
}

const ROUTES: Route[] = [
  {
    pattern: /^\/v2\/users\/human\/([^/]+)$/,
    method: 'PUT',
    operation: 'updateHumanUser',
    variables: ([userId], body, request) =>
      withExpectedSequence(updateHumanUserVariables(userId as string, body), request.headers.get('if-match')),
    respond: (data) => data.updateHumanUser,
  },
  {
    pattern: /^\/v2\/users\/([^/]+)\/password_reset$/,
    method: 'POST',
    operation: 'passwordReset',
    variables: ([userId], body) => passwordResetVariables(userId as string, body),
    respond: (data) => data.passwordReset,
  },
  {
    pattern: /^\/v2\/users\/([^/]+)$/,
    method: 'GET',
    operation: 'getUserById',
    variables: ([userId]) => ({ userId }),
    respond: (data) => toGetUserResponse(data.userById as GraphQLUser),
  },
];

const JSON_HEADERS = { 'content-type': 'application/json' };
const SEQUENCE_MISMATCH_ID = 'GATEWAY-SEQ412';

/**
 * `If-Match: "<sequence>"` → the mutation's expectedSequence (optimistic concurrency);
 * `*` or no header → none. Anything else is a malformed precondition (400).
 */
export function withExpectedSequence(variables: { input: Record<string, unknown> }, ifMatch: string | null) {
  if (ifMatch === null || ifMatch.trim() === '*') return variables;
  const match = /^\s*"([0-9]{1,15})"\s*$/.exec(ifMatch);
  if (!match) throw new BodyError('invalid If-Match header: expected one strong ETag such as "42"');
  return { input: { ...variables.input, expectedSequence: match[1] } };
}

/** Reads the body as text, refusing more than `limit` bytes (declared or streamed). */
async function readBody(request: Request, limit: number): Promise<string | 'too large'> {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^[0-9]+$/.test(declared) && Number(declared) > limit) return 'too large';
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return 'too large';
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function tooLarge(): Response {
  return json(413, { code: GRPC_CODES.RESOURCE_EXHAUSTED, message: 'request body too large' });
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

/** ZITADEL's error body (spec §7). */
export function errorBody(
  code: GrpcCode,
  message: string,
  id?: string,
  failedAttempts?: number,
): Record<string, unknown> {
  if (!id) return { code, message };
  const details: Record<string, unknown>[] = [{ '@type': 'type.googleapis.com/zitadel.v1.ErrorDetail', id, message }];
  if (failedAttempts !== undefined) {
    details.push({ '@type': 'type.googleapis.com/zitadel.v1.CredentialsCheckError', id, message, failedAttempts });
  }
  return { code, message: `${message} (${id})`, details };
}

export function errorResponse(code: GrpcCode, message: string, id?: string, failedAttempts?: number): Response {
  return json(httpStatusOf(code), errorBody(code, message, id, failedAttempts));
}

/** A GraphQL error → ZITADEL's JSON. Errors without a code are GraphQL's own request errors. */
function fromGraphQLError(error: GraphQLError): Response {
  const ext = error.extensions ?? {};
  const code = typeof ext.code === 'string' ? grpcCodeOf(ext.code) : undefined;
  if (code === undefined) return errorResponse(GRPC_CODES.INVALID_ARGUMENT, error.message);
  // A failed If-Match is HTTP's 412 Precondition Failed (the table's 400 is for FAILED_PRECONDITION in general).
  if (ext.id === SEQUENCE_MISMATCH_ID) {
    return json(412, errorBody(code, error.message, SEQUENCE_MISMATCH_ID));
  }
  // The credential-check rate limit's window is one minute.
  if (ext.id === 'GATEWAY-RATE429') {
    return json(429, errorBody(code, error.message, ext.id), { 'retry-after': '60' });
  }
  return errorResponse(
    code,
    error.message,
    typeof ext.id === 'string' ? ext.id : undefined,
    typeof ext.failedAttempts === 'number' ? ext.failedAttempts : undefined,
  );
}

function withoutEmpty(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined));
}

interface GraphQLUser {
  userId: string;
  state: string;
  username: string;
  resourceOwner: string;
  details: Record<string, unknown>;
  profile: Record<string, unknown>;
  email: Record<string, unknown>;
  phone: Record<string, unknown>;
  passwordChangeRequired: boolean;
}

/** GetUserByID's shape: {details, user: {userId, state, username, loginNames, preferredLoginName, human}}. */
function toGetUserResponse(user: GraphQLUser): unknown {
  return {
    details: user.details,
    user: {
      userId: user.userId,
      state: user.state,
      username: user.username,
      loginNames: [user.username],
      preferredLoginName: user.username,
      human: {
        profile: user.profile,
        email: user.email,
        phone: user.phone,
        passwordChangeRequired: user.passwordChangeRequired,
      },
    },
  };
}

export interface RestOptions {
  /** Request bodies over this many bytes get 413. */
  maxBodyBytes: number;
}

export function createRestPlugin(onUnexpected: (error: unknown) => void, options: RestOptions): Plugin {
  // biome-ignore lint/suspicious/noExplicitAny: yoga's server context type is generic here
  let yoga: YogaServer<any, any> | undefined;
  const documents = new Map<Operation, DocumentNode>();

  async function handle(route: Route, params: string[], request: Request, serverContext: object): Promise<Response> {
    let variables: Record<string, unknown> = {};
    let bodyError: BodyError | undefined;
    let text = '';
    if (route.method !== 'GET') {
      const read = await readBody(request, options.maxBodyBytes);
      if (read === 'too large') return tooLarge();
      text = read;
    }
    try {
      const body = route.method === 'GET' ? {} : parseJsonBody(text);
      variables = route.variables(params, body, request);
    } catch (error) {
      if (!(error instanceof BodyError)) throw error;
      bodyError = error;
    }
    if (!yoga) throw new Error('REST plugin used before yoga initialised');
    const document = documents.get(bodyError ? 'authenticate' : route.operation) as DocumentNode;
    const enveloped = yoga.getEnveloped({ request, ...serverContext });
    const contextValue = await enveloped.contextFactory();
    const result = (await enveloped.execute({
      schema: enveloped.schema,
      document,
      variableValues: variables,
      contextValue,
    })) as ExecutionResult;
    const firstError = result.errors?.[0];
    if (firstError) return fromGraphQLError(firstError);
    if (bodyError) return errorResponse(GRPC_CODES.INVALID_ARGUMENT, bodyError.message);
    const data = route.respond(result.data as Record<string, unknown>) as Record<string, unknown>;
    const sequence = (data.details as { sequence?: unknown } | undefined)?.sequence;
    const headers: Record<string, string> = typeof sequence === 'string' ? { etag: `"${sequence}"` } : {};
    return json(200, route.operation === 'getUserById' ? data : withoutEmpty(data), headers);
  }

  return {
    onYogaInit({ yoga: instance }) {
      yoga = instance;
      for (const [operation, document] of prepareWireOperations(instance.getEnveloped().schema, 'REST')) {
        documents.set(operation, document);
      }
    },
    onRequest({ request, url, endResponse, serverContext }) {
      if (!url.pathname.startsWith('/v2/')) return;
      for (const route of ROUTES) {
        const match = route.pattern.exec(url.pathname);
        if (!match) continue;
        if (request.method !== route.method) {
          endResponse(
            json(405, { code: GRPC_CODES.UNIMPLEMENTED, message: 'Method Not Allowed' }, { allow: route.method }),
          );
          return;
        }
        let params: string[];
        try {
          params = match.slice(1).map((p) => decodeURIComponent(p));
        } catch {
          endResponse(errorResponse(GRPC_CODES.INVALID_ARGUMENT, 'invalid percent-encoding in the path'));
          return;
        }
        return handle(route, params, request, serverContext ?? {})
          .catch((error: unknown) => {
            onUnexpected(error);
            return errorResponse(GRPC_CODES.INTERNAL, 'Errors.Internal');
          })
          .then(endResponse);
      }
      endResponse(json(404, { code: GRPC_CODES.NOT_FOUND, message: 'Not Found' }));
    },
  };
}
