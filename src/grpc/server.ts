// Plain gRPC (application/grpc) on the gateway's port. gRPC needs HTTP/2 and response trailers;
// the gateway's node:http server speaks HTTP/1.1 only. `enableH2c(server, …)` makes that same
// server also accept cleartext HTTP/2 ("prior knowledge" h2c, as gRPC clients use it): each new
// connection is sniffed, and one that opens with the HTTP/2 preface is handed to a node:http2
// server where Connect's Node adapter answers the UserService (gRPC, gRPC-Web and Connect) and
// everything else falls through to yoga. HTTP/1.1 connections go on to the server as before.
// Graceful shutdown keeps working: closeIdleConnections/closeAllConnections also close the
// HTTP/2 sessions. `createGatewayServer` is that server with its bounds: HTTP/1.1 request and
// header timeouts, HTTP/2 session idle timeout, per-stream body timeout, stream and header limits,
// a cap on concurrent h2c sessions.
import {
  createServer as createHttpServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import {
  createServer as createHttp2Server,
  type Http2Server,
  constants as http2Constants,
  type ServerHttp2Session,
} from 'node:http2';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { YogaServerInstance } from 'graphql-yoga';
import { serveGraphQLOverWebSocket, type WebSocketOptions } from '../http/websocket.js';
import { grpcRoutes } from './grpc-plugin.js';
import { contextValuesWith } from './user-service.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

export interface H2cOptions {
  /** Request messages over this many bytes are refused with RESOURCE_EXHAUSTED. */
  maxBodyBytes: number;
  onUnexpected: (error: unknown) => void;
  /** A stream whose request body has not fully arrived in this time is reset (default 30 s). */
  bodyTimeoutMs?: number;
  /** A session without any frame for this long is closed (default 60 s). */
  idleTimeoutMs?: number;
  /** Streams one session may have open at once (default 100). */
  maxConcurrentStreams?: number;
  /** h2c sessions open at once; a connection past this is refused with GOAWAY (default 500). */
  maxSessions?: number;
}

/** Bounds of the HTTP/2 side: memory per session, header sizes (node:http2's units). */
const MAX_SESSION_MEMORY_MB = 4;
const MAX_HEADER_LIST_BYTES = 16 * 1024;
const MAX_HEADER_PAIRS = 64;

/**
 * What a refused h2c connection gets before it is closed: the server preface (an empty SETTINGS
 * frame) and GOAWAY with last stream 0 and ENHANCE_YOUR_CALM, so the client knows why.
 */
const REFUSAL = Buffer.from([
  ...[0, 0, 0, 0x04, 0, 0, 0, 0, 0],
  ...[0, 0, 8, 0x07, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, http2Constants.NGHTTP2_ENHANCE_YOUR_CALM],
]);

/** Reads until the first bytes tell HTTP/2's preface from HTTP/1.1; hands over what it read. */
function sniff(socket: Socket, decide: (http2: boolean, head: Buffer) => void): void {
  let seen = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    seen = Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, PREFACE.length);
    const http2 = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
    if (http2 && n < PREFACE.length) return; // could still be the preface: read on
    socket.off('data', onData);
    socket.pause();
    decide(http2, seen);
  };
  socket.on('data', onData);
}

/**
 * The socket as a stream that first replays the bytes the sniffer read. node:http2 reads a real
 * socket natively (bytes put back with unshift would be skipped); a plain Duplex it reads in JS.
 */
function replay(socket: Socket, head: Buffer): Duplex {
  const duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk, encoding, callback) {
      socket.write(chunk, encoding, callback);
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(error, callback) {
      socket.destroy(error ?? undefined);
      callback(error);
    },
  });
  duplex.push(head);
  socket.on('data', (chunk: Buffer) => {
    if (!duplex.push(chunk)) socket.pause();
  });
  socket.on('end', () => duplex.push(null));
  socket.on('error', (error) => duplex.destroy(error));
  socket.on('close', () => duplex.destroy());
  // The peer's address stays visible (e.g. to the per-IP rate limit).
  for (const key of ['remoteAddress', 'remotePort', 'remoteFamily', 'localAddress', 'localPort'] as const) {
    Object.defineProperty(duplex, key, { get: () => socket[key] });
  }
  return duplex;
}

