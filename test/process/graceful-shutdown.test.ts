// The gateway as a real process: SIGTERM stops accepting, lets the in-flight request finish, ends
// live subscriptions, exits 0.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sseSubscribe, wsSubscribe } from '../support/live-clients.js';
import { seedWithCli, startGateway } from '../support/processes.js';

describe('graceful shutdown', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-shutdown-'));
  const env = { DATABASE_URL: join(dir, 'db.sqlite'), PASSWORD_HASH_COST: '13', LOG_LEVEL: 'warn' };
  let child: ChildProcess;
  let base: string;
  let userId: string;
  let token: string;

  beforeAll(async () => {
    // The user's password is hashed at cost 4 (seeding stays fast); the gateway hashes at 13.
    ({ userId, token } = await seedWithCli(
      { ...process.env, ...env, PASSWORD_HASH_COST: '4' },
      { password: 'Old-pass1!' },
    ));
    ({ child, base } = await startGateway(env));
  }, 120_000);

  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('finishes the in-flight request, refuses new ones and exits 0', async () => {
    // A password change hashes at cost 13 (hundreds of ms): it is still running when SIGTERM arrives.
    const inFlight = fetch(`${base}/v2/users/human/${userId}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ password: { password: { password: 'Sh1ny-new-pass!' } } }),
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { details: { sequence: string } }).details.sequence).toBe('2');
    await expect(fetch(`${base}/health`)).rejects.toThrow();
    expect(await exited).toBe(0);
  }, 30_000);
});

describe('graceful shutdown with live subscriptions open', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-shutdown-live-'));
  const env = { DATABASE_URL: join(dir, 'db.sqlite'), PASSWORD_HASH_COST: '4', LOG_LEVEL: 'warn' };
  let child: ChildProcess;
  let base: string;
  let userId: string;
  let token: string;

  beforeAll(async () => {
    ({ userId, token } = await seedWithCli({ ...process.env, ...env }));
    ({ child, base } = await startGateway(env));
  }, 120_000);

  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('ends every SSE and WebSocket subscription (GATEWAY-SUB503) and exits 0 well before the force timeout', async () => {
    const overSse = await sseSubscribe(fetch, base, token, { userId });
    const overWs = wsSubscribe(base, token, { userId });
    await expect.poll(() => [overSse.sequences(), overWs.sequences()], { timeout: 10_000 }).toEqual([[1], [1]]);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const stopping = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // The force timeout is 10 s: open streams did not hold the shutdown up.
    expect(Date.now() - stopping).toBeLessThan(5_000);
    await expect.poll(() => overSse.ended && overWs.ended, { timeout: 5_000 }).toBe(true);
    expect(overSse.errors().at(-1)?.extensions).toMatchObject({ code: 'UNAVAILABLE', id: 'GATEWAY-SUB503' });
    expect(overWs.errors().at(-1)?.extensions).toMatchObject({ code: 'UNAVAILABLE', id: 'GATEWAY-SUB503' });
  }, 30_000);
});
