// The gRPC face inside yoga: requests to /zitadel.user.v2.UserService/<Method> are answered by
// Connect's universal handlers (Connect JSON and binary, gRPC-Web), converted from and to fetch
// Request/Response. Plain gRPC needs HTTP/2 and response trailers, which a fetch Response cannot
// carry: src/grpc/server.ts serves it on the same port (see there).
import type { DescService } from '@bufbuild/protobuf';
import { type ConnectRouter, createConnectRouter } from '@connectrpc/connect';
import {
  type UniversalHandler,
  universalServerRequestFromFetch,
  universalServerResponseToFetch,
} from '@connectrpc/connect/protocol';
import { compressionBrotli, compressionGzip } from '@connectrpc/connect-node';
import type { Plugin, YogaServer } from 'graphql-yoga';
import { UserService } from './gen/zitadel/user/v2/user_service_pb.js';
import { contextValuesWith, createUserService } from './user-service.js';

export const GRPC_PATH_PREFIX = `/${UserService.typeName}/`;

/** The beta name of the same service: the same methods and (wire-compatible) messages. */
export const V2BETA_USER_SERVICE = 'zitadel.user.v2beta.UserService';

/** `service` under another fully-qualified name (its methods' paths follow their parent's name). */
export function renamedService<S extends DescService>(service: S, typeName: string): S {
  const alias = { ...service, typeName, name: typeName.slice(typeName.lastIndexOf('.') + 1) } as {
    -readonly [K in keyof DescService]: DescService[K];
  };
  alias.methods = service.methods.map((m) => ({ ...m, parent: alias as DescService }));
  alias.method = Object.fromEntries(alias.methods.map((m) => [m.localName, m]));
  return alias as unknown as S;
}

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
    // @zitadel/node's createUserClient() calls the v2beta names; upstream serves both.
    router.service(renamedService(UserService, V2BETA_USER_SERVICE), service);
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

/** `/<package>.<Service>/<Method>`: the path of an RPC on any protocol. */
const RPC_PATH = /^\/[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+\/[A-Za-z_]\w*$/;

/**
 * The answer to an RPC that is not served: gRPC and gRPC-Web get HTTP 200 with grpc-status 12
 * (trailers-only), Connect its `unimplemented` error (HTTP 404 with a JSON body). Anything that
 * is not an RPC (no RPC path, or a content type no RPC protocol uses) is left to the other routes.
 */
function unimplementedAnswer(request: Request, pathname: string): Response | undefined {
  if (request.method !== 'POST' || !RPC_PATH.test(pathname)) return undefined;
  const contentType = (request.headers.get('content-type') ?? '').toLowerCase();
  const message = `unknown service or method ${pathname}`;
  if (/^application\/grpc(?:-web(?:-text)?)?(?:$|[+;])/.test(contentType)) {
    const answer = trailersOnly(12, message);
    answer.headers.set('content-type', contentType.split(';')[0] as string);
    return answer;
  }
  if (/^application\/(?:connect\+)?(?:json|proto)(?:$|;)/.test(contentType)) {
    return new Response(JSON.stringify({ code: 'unimplemented', message }), {
      status: 404,
      headers: { 'content-type': 'application/json' },
    });
  }
  return undefined;
}

export function createGrpcPlugin(onUnexpected: (error: unknown) => void, options: GrpcOptions): Plugin {
  const handlers = new Map<string, UniversalHandler>();

  return {
    onYogaInit({ yoga }) {
      // gzip and brotli as over HTTP/2 (connectNodeAdapter's defaults); the limit holds decompressed.
      const router = createConnectRouter({
        readMaxBytes: options.maxBodyBytes,
        acceptCompression: [compressionGzip, compressionBrotli],
      });
      grpcRoutes(yoga, onUnexpected)(router);
      for (const handler of router.handlers) handlers.set(handler.requestPath, handler);
    },
    onRequest({ request, url, endResponse, serverContext }) {
      const handler = handlers.get(url.pathname);
      if (!handler) {
        // An RPC to a service or method not served: the protocol's UNIMPLEMENTED, not a bare 404.
        const unimplemented = unimplementedAnswer(request, url.pathname);
        if (unimplemented) endResponse(unimplemented);
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
