// The gateway as a real process: SIGTERM stops accepting, lets the in-flight request finish, exits 0.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, seedWithCli } from '../support/processes.js';

describe('graceful shutdown', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-shutdown-'));
  const env = { ...process.env, DATABASE_URL: join(dir, 'db.sqlite'), PASSWORD_HASH_COST: '13', LOG_LEVEL: 'warn' };
  let child: ChildProcess;
  let base: string;
  let userId: string;
  let token: string;

  beforeAll(async () => {
    // The user's password is hashed at cost 4 (seeding stays fast); the gateway hashes at 13.
    ({ userId, token } = await seedWithCli({ ...env, PASSWORD_HASH_COST: '4' }, { password: 'Old-pass1!' }));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    for (let i = 0; i < 150; i++) {
      const ok = await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('gateway did not become healthy');
  }, 60_000);

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
