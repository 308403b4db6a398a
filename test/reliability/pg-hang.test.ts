// A hanging PostgreSQL (issue 16.4): the gateway talks to PostgreSQL through a test-owned TCP proxy
// on 127.0.0.1 that stops forwarding — the database accepts bytes and never answers, as when its
// process is frozen. /ready must say 503 within 2 s, requests must fail within the configured
// timeouts instead of hanging, and once the proxy forwards again service resumes by itself with
// every acknowledged write in place.
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { DatabaseHandle } from '../../src/db/connection.js';
import { AdminRepository } from '../../src/domain/admin/admin-repository.js';
import { AdminService } from '../../src/domain/admin/admin-service.js';
import { bcryptHasher } from '../../src/domain/users/passwords.js';
import { UserRepository } from '../../src/domain/users/user-repository.js';
import { createIdGenerator, systemClock } from '../../src/ids.js';
import { createLogger } from '../../src/logger.js';
import { openMigratedDatabase } from '../../src/runtime.js';
import { createTestSchema, postgresUnreachable, type TestSchema } from '../support/engine.js';

const unreachable = await postgresUnreachable();
const CONNECT_MS = 1_000;
const STATEMENT_MS = 1_000;
/** Acquire (or connect) plus one statement plus the client's grace, with room for a loaded machine. */
const REQUEST_BOUND_MS = CONNECT_MS + STATEMENT_MS + 500 + 1_500;

/** Forwards TCP to PostgreSQL until `freeze()`; then holds every byte until `thaw()`. */
async function startFreezableProxy(target: URL) {
  let forwarding = true;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = netConnect(Number(target.port || 5432), target.hostname);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from);
      from.on('data', (chunk) => to.write(chunk));
      from.on('error', () => to.destroy());
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
      if (!forwarding) from.pause();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    freeze() {
      forwarding = false;
      for (const socket of sockets) socket.pause();
    },
    thaw() {
      forwarding = true;
      for (const socket of sockets) socket.resume();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe.skipIf(unreachable !== null)('a hanging PostgreSQL', () => {
  let schema: TestSchema;
  let proxy: Awaited<ReturnType<typeof startFreezableProxy>>;
  let database: DatabaseHandle;
  let app: ReturnType<typeof createApp>;
  let alice: { id: string; token: string };
  const logLines: string[] = [];

  beforeAll(async () => {
    schema = await createTestSchema();
    const direct = new URL(schema.url);
    proxy = await startFreezableProxy(direct);
    const viaProxy = new URL(schema.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const config = loadConfig({
      NODE_ENV: 'test',
      PASSWORD_HASH_COST: '4',
      DATABASE_URL: viaProxy.toString(),
      DATABASE_POOL_SIZE: '3',
      DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_MS),
      DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_MS),
    });
    ({ database } = await openMigratedDatabase(config));
    const hasher = bcryptHasher(4);
    const logger = createLogger('debug', { write: (line: string) => void logLines.push(line) });
    const newId = createIdGenerator();
    app = createApp({ database, config, logger, hasher, newId });
    const admin = new AdminService({
      repository: new AdminRepository(database.db),
      users: new UserRepository(database.db, newId),
      clock: systemClock,
      newId,
      hasher,
    });
    const org = await admin.addOrganization({ name: 'Acme', domains: ['acme.ch'] });
    const { id } = await admin.addHuman({
      orgId: org.id,
      username: 'alice',
      givenName: 'Alice',
      familyName: 'Test',
      email: 'alice@example.com',
    });
    alice = { id, token: (await admin.addToken({ userId: id })).token };
  });

  afterAll(async () => {
    proxy?.thaw();
    await app?.close();
    await database?.close();
    await proxy?.close();
    await schema?.drop();
  });

  const timed = async (path: string, init: RequestInit = {}) => {
    const started = performance.now();
    const response = await app.yoga.fetch(`http://gateway${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${alice.token}`, ...init.headers },
    });
    const body = await response.text();
    return { status: response.status, body, ms: performance.now() - started };
  };
  const rename = (givenName: string) =>
    timed(`/v2/users/human/${alice.id}`, {
      method: 'PUT',
      body: JSON.stringify({ profile: { givenName, familyName: 'Test' } }),
    });
  const givenName = async () =>
    (await database.db.selectFrom('users').select('given_name').where('id', '=', alice.id).executeTakeFirstOrThrow())
      .given_name;

  it('answers /ready 503 within 2 s and fails requests within the timeouts; resumes by itself, nothing acknowledged lost', async () => {
    expect((await timed('/ready')).status).toBe(200);
    const acknowledged = ['Alice']; // the user as created
    const before = await rename('Before');
    expect(before.status).toBe(200);
    acknowledged.push('Before');

    proxy.freeze();
    try {
      const ready = await timed('/ready');
      expect(ready.status).toBe(503);
      expect(ready.ms).toBeLessThan(2_000);
      // More requests than the pool has connections: the ones waiting for a connection are bounded too.
      const during = await Promise.all([
        rename('During-1'),
        rename('During-2'),
        timed(`/v2/users/${alice.id}`),
        rename('During-3'),
        timed(`/v2/users/${alice.id}`),
      ]);
      for (const r of during) {
        expect(r.status).not.toBe(200);
        expect(r.ms).toBeLessThan(REQUEST_BOUND_MS);
      }
      // Still frozen: still answered, still quickly.
      const again = await timed('/ready');
      expect(again.status).toBe(503);
      expect(again.ms).toBeLessThan(2_000);
    } finally {
      proxy.thaw();
    }

    // Service resumes without a restart.
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await timed('/ready')).status;
      if (status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);
    const after = await rename('After');
    expect(after.status).toBe(200);
    acknowledged.push('After');
    const read = await timed(`/v2/users/${alice.id}`);
    expect(read.status).toBe(200);
    expect(JSON.parse(read.body).user.human.profile.givenName).toBe('After');
    expect(await givenName()).toBe('After');

    // Every acknowledged write is in the event log, in order (unacknowledged ones may or may not be).
    const names = (
      await database.db
        .selectFrom('user_events')
        .select(['payload', 'sequence'])
        .where('user_id', '=', alice.id)
        .orderBy('sequence')
        .execute()
    )
      .map((e) => (JSON.parse(e.payload) as { givenName?: string }).givenName)
      .filter((n): n is string => n !== undefined && !n.startsWith('During'));
    expect(names).toEqual(acknowledged);
  });
});