export function enableH2c(
  server: HttpServer,
  // biome-ignore lint/suspicious/noExplicitAny: yoga's server context type is generic here
  yoga: YogaServerInstance<any, any>,
  options: H2cOptions,
): Http2Server {
  const handler = connectNodeAdapter({
    routes: grpcRoutes(yoga, options.onUnexpected),
    readMaxBytes: options.maxBodyBytes,
    // The Node request as yoga's server context, so plugins see the client address.
    contextValues: (req) => contextValuesWith({ req }),
    fallback: (req, res) => {
      yoga.requestListener(req as IncomingMessage, res as ServerResponse);
    },
  });
  const http2 = createHttp2Server(
    {
      maxSessionMemory: MAX_SESSION_MEMORY_MB,
      maxHeaderListPairs: MAX_HEADER_PAIRS,
      settings: {
        maxConcurrentStreams: options.maxConcurrentStreams ?? 100,
        maxHeaderListSize: MAX_HEADER_LIST_BYTES,
      },
    },
    handler,
  );
  // No frame for this long: the session is destroyed (node:http2 does so when no 'timeout' listener).
  http2.setTimeout(options.idleTimeoutMs ?? 60_000);
  const bodyTimeoutMs = options.bodyTimeoutMs ?? 30_000;
  http2.on('stream', (stream) => {
    if (stream.state.remoteClose) return;
    // A body trickling in keeps the session busy but must not hold the stream forever.
    const stalled = setTimeout(() => {
      if (!stream.destroyed && !stream.state.remoteClose) stream.close(http2Constants.NGHTTP2_CANCEL);
    }, bodyTimeoutMs);
    stalled.unref();
    stream.once('close', () => clearTimeout(stalled));
  });
  const sessions = new Set<ServerHttp2Session>();
  const maxSessions = options.maxSessions ?? 500;
  http2.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    // A peer that vanishes mid-stream is not the gateway's error; the streams report it.
    session.on('error', () => {});
  });

  // Connections whose first bytes have not arrived yet belong to neither server: track them so
  // shutdown can close them, and drop them if they stay silent as long as a request may take to
  // send its headers.
  const undecided = new Set<Socket>();
  const http1Listeners = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    undecided.add(socket);
    const silent = setTimeout(() => socket.destroy(), server.headersTimeout || 60_000);
    silent.unref();
    socket.once('close', () => {
      clearTimeout(silent);
      undecided.delete(socket);
    });
    sniff(socket, (isHttp2, head) => {
      clearTimeout(silent);
      undecided.delete(socket);
      if (isHttp2) {
        // Bounded: every session costs memory and loop time however little it sends (issue 16.2).
        if (sessions.size >= maxSessions) {
          socket.end(REFUSAL);
          socket.setTimeout(1_000, () => socket.destroy());
          return;
        }
        http2.emit('connection', replay(socket, head));
      } else {
        socket.unshift(head);
        for (const listener of http1Listeners) listener.call(server, socket);
        socket.resume();
      }
    });
  });

  const closeIdle = server.closeIdleConnections.bind(server);
  server.closeIdleConnections = () => {
    closeIdle();
    for (const socket of undecided) socket.destroy();
    // A graceful GOAWAY: in-flight streams finish, then the session closes.
    for (const session of sessions) session.close();
  };
  const closeAll = server.closeAllConnections.bind(server);
  server.closeAllConnections = () => {
    closeAll();
    for (const socket of undecided) socket.destroy();
    for (const session of sessions) session.destroy();
  };
  return http2;
}

export interface GatewayServerOptions extends H2cOptions {
  /** HTTP/1.1: the whole request (headers and body) must arrive in this time, else 408 (default 30 s). */
  bodyTimeoutMs?: number;
  /** GraphQL over WebSocket on /graphql (live user events): its bounds (src/http/websocket.ts). */
  websocket?: Partial<Omit<WebSocketOptions, 'maxPayloadBytes'>>;
}

/**
 * The gateway's HTTP server: yoga on HTTP/1.1 and h2c on one port, every wait bounded. Node checks
 * HTTP/1.1 request timeouts on an interval: a quarter of the bound (at most 5 s), so a 408 comes
 * within 1.25 × the bound.
 */
export function createGatewayServer(
  // biome-ignore lint/suspicious/noExplicitAny: yoga's server context type is generic here
  yoga: YogaServerInstance<any, any>,
  options: GatewayServerOptions,
): HttpServer {
  const requestTimeout = options.bodyTimeoutMs ?? 30_000;
  const server = createHttpServer(
    {
      requestTimeout,
      headersTimeout: Math.min(60_000, requestTimeout),
      connectionsCheckingInterval: Math.max(50, Math.min(5_000, Math.floor(requestTimeout / 4))),
    },
    yoga,
  );
  server.keepAliveTimeout = 65_000;
  // A request's bounds end once it has arrived: a long response (an SSE stream of live user
  // events, with yoga's pings every 12 s) is not cut by requestTimeout or keepAliveTimeout.
  enableH2c(server, yoga, options);
  // WebSocket upgrades to /graphql (graphql-ws). Shutdown's closeIdleConnections also says goodbye
  // to these connections: their subscriptions have ended by then (App.endSubscriptions).
  const websockets = serveGraphQLOverWebSocket(server, yoga, {
    ...options.websocket,
    maxPayloadBytes: options.maxBodyBytes,
  });
  const closeIdle = server.closeIdleConnections.bind(server);
  server.closeIdleConnections = () => {
    closeIdle();
    websockets.close();
  };
  const closeAll = server.closeAllConnections.bind(server);
  server.closeAllConnections = () => {
    closeAll();
    websockets.terminate();
  };
  return server;
}
