// Plain gRPC (application/grpc) on the gateway's port. gRPC needs HTTP/2 and response trailers;
// the gateway's node:http server speaks HTTP/1.1 only. `enableH2c(server, …)` makes that same
// server also accept cleartext HTTP/2 ("prior knowledge" h2c, as gRPC clients use it): each new
// connection is sniffed, and one that opens with the HTTP/2 preface is handed to a node:http2
// server where Connect's Node adapter answers the UserService (gRPC, gRPC-Web and Connect) and
// everything else falls through to yoga. HTTP/1.1 connections go on to the server as before.
// Graceful shutdown keeps working: closeIdleConnections/closeAllConnections also close the
// HTTP/2 sessions.
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2Server, type ServerHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { YogaServerInstance } from 'graphql-yoga';
import { grpcRoutes } from './grpc-plugin.js';
import { contextValuesWith } from './user-service.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

export interface H2cOptions {
  /** Request messages over this many bytes are refused with RESOURCE_EXHAUSTED. */
  maxBodyBytes: number;
  onUnexpected: (error: unknown) => void;
}

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
  const http2 = createHttp2Server(handler);
  const sessions = new Set<ServerHttp2Session>();
  http2.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
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
      if (isHttp2) http2.emit('connection', replay(socket, head));
      else {
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
