// A flood of h2c sessions with unfinished bodies (issue 16.2): the gateway listening on a loopback
// port with its session cap lowered. Sessions past the cap are refused with GOAWAY
// (ENHANCE_YOUR_CALM); while the flood is held open, memory growth stays bounded and a normal
// HTTP/1.1 client is answered quickly; when the flood goes away nothing is logged at error level.
import { Agent, request as httpRequest } from 'node:http';
import { type ClientHttp2Session, constants, connect as http2Connect } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayServer } from '../../src/grpc/server.js';
import { createLogger, unexpectedErrorLogger } from '../../src/logger.js';
import { createHarness, type Harness } from '../support/harness.js';

const MAX_SESSIONS = 40;
const FLOOD_SESSIONS = 200;
const STREAMS_PER_SESSION = 4;
const BODY_BYTES = 8 * 1024;

let h: Harness;
let server: ReturnType<typeof createGatewayServer>;
let port: number;

beforeAll(async () => {
  h = await createHarness();
  const logger = createLogger('trace', { write: (line: string) => void h.logLines.push(line) });
  server = createGatewayServer(h.app.yoga, {
    maxBodyBytes: h.config.maxRequestBodyBytes,
    onUnexpected: unexpectedErrorLogger(logger),
    maxSessions: MAX_SESSIONS,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await h.close();
});

async function waitFor(condition: () => boolean, deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return condition();
}

/** One session announcing STREAMS_PER_SESSION bodies of 2 × BODY_BYTES and sending half of each. */
function floodSession(outcome: { connected: number; refused: number; closed: number }): ClientHttp2Session {
  const session = http2Connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  session.on('connect', () => outcome.connected++);
  session.on('goaway', (code) => {
    if (code === constants.NGHTTP2_ENHANCE_YOUR_CALM) outcome.refused++;
  });
  session.on('close', () => outcome.closed++);
  for (let i = 0; i < STREAMS_PER_SESSION; i++) {
    const stream = session.request({
      ':method': 'POST',
      ':path': '/graphql',
      'content-type': 'application/json',
      'content-length': String(2 * BODY_BYTES),
    });
    stream.on('error', () => {});
    stream.write(Buffer.alloc(BODY_BYTES, 0x20));
  }
  return session;
}

/** A normal client's GraphQL request (a small introspection query) over HTTP/1.1 keep-alive. */
function normalRequest(agent: Agent): Promise<{ ms: number; status: number; body: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/graphql',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end('{"query":"{ __schema { queryType { name } } }"}');
  });
}

describe('h2c flood', () => {
  it(`caps sessions at ${MAX_SESSIONS}; ${FLOOD_SESSIONS} sessions × ${STREAMS_PER_SESSION} unfinished bodies keep memory bounded and a normal client's p99 under 500 ms`, async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    // Warm up the paths the flood and the probe take (module loading, JIT) outside the measurement.
    for (let i = 0; i < 20; i++) expect((await normalRequest(agent)).status).toBe(200);
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;

    const outcome = { connected: 0, refused: 0, closed: 0 };
    const sessions = Array.from({ length: FLOOD_SESSIONS }, () => floodSession(outcome));
    // Every session is either open or refused (and closed) by the server.
    expect(
      await waitFor(
        () =>
          outcome.refused === outcome.closed &&
          outcome.refused + MAX_SESSIONS >= FLOOD_SESSIONS &&
          outcome.connected >= MAX_SESSIONS,
        30_000,
      ),
    ).toBe(true);
    expect(outcome.refused).toBe(FLOOD_SESSIONS - MAX_SESSIONS);

    // While the accepted sessions hold their unfinished bodies, a normal client is answered quickly.
    const latencies: number[] = [];
    for (let i = 0; i < 100; i++) {
      const answer = await normalRequest(agent);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
      latencies.push(answer.ms);
    }
    latencies.sort((a, b) => a - b);
    const p99 = latencies[98] as number;
    const rssGrowthMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    // Server and flood client share this process: the bound covers both (measured: see README).
    expect(rssGrowthMb).toBeLessThan(150);
    expect(p99).toBeLessThan(500);

    // The flood goes away: the server lets go of every session, logging nothing at error level.
    for (const session of sessions) session.destroy();
    const connections = () =>
      new Promise<number>((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
    const until = Date.now() + 15_000;
    while (Date.now() < until && (await connections()) > 1) await new Promise((r) => setTimeout(r, 50));
    expect(await connections()).toBeLessThanOrEqual(1); // the normal client's keep-alive socket
    agent.destroy();
    const errors = h.logLines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
    expect(errors).toEqual([]);
    console.info(`h2c flood: p99 ${p99.toFixed(0)} ms, RSS +${rssGrowthMb.toFixed(0)} MB`);
  }, 90_000);
});
