// The gateway as a real process: SIGTERM stops accepting, lets the in-flight request finish, exits 0.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
