// The request body limit of the GraphQL face (MAX_REQUEST_BODY_BYTES), in place of yoga's
// `maxRequestBodySize`: the same checks and errors, without piping every body through a
// TransformStream. yoga wraps each body in one even when Content-Length is declared; on the
// profile-update path that pipe (a Node stream pipeline, its AbortController and the DOMException
// it aborts with on close) was ~6 % of the gateway's CPU time (`npm run bench -- --profile`).
// A declared length is enough: Node's HTTP/1.1 parser delivers exactly Content-Length bytes
// (it refuses Content-Length together with Transfer-Encoding), and HTTP/2 (nghttp2) resets a
// stream whose DATA exceeds its content-length. Only a body without a declared length (chunked)
// is counted while it streams, as yoga did.
import { createGraphQLError, type Plugin } from 'graphql-yoga';

const DIGITS = /^\d+$/;

/** yoga's own errors for these cases (same message, status and code). */
function tooLarge() {
  return createGraphQLError('Request body too large', {
    extensions: { http: { status: 413 }, code: 'REQUEST_ENTITY_TOO_LARGE' },
  });
}

function invalidLength() {
  return createGraphQLError('Content-Length header is invalid.', {
    extensions: { http: { status: 400 }, code: 'BAD_REQUEST' },
  });
}

/** A request whose body errors once more than `limit` bytes have streamed. */
function counted(request: Request, limit: number, fetchAPI: { Request: typeof Request }): Request {
  const body = request.body as ReadableStream<Uint8Array>;
  let read = 0;
  const limited = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        read += chunk.byteLength;
        if (read > limit) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new fetchAPI.Request(request.url, {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    body: limited,
    duplex: 'half',
  } as RequestInit);
}

export function useRequestBodyLimit(limit: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const declared = request.headers.get('content-length');
      if (declared !== null) {
        if (!DIGITS.test(declared)) throw invalidLength();
        if (Number(declared) > limit) throw tooLarge();
        return;
      }
      if (requestParser == null || request.body == null) return;
      const parse = requestParser;
      setRequestParser((r) => parse(counted(r, limit, fetchAPI as { Request: typeof Request })));
    },
  };
}
