// Slow and vanishing clients (issue 16.2, 16.3): the gateway listening on a loopback port with
// shortened bounds. HTTP/1.1 bodies that trickle in get 408; idle h2c sessions and stalled HTTP/2
// streams are closed; clients that go away mid-body are logged at debug, never at error level.
import { type ClientHttp2Session, type ClientHttp2Stream, connect as http2Connect } from 'node:http2';
import { type AddressInfo, connect as netConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayServer } from '../../src/grpc/server.js';
import { createLogger, unexpectedErrorLogger } from '../../src/logger.js';
import { createHarness, type Harness, type World } from '../support/harness.js';

const BODY_MS = 800;
const IDLE_MS = 1_500;
/** Node checks HTTP/1.1 request timeouts every quarter bound; room for a loaded machine on top. */
const SLACK_MS = 2_000;

let h: Harness;
let w: World;
let server: ReturnType<typeof createGatewayServer>;
let port: number;
let baseUrl: string;

beforeAll(async () => {
  h = await createHarness();
  w = await h.seed();
  const logger = createLogger('trace', { write: (line: string) => void h.logLines.push(line) });
  server = createGatewayServer(h.app.yoga, {
    maxBodyBytes: h.config.maxRequestBodyBytes,
    onUnexpected: unexpectedErrorLogger(logger),
    bodyTimeoutMs: BODY_MS,
    idleTimeoutMs: IDLE_MS,
    maxConcurrentStreams: 8,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await h.close();
});

const errorLines = () => h.logLines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);

async function waitFor(condition: () => boolean | Promise<boolean>, deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return condition();
}

const openConnections = () =>
  new Promise<number>((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n))));

/** An HTTP/1.1 PUT that announces 100 bytes and sends one every 200 ms; resolves with the status line. */
function trickleHttp1(): Promise<{ statusLine: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1');
    let answer = '';
    const drip = setInterval(() => socket.write('{'), 200);
    socket.on('connect', () =>
      socket.write(
        `PUT /v2/users/human/${w.alice.id} HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${w.alice.token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`,
      ),
    );
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(drip);
      if (!answer) reject(new Error('closed without an answer'));
      resolve({ statusLine: answer.split('\r\n')[0] ?? '', ms: performance.now() - started });
    });
  });
}

function h2Session(): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2Connect(baseUrl);
    session.on('error', () => {});
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}

function unfinishedH2Put(session: ClientHttp2Session): ClientHttp2Stream {
  const stream = session.request({
    ':method': 'PUT',
    ':path': `/v2/users/human/${w.alice.id}`,
    authorization: `Bearer ${w.alice.token}`,
    'content-type': 'application/json',
  });
  stream.on('error', () => {});
  stream.write('{"profile": {');
  return stream;
}

describe('slow and vanishing clients', () => {
  it('HTTP/1.1: bodies sent at a byte per 200 ms get 408 within the body timeout', async () => {
    const answers = await Promise.all([trickleHttp1(), trickleHttp1(), trickleHttp1()]);
    for (const { statusLine, ms } of answers) {
      expect(statusLine).toBe('HTTP/1.1 408 Request Timeout');
      expect(ms).toBeGreaterThanOrEqual(BODY_MS - 50);
      expect(ms).toBeLessThan(BODY_MS * 1.25 + SLACK_MS);
    }
  });

  it('h2c: an idle session is closed within the idle timeout', async () => {
    const session = await h2Session();
    const started = performance.now();
    const closed = await waitFor(() => session.closed || session.destroyed, IDLE_MS + SLACK_MS);
    session.destroy();
    expect(closed).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(IDLE_MS - 100);
  });

  it('h2c: a stream whose body trickles in is reset after the body timeout, the session stays usable', async () => {
    const session = await h2Session();
    try {
      const started = performance.now();
      const stream = unfinishedH2Put(session);
      const drip = setInterval(() => !stream.destroyed && stream.write(' '), 100);
      const reset = await new Promise<number>((resolve) => stream.on('close', () => resolve(stream.rstCode ?? -1)));
      clearInterval(drip);
      const ms = performance.now() - started;
      expect(reset).toBe(8); // NGHTTP2_CANCEL
      expect(ms).toBeGreaterThanOrEqual(BODY_MS - 50);
      expect(ms).toBeLessThan(BODY_MS + SLACK_MS);
      // The session itself was not the problem: it still answers.
      const status = await new Promise<number>((resolve, reject) => {
        const ok = session.request({ ':path': '/health' });
        ok.on('response', (headers) => resolve(Number(headers[':status'])));
        ok.on('error', reject);
        ok.resume();
        ok.end();
      });
      expect(status).toBe(200);
    } finally {
      session.destroy();
    }
  });

  it('clients that vanish mid-body (HTTP/1.1 and HTTP/2) are logged at debug, never at error level', async () => {
    const before = h.logLines.length;
    for (let i = 0; i < 3; i++) {
      const session = await h2Session();
      unfinishedH2Put(session);
      unfinishedH2Put(session);
      await new Promise((resolve) => setTimeout(resolve, 20));
      session.destroy();
      const socket = netConnect(port, '127.0.0.1');
      socket.on('error', () => {});
      await new Promise<void>((resolve) => socket.on('connect', resolve));
      socket.write(
        `PUT /v2/users/human/${w.alice.id} HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${w.alice.token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"pro`,
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
      socket.destroy();
    }
    expect(await waitFor(async () => (await openConnections()) === 0, 5_000)).toBe(true);
    const aborts = () => h.logLines.slice(before).filter((line) => line.includes('client aborted the request'));
    // Nine requests vanished (3 sessions × 2 streams, 3 HTTP/1.1): one debug line each.
    expect(await waitFor(() => aborts().length >= 9, 5_000)).toBe(true);
    expect(aborts()).toHaveLength(9);
    for (const line of aborts()) {
      expect(JSON.parse(line)).toMatchObject({ level: 20 });
      expect(line).not.toContain('"stack"');
    }
    expect(errorLines()).toEqual([]);
  });
});
