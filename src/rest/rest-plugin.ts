// The REST face (ZITADEL's JSON routes), a table of routes (src/rest/routes.ts) over the shared
// wire layer: each route's body is translated as its RPC's request, the RPC runs through yoga's
// own enveloped pipeline (so error masking, authentication and the execution plugins apply), and
// the answer is the RPC's protobuf response message serialized with protojson — the same message
// gRPC/Connect sends. Not every yoga plugin applies: the REST routes answer before GraphQL's own
// request checks (CSRF prevention, graphql-armor limits). It imports nothing from the domain.
import { create, toJson } from '@bufbuild/protobuf';
import type { Plugin } from 'graphql-yoga';
import {
  type AnyYoga,
  createWire,
  GRPC_CODES,
  type GrpcCode,
  parseJsonBody,
  RPCS,
  rpcMessages,
  TranslationError,
  type Wire,
  type WireError,
  wireError,
} from '../wire/index.js';
import { matchPath, type RestRoute } from './routes.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

/** One entity-tag of a list (RFC 9110 §8.8.3): optional `W/`, then a quoted string of etagc. */
const ENTITY_TAG = /^(W\/)?"([\x21\x23-\x7e\x80-\uffff]*)"$/;

/** Tags in a list beyond this are refused (each candidate may cost one attempt). */
export const MAX_IF_MATCH_TAGS = 8;

/**
 * `If-Match` (RFC 9110 §13.1.1) → the sequences that may match, or undefined for no precondition
 * (no header, or `*`: the user exists, which the operation checks anyway). If-Match uses the
 * strong comparison, so a weak tag (`W/"4"`) and a tag that is not a sequence never match; when
 * nothing can match, the candidate is "0" (no user has sequence 0), so the answer is 412. A header
 * that is not a list of entity-tags is malformed (400).
 */
export function ifMatchSequences(ifMatch: string | null): string[] | undefined {
  if (ifMatch === null || ifMatch.trim() === '*') return undefined;
  const tags = ifMatch.split(',').map((t) => t.trim());
  if (tags.length > MAX_IF_MATCH_TAGS || tags.some((t) => !ENTITY_TAG.test(t))) {
    throw new TranslationError(
      `invalid If-Match header: expected "*" or up to ${MAX_IF_MATCH_TAGS} entity-tags such as "42"`,
    );
  }
  const sequences = tags
    .map((t) => ENTITY_TAG.exec(t) as RegExpExecArray)
    .filter((m) => !m[1] && /^[0-9]{1,15}$/.test(m[2] as string))
    .map((m) => String(Number(m[2])));
  return sequences.length > 0 ? [...new Set(sequences)] : ['0'];
}

/** The mutation's variables with `expectedSequence` (optimistic concurrency). */
function withExpectedSequence(variables: Record<string, unknown>, expectedSequence: string | undefined) {
  if (expectedSequence === undefined) return variables;
  const input = variables.input as Record<string, unknown>;
  return { ...variables, input: { ...input, expectedSequence } };
}

/** Reads the body as text, refusing more than `limit` bytes (declared or streamed). */
async function readBody(request: Request, limit: number): Promise<string | 'too large'> {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^[0-9]+$/.test(declared) && Number(declared) > limit) return 'too large';
  if (!request.body) return '';
  // A declared length within the limit is what arrives (see src/http/body-limit.ts): read it whole,
  // without a stream reader per request. Only a body without one is counted as it streams.
  if (declared !== null && /^[0-9]+$/.test(declared)) return request.text();
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

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

/** ZITADEL's error body (spec §7): google.rpc.Status in protojson, details with their `@type`. */
function errorResponse(error: WireError): Response {
  const body: Record<string, unknown> = { code: error.code, message: error.message };
  if (error.details.length > 0) {
    body.details = error.details.map(({ desc, value }) => ({
      '@type': `type.googleapis.com/${desc.typeName}`,
      ...(toJson(desc, create(desc, value)) as Record<string, unknown>),
    }));
  }
  return json(error.httpStatus, body, error.headers);
}

const plainError = (code: GrpcCode, message: string) => errorResponse(wireError(code, message));

export interface RestOptions {
  /** Request bodies over this many bytes get 413. */
  maxBodyBytes: number;
}

export function createRestPlugin(onUnexpected: (error: unknown) => void, options: RestOptions): Plugin {
  let wire: Wire | undefined;

  async function handle(route: RestRoute, params: Record<string, string>, request: Request, serverContext: object) {
    let text = '';
    if (route.body) {
      const read = await readBody(request, options.maxBodyBytes);
      if (read === 'too large') {
        // HTTP's own answer for a body over the limit (RESOURCE_EXHAUSTED alone would say 429).
        return errorResponse(wireError(GRPC_CODES.RESOURCE_EXHAUSTED, 'request body too large', { httpStatus: 413 }));
      }
      text = read;
    }
    if (!wire) throw new Error('REST plugin used before yoga initialised');
    const rpc = RPCS[route.rpc];
    let candidates: (string | undefined)[] = [undefined];
    const translate = (candidate: string | undefined) => () => {
      const variables = rpc.variables(params.userId as string, route.body ? parseJsonBody(text) : {});
      if (!route.ifMatch) return variables;
      candidates = ifMatchSequences(request.headers.get('if-match')) ?? [undefined];
      return withExpectedSequence(variables, candidate ?? candidates[0]);
    };
    let result = await wire.run(route.rpc, translate(undefined), { request, serverContext });
    // If-Match with several tags matches any of them: a mismatch (412, nothing written) tries the next.
    for (const candidate of candidates.slice(1)) {
      if (!('error' in result) || result.error.httpStatus !== 412) break;
      result = await wire.run(route.rpc, translate(candidate), { request, serverContext });
    }
    if ('error' in result) return errorResponse(result.error);
    const { output } = rpcMessages(route.rpc);
    // biome-ignore lint/suspicious/noExplicitAny: the route's RPC decides the message type
    const body = toJson(output, create(output, result.response as any)) as { details?: { sequence?: string } };
    const sequence = body.details?.sequence;
    return json(200, body, sequence ? { etag: `"${sequence}"` } : {});
  }

  return {
    onYogaInit({ yoga }) {
      wire = createWire(yoga as AnyYoga, 'REST', onUnexpected);
    },
    onRequest({ request, url, endResponse, serverContext }) {
      if (!url.pathname.startsWith('/v2/')) return;
      const match = matchPath(url.pathname);
      if (!match) {
        endResponse(json(404, { code: GRPC_CODES.NOT_FOUND, message: 'Not Found' }));
        return;
      }
      const route = match.routes.find((r) => r.method === request.method);
      if (!route) {
        const allow = match.routes.map((r) => r.method).join(', ');
        endResponse(json(405, { code: GRPC_CODES.UNIMPLEMENTED, message: 'Method Not Allowed' }, { allow }));
        return;
      }
      let params: Record<string, string>;
      try {
        params = Object.fromEntries(Object.entries(match.params).map(([k, v]) => [k, decodeURIComponent(v)]));
      } catch {
        endResponse(plainError(GRPC_CODES.INVALID_ARGUMENT, 'invalid percent-encoding in the path'));
        return;
      }
      return handle(route, params, request, serverContext ?? {})
        .catch((error: unknown) => {
          onUnexpected(error);
          return plainError(GRPC_CODES.INTERNAL, 'Errors.Internal');
        })
        .then(endResponse);
    },
  };
}
