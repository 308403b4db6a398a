// Issue 16.5: when the database cannot be reached, every face answers UNAVAILABLE (gRPC 14,
// HTTP 503, Retry-After), not 500 INTERNAL — so clients and load balancers can tell an outage
// from a defect. The gateway here runs on a PostgreSQL pool pointed at a closed loopback port.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { type DatabaseHandle, openPostgres } from '../../src/db/connection.js';
import { bcryptHasher } from '../../src/domain/users/passwords.js';
import { createLogger } from '../../src/logger.js';
import { UPDATE } from '../support/harness.js';

let database: DatabaseHandle;
let app: App;
const logLines: string[] = [];

/** A loopback port that nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  const url = `postgres://postgres@127.0.0.1:${await closedPort()}/test`;
  database = openPostgres(url, { poolSize: 2 });
  const config = loadConfig({ NODE_ENV: 'test', PASSWORD_HASH_COST: '4', DATABASE_URL: url });
  const logger = createLogger('trace', { write: (line: string) => void logLines.push(line) });
  app = createApp({ database, config, logger, hasher: bcryptHasher(4) });
});

afterAll(async () => {
  await app.close();
  await database.close();
});

const AUTH = { authorization: 'Bearer some-token' };
const UNAVAILABLE_MESSAGE = 'The database is unavailable; try again later';

describe('the database is unreachable', () => {
  it('GraphQL → 503 UNAVAILABLE GATEWAY-DB503 with Retry-After', async () => {
    const res = await app.yoga.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...AUTH },
      body: JSON.stringify({ query: UPDATE, variables: { input: { userId: '1', username: 'x' } } }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    const body = (await res.json()) as { errors: { message: string; extensions: unknown }[] };
    expect(body.errors[0]?.message).toBe(UNAVAILABLE_MESSAGE);
    expect(body.errors[0]?.extensions).toEqual({ code: 'UNAVAILABLE', id: 'GATEWAY-DB503' });
  });

  it.each([
    ['PUT', '/v2/users/human/1', '{"username":"x"}'],
    ['GET', '/v2/users/1', undefined],
    ['POST', '/v2/users/1/password_reset', '{}'],
  ])('REST %s %s → 503 code 14 with Retry-After', async (method, path, body) => {
    const res = await app.yoga.fetch(`http://gateway${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...AUTH },
      ...(body ? { body } : {}),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toEqual({
      code: 14,
      message: `${UNAVAILABLE_MESSAGE} (GATEWAY-DB503)`,
      details: [
        { '@type': 'type.googleapis.com/zitadel.v1.ErrorDetail', id: 'GATEWAY-DB503', message: UNAVAILABLE_MESSAGE },
      ],
    });
  });

  it('Connect → code "unavailable" (HTTP 503) with the ErrorDetail', async () => {
    const res = await app.yoga.fetch('http://gateway/zitadel.user.v2.UserService/GetUserByID', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...AUTH },
      body: JSON.stringify({ userId: '1' }),
    });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { code: string; message: string; details?: { type: string }[] };
    expect(body.code).toBe('unavailable');
    expect(body.message).toBe(`${UNAVAILABLE_MESSAGE} (GATEWAY-DB503)`);
    expect(body.details?.map((d) => d.type)).toEqual(['zitadel.v1.ErrorDetail']);
  });

  it('logs the cause, never as a 500', () => {
    const lines = logLines.map((l) => JSON.parse(l) as { msg: string; status?: number; err?: { message?: string } });
    expect(lines.some((l) => l.err?.message?.includes('ECONNREFUSED'))).toBe(true);
    expect(lines.filter((l) => l.msg === 'request').every((l) => l.status === 503)).toBe(true);
  });
});
