// GraphQL over WebSocket (the graphql-transport-ws protocol of `graphql-ws`) on the gateway's port,
// path /graphql: the server's HTTP `upgrade` is handed to a `ws` server without a port of its own.
// Operations run through yoga's envelop (yoga's graphql-ws recipe), so context building,
// authentication-first, validation limits and error masking apply as on HTTP. The caller's
// Authorization comes from connectionParams (`{"Authorization": "Bearer …"}`, as browsers cannot
// set headers on a WebSocket) or else from the upgrade request's header.
// Bounds: message size, subscriptions per connection, a connection_init deadline, keep-alive pings
// (a peer that misses a pong is dropped), and an idle timeout for a connection with no subscription.
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionArgs } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { type WebSocket, WebSocketServer } from 'ws';
import { Errors } from '../domain/errors.js';
import { domainToGraphQLError } from '../schema/errors.js';
import { notTrusted, type TrustedDocuments, trustedDocumentText } from './trusted-documents.js';

export interface WebSocketOptions {
  /** Largest message accepted; a larger one closes the connection (1009). */
  maxPayloadBytes: number;
  /** Subscriptions one connection may hold at once; more are refused with GATEWAY-SUB429. */
  maxSubscriptionsPerConnection: number;
  /** Ping interval; a peer that has not answered the previous ping is dropped. */
  keepAliveMs: number;
  /** A connection without a subscription (or without connection_init) for this long is closed. */
  idleTimeoutMs: number;
  /**
   * TRUSTED_DOCUMENTS: the allow-list /graphql applies in yoga's onParams, which a WebSocket
   * operation never passes; checked here the same way (by text, or by hash/documentId when the
   * query is empty), refused with the same GATEWAY-DOC400.
   */
  trustedDocuments?: TrustedDocuments;
}

export const DEFAULT_WEBSOCKET_OPTIONS: WebSocketOptions = {
  maxPayloadBytes: 1_048_576,
  maxSubscriptionsPerConnection: 10,
  keepAliveMs: 12_000,
  idleTimeoutMs: 60_000,
};

interface ConnectionState {
  active: Set<string>;
  idle: NodeJS.Timeout | undefined;
}

/** Headers of the upgrade request a GraphQL request may use, with connectionParams' Authorization first. */
function requestFor(upgrade: IncomingMessage, params: Record<string, unknown> | undefined): Request {
  const headers = new Headers();
  for (const name of ['authorization', 'x-zitadel-orgid', 'accept-language', 'user-agent']) {
    const value = upgrade.headers[name];
    if (typeof value === 'string') headers.set(name, value);
  }
  const fromParams = params?.Authorization ?? params?.authorization;
  if (typeof fromParams === 'string') headers.set('authorization', fromParams);
  // A fixed URL: the Host header is the client's to choose and means nothing here.
  return new Request('http://localhost/graphql', { method: 'POST', headers });
}

/**
 * Serves graphql-ws on `server`'s upgrades to /graphql. Answers what shutdown needs: `close()`
 * says goodbye (1001 going away) to every connection once its subscriptions have completed,
 * `terminate()` cuts them all.
 */
export function serveGraphQLOverWebSocket(
  server: HttpServer,
  // biome-ignore lint/suspicious/noExplicitAny: yoga's server context type is generic here
  yoga: YogaServerInstance<any, any>,
  options: Partial<WebSocketOptions> = {},
): { close(): void; terminate(): void; readonly connections: number } {
  const settings = { ...DEFAULT_WEBSOCKET_OPTIONS, ...options };
  const wss = new WebSocketServer({ noServer: true, maxPayload: settings.maxPayloadBytes });
  const states = new WeakMap<WebSocket, ConnectionState>();
  let closing = false;

  const idleAfter = (socket: WebSocket, state: ConnectionState) => {
    clearTimeout(state.idle);
    state.idle = setTimeout(() => socket.close(1000, 'idle'), settings.idleTimeoutMs);
    state.idle.unref();
  };
  wss.on('connection', (socket) => {
    const state: ConnectionState = { active: new Set(), idle: undefined };
    states.set(socket, state);
    idleAfter(socket, state);
    socket.once('close', () => clearTimeout(state.idle));
  });

  useServer(
    {
      connectionInitWaitTimeout: Math.min(settings.idleTimeoutMs, 10_000),
      execute: (args: ExecutionArgs) => (args.rootValue as Enveloped).execute(args),
      subscribe: (args: ExecutionArgs) => (args.rootValue as Enveloped).subscribe(args),
      onSubscribe: async (ctx, id, payload: SubscribePayload) => {
        const socket = ctx.extra.socket;
        const state = states.get(socket);
        if (state && state.active.size >= settings.maxSubscriptionsPerConnection) {
          return [domainToGraphQLError(Errors.subscriptionLimit())];
        }
        const request = requestFor(ctx.extra.request, ctx.connectionParams);
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          req: ctx.extra.request,
          request,
          socket,
          params: payload,
        });
        let text = payload.query;
        if (settings.trustedDocuments) {
          const listed = trustedDocumentText(settings.trustedDocuments, {
            ...(payload.query ? { query: payload.query } : {}),
            ...(payload.extensions ? { extensions: payload.extensions } : {}),
          });
          if (listed === null) return [notTrusted()];
          text = listed;
        }
        let document: ReturnType<typeof parse>;
        try {
          document = parse(text);
        } catch (error) {
          return [error as never];
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        if (state) {
          state.active.add(id);
          clearTimeout(state.idle);
        }
        return {
          schema,
          document,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe } satisfies Enveloped,
        };
      },
      onComplete: (ctx, id) => {
        const socket = ctx.extra.socket;
        const state = states.get(socket);
        if (!state?.active.delete(id)) return;
        if (state.active.size > 0 || socket.readyState !== socket.OPEN) return;
        if (closing) {
          // Shutting down: the complete message goes out first, then the close frame.
          setImmediate(() => socket.close(1001, 'going away'));
        } else idleAfter(socket, state);
      },
    },
    wss,
    settings.keepAliveMs,
  );

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/graphql') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  let hardStop: NodeJS.Timeout | undefined;
  return {
    close() {
      closing = true;
      if (wss.clients.size === 0) return;
      // A connection still delivering its subscriptions' last results closes when they complete.
      for (const client of wss.clients) if (!states.get(client)?.active.size) client.close(1001, 'going away');
      // Whatever has not closed by then (a peer that ignores the close handshake) is cut off.
      if (hardStop) return;
      hardStop = setTimeout(() => {
        for (const client of wss.clients) client.terminate();
      }, 3_000);
      hardStop.unref();
    },
    terminate() {
      closing = true;
      for (const client of wss.clients) client.terminate();
    },
    get connections() {
      return wss.clients.size;
    },
  };
}

interface Enveloped {
  // biome-ignore lint/suspicious/noExplicitAny: envelop's execute/subscribe signatures
  execute: (args: ExecutionArgs) => any;
  // biome-ignore lint/suspicious/noExplicitAny: envelop's execute/subscribe signatures
  subscribe: (args: ExecutionArgs) => any;
}
