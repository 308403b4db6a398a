// E-mail delivery end to end: a change through the GraphQL face writes the outbox row, the
// delivery worker sends it over SMTP to a real server on loopback.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryWorker } from '../../src/domain/notify/delivery-worker.js';
import { createNotifier } from '../../src/domain/notify/notifier.js';
import { OutboxRepository } from '../../src/domain/notify/outbox-repository.js';
import { createSmtpSender } from '../../src/domain/notify/senders.js';
import { codeMatches } from '../../src/domain/users/codes.js';
import { createHarness, type Harness, RESET, storedCodeHash, UPDATE, type World } from '../support/harness.js';
import { captureLogger, startSmtpPeer } from './notify-peers.js';

const FROM = 'Acme Login <login@acme.test>';

let h: Harness;
let w: World;
let smtp: Awaited<ReturnType<typeof startSmtpPeer>>;

beforeEach(async () => {
  smtp = await startSmtpPeer();
  h = await createHarness({ SMTP_URL: `smtp://mailer:secret@127.0.0.1:${smtp.port}`, SMTP_FROM: FROM });
  w = await h.seed();
});
afterEach(async () => {
  await h.close();
  await smtp.close();
});

// Each notify file wires its own channel's sender, id and jitter; what repeats is DeliveryWorker's option names.
function emailWorker(log = captureLogger()) {
  const notify = h.config.notify;
  return new DeliveryWorker({
    repository: new OutboxRepository(h.db),
    email: createSmtpSender({ url: notify.smtpUrl as string, from: notify.smtpFrom }),
    templates: notify,
    clock: h.clock,
    logger: log.logger,
    settings: notify,
    workerId: 'test-worker',
    random: () => 0.5,
  });
}

async function outboxOf(userId: string) {
  return h.db.selectFrom('notification_outbox').selectAll().where('user_id', '=', userId).execute();
}

