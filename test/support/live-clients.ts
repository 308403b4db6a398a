// Clients of live user events for tests: an SSE reader (graphql-sse "distinct connections" mode, as
// yoga serves it for `Accept: text/event-stream`) and a graphql-ws client, both recording every
// result, plus the gateway served by createGatewayServer (HTTP/1.1, h2c, WebSocket) on loopback.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createGatewayServer, type GatewayServerOptions } from '../../src/grpc/server.js';

export const USER_EVENTS = `subscription Follow($userId: ID!, $afterSequence: String) {
  userEvents(userId: $userId, afterSequence: $afterSequence) { type sequence creationDate creator payload }
}`;

export interface LiveEvent {
  type: string;
  sequence: string;
  creationDate: string;
  creator: string;
  payload: Record<string, unknown>;
}

export interface LiveResult {
  data?: { userEvents?: LiveEvent | null } | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export interface LiveStream {
  results: LiveResult[];
  /** Sequences of the events received, in order. */
  sequences(): number[];
  /** Errors received (in results, or as the protocol's error message). */
  errors(): { message: string; extensions?: Record<string, unknown> }[];
  /** True once the server completed (or the connection ended). */
  readonly ended: boolean;
  close(): void;
}

function sequencesOf(results: LiveResult[]): number[] {
  return results.flatMap((r) => (r.data?.userEvents ? [Number(r.data.userEvents.sequence)] : []));
}

/** A subscription over SSE: POST /graphql with `Accept: text/event-stream`. */
export async function sseSubscribe(
  fetchFn: (url: string, init: RequestInit) => Promise<Response>,
  base: string,
  token: string | null,
  variables: Record<string, unknown>,
): Promise<LiveStream & { status: number }> {
  const controller = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream', 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetchFn(`${base}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: USER_EVENTS, variables }),
    signal: controller.signal,
  });
  const results: LiveResult[] = [];
  let ended = false;
  void (async () => {
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      for (let at = buffer.indexOf('\n\n'); at >= 0; at = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event === 'next' && data) results.push(JSON.parse(data) as LiveResult);
        if (event === 'complete') ended = true;
      }
    }
  })()
    .catch(() => {})
    .finally(() => {
      ended = true;
    });
  return {
    status: response.status,
    results,
    sequences: () => sequencesOf(results),
    errors: () => results.flatMap((r) => r.errors ?? []),
    get ended() {
      return ended;
    },
    close: () => controller.abort(),
  };
}

/** A subscription over WebSocket (graphql-transport-ws), the token in connectionParams. */
export function wsSubscribe(
  base: string,
  token: string | null,
  variables: Record<string, unknown>,
  client = wsClient(base, token),
): LiveStream & { client: ReturnType<typeof wsClient> } {
  const results: LiveResult[] = [];
  const protocolErrors: { message: string; extensions?: Record<string, unknown> }[] = [];
  let ended = false;
  const dispose = client.subscribe(
    { query: USER_EVENTS, variables },
    {
      next: (value) => void results.push(value as LiveResult),
      error: (error) => {
        ended = true;
        if (Array.isArray(error)) protocolErrors.push(...error);
        else protocolErrors.push({ message: String((error as { reason?: string }).reason ?? error) });
      },
      complete: () => {
        ended = true;
      },
    },
  );
  return {
    client,
    results,
    sequences: () => sequencesOf(results),
    errors: () => [...results.flatMap((r) => r.errors ?? []), ...protocolErrors],
    get ended() {
      return ended;
    },
    close: dispose,
  };
}

export function wsClient(base: string, token: string | null) {
  return createClient({
    url: `${base.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: token ? { Authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
}

export interface GatewayOnLoopback {
  base: string;
  server: Server;
  close(): Promise<void>;
}

/** The yoga instance behind createGatewayServer (as src/main.ts serves it) on 127.0.0.1:0. */
export async function serveGateway(
  // biome-ignore lint/suspicious/noExplicitAny: any gateway's yoga
  yoga: any,
  options: Partial<GatewayServerOptions> = {},
): Promise<GatewayOnLoopback> {
  const server = createGatewayServer(yoga, { maxBodyBytes: 1_048_576, onUnexpected: () => {}, ...options });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
