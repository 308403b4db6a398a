// `cli outbox retry` on a database file, and the delivery settings' validation.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { openSqlite } from '../../src/db/connection.js';
import { AdminError } from '../../src/domain/admin/admin-service.js';

const row = (id: string, status: 'pending' | 'sending' | 'sent' | 'dead', payload: object) => ({
  id,
  user_id: 'u1',
  org_id: 'o1',
  kind: 'email_verification' as const,
  channel: 'email' as const,
  recipient: 'u1@example.com',
  language: 'en',
  payload: JSON.stringify(payload),
  status,
  attempts: status === 'dead' ? 8 : 1,
  next_attempt_at: '2026-11-23T10:00:00.000Z',
  claimed_by: status === 'sending' ? 'somewhere:1:abc' : null,
  claimed_at: status === 'sending' ? '2026-11-23T10:00:00.000Z' : null,
  last_error: status === 'dead' ? 'SMTP: ECONNREFUSED' : null,
  created_at: '2026-11-23T10:00:00.000Z',
  sent_at: status === 'sent' ? '2026-11-23T10:00:01.000Z' : null,
});

describe.skipIf(process.env.TEST_ENGINE === 'postgres')('cli outbox retry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'notify-cli-'));
  const env = { DATABASE_URL: join(dir, 'db.sqlite'), NODE_ENV: 'test' };

  beforeAll(async () => {
    await runCli(['migrate'], env);
    const handle = openSqlite(env.DATABASE_URL);
    await handle.db
      .insertInto('notification_outbox')
      .values([
        row('dead-1', 'dead', { code: 'ABC123', url: 'https://x.test/v?c=ABC123' }),
        row('sent-1', 'sent', { url: 'https://x.test/v?c=******' }),
        row('busy-1', 'sending', { code: 'XYZ789' }),
      ])
      .execute();
    await handle.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a dead message pending again with a fresh attempt budget', async () => {
    expect(await runCli(['outbox', 'retry', '--id', 'dead-1'], env)).toEqual({ id: 'dead-1', status: 'pending' });
    const listed = (await runCli(['outbox', 'list', '--status', 'pending'], env)) as {
      messages: Record<string, unknown>[];
    };
    expect(listed.messages).toEqual([
      expect.objectContaining({
        id: 'dead-1',
        status: 'pending',
        attempts: 0,
        code: '******',
        url: 'https://x.test/v?c=******',
        lastError: 'SMTP: ECONNREFUSED',
      }),
    ]);
  });

  it('refuses unknown, sent and in-flight messages with a clear message', async () => {
    await expect(runCli(['outbox', 'retry', '--id', 'nope'], env)).rejects.toThrow(
      new AdminError('message nope does not exist'),
    );
    await expect(runCli(['outbox', 'retry', '--id', 'sent-1'], env)).rejects.toThrow('message sent-1 is already sent');
    await expect(runCli(['outbox', 'retry', '--id', 'busy-1'], env)).rejects.toThrow(
      'message busy-1 is being sent right now',
    );
    await expect(runCli(['outbox', 'retry'], env)).rejects.toThrow('--id is required');
  });
});

describe('delivery settings', () => {
  it('has working defaults: no provider, English links on localhost, 8 attempts', () => {
    expect(loadConfig({}).notify).toEqual({
      smtpUrl: undefined,
      smtpFrom: 'user-gateway <no-reply@localhost>',
      smsWebhookUrl: undefined,
      smsWebhookTimeoutMs: 10_000,
      emailVerifyUrlTemplate:
        'http://localhost:8080/ui/login/mail/verification?userID={{.UserID}}&code={{.Code}}&orgID={{.OrgID}}',
      passwordResetUrlTemplate:
        'http://localhost:8080/ui/login/password/init?userID={{.UserID}}&code={{.Code}}&orgID={{.OrgID}}',
      maxAttempts: 8,
      logCodes: false,
      backoffBaseMs: 5_000,
      backoffMaxMs: 3_600_000,
      leaseMs: 120_000,
      pollMs: 1_000,
    });
  });

  it('rejects bad values without echoing credentials', () => {
    const error = (() => {
      try {
        loadConfig({
          SMTP_URL: 'http://mailer:s3cret@mail.test',
          SMS_WEBHOOK_URL: 'ftp://sms.test',
          EMAIL_VERIFY_URL_TEMPLATE: 'https://x.test/{{.Email}}',
          OUTBOX_MAX_ATTEMPTS: '0',
        });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).not.toContain('s3cret');
    expect(message).toContain('SMTP_URL="http://***@mail.test": must be an smtp:// or smtps:// URL');
    expect(message).toContain('SMS_WEBHOOK_URL="ftp://sms.test"');
    expect(message).toContain(
      'EMAIL_VERIFY_URL_TEMPLATE="https://x.test/{{.Email}}": must be a URL template using only {{.UserID}}, {{.Code}} and {{.OrgID}}',
    );
    expect(message).toContain('OUTBOX_MAX_ATTEMPTS="0"');
  });
});
