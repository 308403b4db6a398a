// The gRPC face inside yoga: requests to /zitadel.user.v2.UserService/<Method> are answered by
// Connect's universal handlers (Connect JSON and binary, gRPC-Web), converted from and to fetch
// Request/Response. Plain gRPC needs HTTP/2 and response trailers, which a fetch Response cannot
// carry: src/grpc/server.ts serves it on the same port (see there).
import { type ConnectRouter, createConnectRouter } from '@connectrpc/connect';
import {
  type UniversalHandler,
  universalServerRequestFromFetch,
  universalServerResponseToFetch,
} from '@connectrpc/connect/protocol';
import type { Plugin, YogaServer } from 'graphql-yoga';
import { UserService } from './gen/zitadel/user/v2/user_service_pb.js';
import { contextValuesWith, createUserService } from './user-service.js';

export const GRPC_PATH_PREFIX = `/${UserService.typeName}/`;

export interface GrpcOptions {
  /** Request messages over this many bytes are refused with RESOURCE_EXHAUSTED. */
  maxBodyBytes: number;
}

/** The Connect routes of the UserService on top of a yoga instance (shared with the HTTP/2 server). */
export function grpcRoutes(
  // biome-ignore lint/suspicious/noExplicitAny: yoga's server context type is generic here
  yoga: YogaServer<any, any>,
  onUnexpected: (error: unknown) => void,
): (router: ConnectRouter) => void {
  const service = createUserService(yoga, onUnexpected);
  return (router) => {
    router.service(UserService, service);
  };
}

/** The request body as Connect reads it, except that stopping early does not cancel the stream. */
function drainableBody(stream: ReadableStream<Uint8Array> | null) {
  const reader = stream?.getReader();
  const done = { done: true, value: undefined } as const;
  const iterable: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => (reader ? ((await reader.read()) as IteratorResult<Uint8Array>) : done),
      return: async () => done,
      throw: async () => done,
    }),
  };
  async function drain(limit: number): Promise<void> {
    if (!reader) return;
    let seen = 0;
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return;
      seen += chunk.value.byteLength;
      if (seen > limit) {
        await reader.cancel();
        return;
      }
    }
  }
  return { iterable, drain };
}

function isPlainGrpc(contentType: string | null): boolean {
  return contentType !== null && /^application\/grpc(?:$|[+;])/i.test(contentType);
}

/** A gRPC "trailers-only" answer: the status in the headers, no body. */
function trailersOnly(code: number, message: string): Response {
  return new Response(null, {
    status: 200,
    headers: {
      'content-type': 'application/grpc',
      'grpc-status': String(code),
      'grpc-message': encodeURIComponent(message),
    },
  });
}

export function createGrpcPlugin(onUnexpected: (error: unknown) => void, options: GrpcOptions): Plugin {
  const handlers = new Map<string, UniversalHandler>();

  return {
    onYogaInit({ yoga }) {
      const router = createConnectRouter({ readMaxBytes: options.maxBodyBytes });
      grpcRoutes(yoga, onUnexpected)(router);
      for (const handler of router.handlers) handlers.set(handler.requestPath, handler);
    },
    onRequest({ request, url, endResponse, serverContext }) {
      if (!url.pathname.startsWith(GRPC_PATH_PREFIX)) return;
      const handler = handlers.get(url.pathname);
      if (!handler) {
        endResponse(new Response(null, { status: 404 }));
        return;
      }
      // Plain gRPC ends every answer with HTTP trailers, which a fetch Response cannot carry.
      if (isPlainGrpc(request.headers.get('content-type'))) {
        endResponse(trailersOnly(12, 'application/grpc needs HTTP/2 (h2c); see src/grpc/server.ts'));
        return;
      }
      const universal = universalServerRequestFromFetch(request, {});
      const body = drainableBody(request.body);
      universal.body = body.iterable;
      universal.contextValues = contextValuesWith((serverContext ?? {}) as Record<string, unknown>, request);
      return handler(universal)
        .then(async (response) => {
          // An early answer (e.g. a message over the limit) must not leave the client writing into
          // a reset connection: read the rest of the body first, up to a bound.
          await body.drain(options.maxBodyBytes * 4);
          return universalServerResponseToFetch(response);
        })
        .catch((error: unknown) => {
          onUnexpected(error);
          return new Response(null, { status: 500 });
        })
        .then(endResponse);
    },
  };
}
