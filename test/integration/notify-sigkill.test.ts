// The gateway as a real process, killed with SIGKILL while it is sending a verification mail
// (claimed, SMTP transaction open, nothing recorded). A restarted gateway takes the row over once
// the lease expires and delivers it; SIGTERM then stops it cleanly.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openSqlite } from '../../src/db/connection.js';
import { freePort, seedWithCli } from '../support/processes.js';
import { startSmtpPeer } from './notify-peers.js';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

// Processes on an SQLite file: nothing here depends on the harness's database engine.
describe.skipIf(process.env.TEST_ENGINE === 'postgres')('a gateway killed while sending', () => {
  const dir = mkdtempSync(join(tmpdir(), 'notify-sigkill-'));
  const env = {
    ...process.env,
    DATABASE_URL: join(dir, 'db.sqlite'),
    PASSWORD_HASH_COST: '4',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'test',
    OUTBOX_POLL_MS: '50',
    OUTBOX_LEASE_MS: '1500',
  };
  const children: ChildProcess[] = [];
  let userId: string;
  let token: string;
  let db: DatabaseHandle;

  async function startGateway(smtpUrl: string) {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...env, PORT: String(port), HOST: '127.0.0.1', SMTP_URL: smtpUrl },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    const base = `http://127.0.0.1:${port}`;
    await until('the gateway to be healthy', () =>
      fetch(`${base}/health`).then(
        (r) => (r.ok ? true : undefined),
        () => undefined,
      ),
    );
    return { child, base };
  }

  beforeAll(async () => {
    ({ userId, token } = await seedWithCli(env));
    db = openSqlite(env.DATABASE_URL);
  }, 60_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers the message after a restart, exactly once to the accepting server', async () => {
    // The first SMTP server takes the message but never answers the end of DATA.
    let dataArrived: () => void = () => {};
    const arrived = new Promise<void>((resolve) => {
      dataArrived = resolve;
    });
    const hanging = await startSmtpPeer({
      beforeReply: () => {
        dataArrived();
        return new Promise<void>(() => {});
      },
    });
    const accepting = await startSmtpPeer();
    try {
      const first = await startGateway(hanging.url);
      const response = await fetch(`${first.base}/v2/users/human/${userId}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ email: { email: 'moved@acme.ch' } }),
      });
      expect(response.status).toBe(200);
      await arrived;
      const claimed = await db.db.selectFrom('notification_outbox').selectAll().executeTakeFirstOrThrow();
      expect(claimed).toMatchObject({ status: 'sending', attempts: 1, recipient: 'moved@acme.ch' });
      expect(claimed.claimed_by).toContain(`:${first.child.pid}:`);

      const killed = new Promise((resolve) => first.child.once('exit', (_code, signal) => resolve(signal)));
      first.child.kill('SIGKILL');
      expect(await killed).toBe('SIGKILL');
      expect(hanging.mails).toHaveLength(0);

      const second = await startGateway(accepting.url);
      const sent = await until('the row to be sent', async () => {
        const row = await db.db
          .selectFrom('notification_outbox')
          .selectAll()
          .where('id', '=', claimed.id)
          .executeTakeFirstOrThrow();
        return row.status === 'sent' ? row : undefined;
      });
      expect(sent).toMatchObject({ attempts: 2, claimed_by: null, payload: '{}' });
      // Taken over only after the lease: no earlier than claimed_at + OUTBOX_LEASE_MS.
      expect(Date.parse(sent.sent_at ?? '')).toBeGreaterThanOrEqual(Date.parse(claimed.claimed_at ?? '') + 1500);
      expect(accepting.mails.map((m) => [m.to, m.messageId])).toEqual([
        [['moved@acme.ch'], `<outbox-${claimed.id}@localhost>`],
      ]);
      expect(accepting.mails[0]?.parsed.text).toMatch(
        new RegExp(`verification\\?userID=${userId}&code=[A-Z0-9]{6}&orgID=`),
      );

      const exited = new Promise((resolve) => second.child.once('exit', (code) => resolve(code)));
      second.child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      await accepting.close();
      // The hanging server still holds the killed gateway's half-open session.
      await Promise.race([hanging.close(), new Promise((r) => setTimeout(r, 500))]);
    }
  }, 60_000);
});
