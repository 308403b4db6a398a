// Upstream mode through the whole gateway: an upstream-mode app (GraphQL, REST, and gRPC on a
// loopback port) in front of a fault peer in front of the stand-in. A hanging upstream answers 504
// at the deadline and an unreachable one 503 with Retry-After on every face — never a 500, never a
// hang — /ready follows upstream, and once upstream is back every face recovers by itself. The
// contract files run through the same kind of front in the vitest project "upstream".
import { readFileSync } from 'node:fs';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type UpstreamApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { ErrorDetailSchema } from '../../src/grpc/gen/zitadel/message_pb.js';
import { UserService } from '../../src/grpc/gen/zitadel/user/v2/user_service_pb.js';
import { createLogger } from '../../src/logger.js';
import { UPSTREAM_CONFIG_VARIABLES } from '../../src/upstream/config.js';
import { type FaultPeer, startFaultPeer } from '../support/fault-peer.js';
import { type Served, serveOnLoopback } from '../support/upstream-front.js';
import { type StandIn, settingsFor, startStandIn } from './stand-in.js';

const TIMEOUT_MS = 600;
/** Generous slack over the deadline for a loaded 2-core machine; a hang would blow far past it. */
const SLACK_MS = 2_500;

let s: StandIn;
let peer: FaultPeer;
let app: UpstreamApp;
let front: Served;
const logLines: string[] = [];

beforeAll(async () => {
  s = await startStandIn();
  peer = await startFaultPeer(s.port);
  const config = loadConfig({ NODE_ENV: 'test' });
  const logger = createLogger('info', { write: (line: string) => void logLines.push(line) });
  app = createApp({
    upstream: settingsFor(peer.url, {
      UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
      UPSTREAM_RETRIES: '0',
      UPSTREAM_BREAKER_FAILURES: '3',
      UPSTREAM_BREAKER_RESET_MS: '300',
    }),
    config,
    logger,
  });
  front = await serveOnLoopback(app.yoga, config.maxRequestBodyBytes);
});

afterAll(async () => {
  await front.close();
  await app.close();
  await peer.close();
  await s.close();
});

afterEach(async () => {
  // Every test starts with a healthy upstream and a closed breaker.
  peer.mode = 'pass';
  peer.dropConnections();
  await eventually(async () => (await rename('graphql', `alice-${Date.now()}`)).status === 200, 10_000);
});

type Face = 'graphql' | 'rest' | 'grpc';
const FACES: Face[] = ['graphql', 'rest', 'grpc'];

/** One rename of alice through a face of the upstream-mode gateway, normalized. */
async function rename(face: Face, username: string) {
  const authorization = `Bearer ${s.w.orgOwner.token}`;
  if (face === 'grpc') {
    const users = createClient(UserService, createGrpcTransport({ baseUrl: front.url }));
    try {
      await users.updateHumanUser({ userId: s.w.alice.id, username }, { headers: { authorization } });
      return { status: 200 };
    } catch (error) {
      const e = ConnectError.from(error);
      const [detail] = e.findDetails(ErrorDetailSchema);
      return { status: e.code as number, code: e.code as number, message: e.rawMessage, id: detail?.id };
    }
  }
  const init = (body: unknown, method: string): RequestInit => ({
    method,
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify(body),
  });
  const res =
    face === 'graphql'
      ? await app.yoga.fetch(
          'http://gateway/graphql',
          init(
            {
              query:
                'mutation($input: UpdateHumanUserInput!) { updateHumanUser(input: $input) { details { sequence } } }',
              variables: { input: { userId: s.w.alice.id, username } },
            },
            'POST',
          ),
        )
      : await app.yoga.fetch(`http://gateway/v2/users/human/${s.w.alice.id}`, init({ username }, 'PUT'));
  const body = (await res.json()) as Record<string, unknown>;
  const retryAfter = res.headers.get('retry-after');
  if (res.status === 200) return { status: 200 };
  if (face === 'graphql') {
    const [error] = body.errors as { message: string; extensions: Record<string, unknown> }[];
    return {
      status: res.status,
      code: error?.extensions.code,
      message: error?.message,
      id: error?.extensions.id,
      ...(retryAfter ? { retryAfter } : {}),
    };
  }
  const [detail] = body.details as { id: string; message: string }[];
  return {
    status: res.status,
    code: body.code,
    message: detail?.message,
    id: detail?.id,
    ...(retryAfter ? { retryAfter } : {}),
  };
}

