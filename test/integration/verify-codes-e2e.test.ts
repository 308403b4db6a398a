// Issue 15 end to end, per channel: a change with sendCode queues the code, the delivery worker
// hands it to the SMTP peer / the SMS webhook peer, the delivered code verifies the address, and
// the user reads back verified. A resend delivers a new code; the first delivered one then fails.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryWorker } from '../../src/domain/notify/delivery-worker.js';
import { OutboxRepository } from '../../src/domain/notify/outbox-repository.js';
import { createSmsWebhookSender, createSmtpSender } from '../../src/domain/notify/senders.js';
import { createHarness, type Harness, UPDATE, type World } from '../support/harness.js';
import { captureLogger, startSmtpPeer, startWebhookPeer } from './notify-peers.js';

let h: Harness;
let w: World;
let smtp: Awaited<ReturnType<typeof startSmtpPeer>>;
let webhook: Awaited<ReturnType<typeof startWebhookPeer>>;

beforeEach(async () => {
  smtp = await startSmtpPeer();
  webhook = await startWebhookPeer((_n, res) => res.writeHead(202).end());
  h = await createHarness({ SMTP_URL: `smtp://mailer:secret@127.0.0.1:${smtp.port}`, SMTP_FROM: 'login@acme.test' });
  w = await h.seed();
});
afterEach(async () => {
  await h.close();
  await smtp.close();
  await webhook.close();
});

/** Delivers every pending outbox row once (e-mail over SMTP, SMS over the webhook). */
async function deliver(): Promise<number> {
  const notify = h.config.notify;
  const worker = new DeliveryWorker({
    repository: new OutboxRepository(h.db),
    email: createSmtpSender({ url: notify.smtpUrl as string, from: notify.smtpFrom }),
    sms: createSmsWebhookSender({ url: webhook.url, timeoutMs: 2_000 }),
    templates: notify,
    clock: h.clock,
    logger: captureLogger().logger,
    settings: notify,
    workerId: 'e2e-worker',
    random: () => 0.5,
  });
  const sent = await worker.runOnce();
  await worker.stop();
  return sent;
}

const mailedCode = (i: number) =>
  /Or enter this code: ([A-Z0-9]{6})/.exec(smtp.mails[i]?.parsed.text ?? '')?.[1] ?? 'none';
const textedCode = (i: number) =>
  /([A-Z0-9]{6})$/.exec((webhook.requests[i]?.body as { text?: string } | undefined)?.text ?? '')?.[1] ?? 'none';

const VERIFY_EMAIL = `mutation($input: VerifyEmailInput!) { verifyEmail(input: $input) { details { sequence } } }`;
const VERIFY_PHONE = `mutation($input: VerifyPhoneInput!) { verifyPhone(input: $input) { details { sequence } } }`;
const RESEND_EMAIL = `mutation($input: ResendEmailCodeInput!) { resendEmailCode(input: $input) { verificationCode } }`;
const READ = `query($id: ID!) { userById(userId: $id) { email { email isVerified } phone { phone isVerified } } }`;

const readBack = async (userId: string) =>
  (await h.gql(READ, { id: userId }, w.alice.token)).body.data?.userById as Record<string, unknown>;

describe('email: sendCode → SMTP → verifyEmail', () => {
  it('the mailed code verifies the new address; a resent code replaces it', async () => {
    const change = await h.gql(
      UPDATE,
      { input: { userId: w.alice.id, email: { email: 'alice@new.example', sendCode: {} } } },
      w.alice.token,
    );
    expect(change.body.errors).toBeUndefined();
    expect(await deliver()).toBe(1);
    expect(smtp.mails[0]?.to).toEqual(['alice@new.example']);
    const first = mailedCode(0);
    expect(first).toMatch(/^[A-Z0-9]{6}$/);

    // a resend mails a new code; the first one stops working
    const resend = await h.gql(RESEND_EMAIL, { input: { userId: w.alice.id } }, w.alice.token);
    expect(resend.body).toEqual({ data: { resendEmailCode: { verificationCode: null } } });
    expect(await deliver()).toBe(1);
    const second = mailedCode(1);
    if (first !== second) {
      const stale = await h.gql(
        VERIFY_EMAIL,
        { input: { userId: w.alice.id, verificationCode: first } },
        w.alice.token,
      );
      expect(stale.body.errors?.[0]?.extensions).toEqual({ code: 'INVALID_ARGUMENT', id: 'COMMAND-eis9R' });
    }
    const verified = await h.gql(
      VERIFY_EMAIL,
      { input: { userId: w.alice.id, verificationCode: second } },
      w.alice.token,
    );
    expect(verified.body.errors).toBeUndefined();
    expect((await readBack(w.alice.id)).email).toEqual({ email: 'alice@new.example', isVerified: true });
  });
});

describe('phone: sendCode → SMS webhook → verifyPhone', () => {
  it('the texted code verifies the new number', async () => {
    const change = await h.gql(
      UPDATE,
      { input: { userId: w.alice.id, phone: { phone: '079 123 45 67', sendCode: true } } },
      w.alice.token,
    );
    expect(change.body.errors).toBeUndefined();
    expect(await deliver()).toBe(1);
    expect((webhook.requests[0]?.body as { to?: string } | undefined)?.to).toBe('+41791234567');
    const code = textedCode(0);
    expect(code).toMatch(/^[A-Z0-9]{6}$/);
    const verified = await h.gql(
      VERIFY_PHONE,
      { input: { userId: w.alice.id, verificationCode: code } },
      w.alice.token,
    );
    expect(verified.body.errors).toBeUndefined();
    expect((await readBack(w.alice.id)).phone).toEqual({ phone: '+41791234567', isVerified: true });
  });
});