describe('email verification over SMTP', () => {
  it('sends the default-template link and the code to the new address, then clears the code', async () => {
    const r = await h.gql(
      UPDATE,
      { input: { userId: w.alice.id, email: { email: 'alice@new.example' } } },
      w.orgOwner.token,
    );
    expect(r.body.errors).toBeUndefined();
    const [queued] = await outboxOf(w.alice.id);
    expect(queued).toMatchObject({ status: 'pending', channel: 'email', recipient: 'alice@new.example' });

    const log = captureLogger();
    const worker = emailWorker(log);
    expect(await worker.runOnce()).toBe(1);
    await worker.stop();

    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0];
    expect(mail?.to).toEqual(['alice@new.example']);
    expect(mail?.from).toBe('login@acme.test');
    expect(mail?.messageId).toBe(`<outbox-${queued?.id}@acme.test>`);
    expect(mail?.parsed.subject).toBe('Verify your email address');
    expect(mail?.parsed.from?.value).toEqual([{ name: 'Acme Login', address: 'login@acme.test' }]);
    expect(mail?.user).toBe('mailer'); // SMTP_URL's credentials were used (AUTH)

    const text = mail?.parsed.text ?? '';
    const link = /Verify email address: (\S+)/.exec(text)?.[1] ?? '';
    const code = /Or enter this code: ([A-Z0-9]{6})/.exec(text)?.[1] ?? '';
    expect(link).toBe(
      `http://localhost:8080/ui/login/mail/verification?userID=${w.alice.id}&code=${code}&orgID=${w.orgs.acme}`,
    );
    // The mailed code is the one the gateway stored (hashed) for this user.
    expect(codeMatches(code, await storedCodeHash(h, w.alice.id, 'email'))).toBe(true);
    expect(mail?.parsed.html).toContain(`<a href="${link.replace(/&/g, '&amp;')}">Verify email address</a>`);

    const [sent] = await outboxOf(w.alice.id);
    expect(sent).toMatchObject({
      status: 'sent',
      attempts: 1,
      sent_at: '2026-11-23T10:00:00.000Z',
      claimed_by: null,
      claimed_at: null,
      last_error: null,
      payload: '{}',
    });
    // Nothing in the log carries the code (test, not development).
    expect(log.lines.join('\n')).not.toContain(code);
    expect(log.records().map((r) => r.msg)).toEqual(['notification sent']);
  });

  it('renders the caller’s template and writes German to a German-speaking user', async () => {
    await h.gql(
      UPDATE,
      {
        input: { userId: w.alice.id, profile: { givenName: 'Alice', familyName: 'Test', preferredLanguage: 'de-CH' } },
      },
      w.orgOwner.token,
    );
    const r = await h.gql(
      UPDATE,
      {
        input: {
          userId: w.alice.id,
          email: {
            email: 'alice@neu.example',
            sendCode: { urlTemplate: 'https://login.acme.test/verify/{{.UserID}}?code={{.Code}}' },
          },
        },
      },
      w.orgOwner.token,
    );
    expect(r.body.errors).toBeUndefined();
    const worker = emailWorker();
    expect(await worker.runOnce()).toBe(1);
    await worker.stop();

    const mail = smtp.mails[0];
    expect(mail?.parsed.subject).toBe('Bestätigen Sie Ihre E-Mail-Adresse');
    const text = mail?.parsed.text ?? '';
    const code = /Oder geben Sie diesen Code ein: ([A-Z0-9]{6})/.exec(text)?.[1] ?? '';
    expect(text).toContain(`E-Mail-Adresse bestätigen: https://login.acme.test/verify/${w.alice.id}?code=${code}\n`);
    expect(codeMatches(code, await storedCodeHash(h, w.alice.id, 'email'))).toBe(true);
    const [sent] = await outboxOf(w.alice.id);
    expect(sent?.language).toBe('de-CH');
    expect(JSON.parse(sent?.payload ?? '')).toEqual({
      url: `https://login.acme.test/verify/${w.alice.id}?code=******`,
    });
  });

  it('sends the password reset link from PASSWORD_RESET_URL_TEMPLATE', async () => {
    await h.close();
    h = await createHarness({
      SMTP_URL: smtp.url,
      SMTP_FROM: FROM,
      PASSWORD_RESET_URL_TEMPLATE: 'https://id.acme.test/reset?user={{.UserID}}&org={{.OrgID}}&code={{.Code}}',
    });
    w = await h.seed();
    const r = await h.gql(RESET, { input: { userId: w.bob.id, sendLink: {} } }, w.orgOwner.token);
    expect(r.body.errors).toBeUndefined();
    const worker = emailWorker();
    expect(await worker.runOnce()).toBe(1);
    await worker.stop();

    const mail = smtp.mails[0];
    expect(mail?.to).toEqual(['bob@example.com']);
    expect(mail?.parsed.subject).toBe('Reset your password');
    const text = mail?.parsed.text ?? '';
    const code = /Or enter this code: ([A-Z0-9]{6})/.exec(text)?.[1] ?? '';
    expect(text).toContain(
      `Set a new password: https://id.acme.test/reset?user=${w.bob.id}&org=${w.orgs.acme}&code=${code}\n`,
    );
    expect(codeMatches(code, await storedCodeHash(h, w.bob.id, 'password_reset'))).toBe(true);
  });

  it('is wired from the configuration by createNotifier and delivers from its own loop', async () => {
    await h.close();
    h = await createHarness({ SMTP_URL: smtp.url, OUTBOX_POLL_MS: '20' });
    w = await h.seed();
    const log = captureLogger();
    const notifier = createNotifier({ db: h.db, config: h.config, logger: log.logger, clock: h.clock });
    expect(notifier.channels).toEqual(['email']);
    notifier.start();
    await h.gql(
      UPDATE,
      { input: { userId: w.alice.id, email: { email: 'loop@example.com', sendCode: {} } } },
      w.orgOwner.token,
    );
    for (let i = 0; i < 200 && smtp.mails.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    await notifier.stop();
    expect(smtp.mails.map((m) => m.to)).toEqual([['loop@example.com']]);
    expect(smtp.mails[0]?.from).toBe('no-reply@localhost');
    const [row] = await outboxOf(w.alice.id);
    expect(row?.status).toBe('sent');
    // SMS is not configured: said once at start, without the SMTP address's details beyond host:port.
    const messages = log.records().map((r) => r.msg);
    expect(messages.filter((m) => String(m).startsWith('notification delivery is off'))).toEqual([
      'notification delivery is off for sms: messages stay pending (see `cli outbox list`) until SMS_WEBHOOK_URL is set; set NOTIFY_LOG_CODES=true to log their text, codes included',
    ]);
    expect(log.records().find((r) => r.msg === 'e-mail delivery over SMTP')?.smtp).toBe(
      `smtp://127.0.0.1:${smtp.port}`,
    );
  });
});