/** The answers per face for a transport failure (gRPC: the status code as `status`). */
const EXPECTED = {
  unavailable: {
    graphql: {
      status: 503,
      code: 'UNAVAILABLE',
      message: 'The upstream ZITADEL is unavailable',
      id: 'GATEWAY-UPSTREAM503',
      retryAfter: '1',
    },
    rest: {
      status: 503,
      code: 14,
      message: 'The upstream ZITADEL is unavailable',
      id: 'GATEWAY-UPSTREAM503',
      retryAfter: '1',
    },
    grpc: {
      status: Code.Unavailable,
      code: Code.Unavailable,
      message: 'The upstream ZITADEL is unavailable (GATEWAY-UPSTREAM503)',
      id: 'GATEWAY-UPSTREAM503',
    },
  },
  timeout: {
    graphql: {
      status: 504,
      code: 'DEADLINE_EXCEEDED',
      message: 'The upstream ZITADEL did not answer in time',
      id: 'GATEWAY-UPSTREAM504',
    },
    rest: { status: 504, code: 4, message: 'The upstream ZITADEL did not answer in time', id: 'GATEWAY-UPSTREAM504' },
    grpc: {
      status: Code.DeadlineExceeded,
      code: Code.DeadlineExceeded,
      message: 'The upstream ZITADEL did not answer in time (GATEWAY-UPSTREAM504)',
      id: 'GATEWAY-UPSTREAM504',
    },
  },
} as const;

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
}

/** Polls until `check` holds, failing after `ms`: no fixed sleeps. */
async function eventually(check: () => Promise<boolean>, ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const ready = async () => (await app.yoga.fetch('http://gateway/ready')).status;

describe.each(FACES)('%s through the upstream-mode gateway', (face) => {
  it('a hanging upstream answers DEADLINE_EXCEEDED (504) at the deadline; nothing changes upstream', async () => {
    peer.mode = 'hang';
    const { value, ms } = await timed(rename(face, 'never-applied'));
    expect(value).toEqual(EXPECTED.timeout[face]);
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    expect((await s.h.repository.findUser(s.w.alice.id))?.username).not.toBe('never-applied');
  });

  it('a resetting upstream answers UNAVAILABLE (503, Retry-After), /ready is 503, and both recover by themselves', async () => {
    peer.mode = 'reset';
    peer.dropConnections();
    const { value, ms } = await timed(rename(face, 'never-applied'));
    expect(value).toEqual(EXPECTED.unavailable[face]);
    expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    expect(await ready()).toBe(503);
    // Upstream comes back: the breaker (if it opened) probes it back, and calls succeed again.
    peer.mode = 'pass';
    await eventually(async () => (await rename(face, `alice-back-${face}`)).status === 200, 10_000);
    expect((await s.h.repository.findUser(s.w.alice.id))?.username).toBe(`alice-back-${face}`);
    expect(await ready()).toBe(200);
  });
});

describe('the gateway in upstream mode', () => {
  it('documents every upstream variable in the README', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const documented = new Set(
      [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]*)`(?: \/ `([A-Z][A-Z0-9_]*)`)? \|/gm)].flatMap((m) => m.slice(1)),
    );
    expect(UPSTREAM_CONFIG_VARIABLES).toHaveLength(11);
    expect(UPSTREAM_CONFIG_VARIABLES.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('is ready while upstream answers (even its 401 to the probe proves it is up)', async () => {
    expect(await ready()).toBe(200);
  });

  it('logs each upstream call with method, gRPC code, duration and the request id it forwarded, never the token', async () => {
    logLines.length = 0;
    const res = await app.yoga.fetch(`http://gateway/v2/users/human/${s.w.alice.id}`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${s.w.orgOwner.token}`,
        'x-request-id': 'trace-7',
      },
      body: JSON.stringify({ username: 'alice-logged' }),
    });
    expect(res.status).toBe(200);
    const upstream = logLines.map((l) => JSON.parse(l)).find((l) => l.upstream?.method === 'UpdateHumanUser');
    expect(upstream?.upstream).toMatchObject({
      method: 'UpdateHumanUser',
      grpcCode: 'OK',
      requestId: 'trace-7',
      attempt: 1,
    });
    expect(upstream?.upstream.durationMs).toBeTypeOf('number');
    expect(logLines.join('\n')).not.toContain(s.w.orgOwner.token);
  });

  it('serves the upstream metrics on /metrics', async () => {
    const text = await (await app.yoga.fetch('http://gateway/metrics')).text();
    expect(text).toMatch(/gateway_upstream_calls_total\{method="UpdateHumanUser",code="OK"\} [1-9]/);
    expect(text).toContain('gateway_upstream_breaker_state 0');
  });

  it('refuses If-Match (upstream has no optimistic concurrency here): 501 UNIMPLEMENTED, nothing sent', async () => {
    const res = await app.yoga.fetch(`http://gateway/v2/users/human/${s.w.alice.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.w.orgOwner.token}`, 'if-match': '"3"' },
      body: JSON.stringify({ username: 'alice-if-match' }),
    });
    expect(res.status).toBe(501);
    expect(await res.json()).toMatchObject({
      code: 12,
      details: [
        { id: 'GATEWAY-UPSTREAM501', message: 'expectedSequence (If-Match) is not available in upstream mode' },
      ],
    });
    expect((await s.h.repository.findUser(s.w.alice.id))?.username).not.toBe('alice-if-match');
  });
});
