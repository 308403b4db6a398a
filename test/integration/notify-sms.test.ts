// SMS delivery: a phone change through the GraphQL face, delivered as a JSON POST to a webhook
// (a node:http server on loopback); 2xx = sent, anything else and timeouts are retried.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryWorker } from '../../src/domain/notify/delivery-worker.js';
import { OutboxRepository } from '../../src/domain/notify/outbox-repository.js';
import { createSmsWebhookSender } from '../../src/domain/notify/senders.js';
import { codeMatches } from '../../src/domain/users/codes.js';
import { createHarness, type Harness, storedCodeHash, UPDATE, type World } from '../support/harness.js';
import { captureLogger, startWebhookPeer } from './notify-peers.js';

let h: Harness;
let w: World;
let webhook: Awaited<ReturnType<typeof startWebhookPeer>> | undefined;

beforeEach(async () => {
  h = await createHarness({ OUTBOX_BACKOFF_BASE_MS: '1000', OUTBOX_MAX_ATTEMPTS: '5' });
  w = await h.seed();
});
afterEach(async () => {
  await h.close();
  await webhook?.close();
  webhook = undefined;
});

// Each notify file wires its own channel's sender, id and jitter; what repeats is DeliveryWorker's option names.
function smsWorker(url: string, timeoutMs = 2_000, log = captureLogger()) {
  const notify = h.config.notify;
  return new DeliveryWorker({
    repository: new OutboxRepository(h.db),
    sms: createSmsWebhookSender({ url, timeoutMs }),
    templates: notify,
    clock: h.clock,
    logger: log.logger,
    settings: notify,
    workerId: 'sms-worker',
    random: () => 0,
  });
}

async function changePhone(phone: string) {
  const r = await h.gql(UPDATE, { input: { userId: w.alice.id, phone: { phone, sendCode: true } } }, w.orgOwner.token);
  expect(r.body.errors).toBeUndefined();
  return h.db
    .selectFrom('notification_outbox')
    .selectAll()
    .where('user_id', '=', w.alice.id)
    .where('channel', '=', 'sms')
    .executeTakeFirstOrThrow();
}

const rowById = (id: string) =>
  h.db.selectFrom('notification_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('SMS over the webhook', () => {
  it('POSTs {to, text, messageId} with the code to the normalized number and marks the row sent', async () => {
    webhook = await startWebhookPeer((_n, res) => res.writeHead(202).end('{"queued":true}'));
    const queued = await changePhone('079 123 45 67');
    expect(queued.recipient).toBe('+41791234567');
    const b = smsWorker(webhook.url);
    expect(await b.runOnce()).toBe(1);
    await b.stop();

    expect(webhook.requests).toHaveLength(1);
    const request = webhook.requests[0];
    expect(request?.method).toBe('POST');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['idempotency-key']).toBe(queued.id);
    const body = request?.body as { to: string; text: string; messageId: string };
    expect(Object.keys(body).sort()).toEqual(['messageId', 'text', 'to']);
    expect(body.to).toBe('+41791234567');
    expect(body.messageId).toBe(queued.id);
    const code = /^Your verification code is ([A-Z0-9]{6})$/.exec(body.text)?.[1] ?? '';
    expect(codeMatches(code, await storedCodeHash(h, w.alice.id, 'phone'))).toBe(true);
    expect(await rowById(queued.id)).toMatchObject({ status: 'sent', attempts: 1, payload: '{}' });
  });

  it('writes German to a German-speaking user', async () => {
    webhook = await startWebhookPeer((_n, res) => res.writeHead(200).end());
    await h.gql(
      UPDATE,
      { input: { userId: w.alice.id, profile: { givenName: 'Alice', familyName: 'Test', preferredLanguage: 'de' } } },
      w.orgOwner.token,
    );
    await changePhone('+41 79 765 43 21');
    const b = smsWorker(webhook.url);
    await b.runOnce();
    await b.stop();
    expect((webhook.requests[0]?.body as { text?: string } | undefined)?.text).toMatch(
      /^Ihr Bestätigungscode lautet [A-Z0-9]{6}$/,
    );
  });

  it('retries a non-2xx answer and a timeout, then delivers with the same messageId', async () => {
    webhook = await startWebhookPeer((n, res) => {
      if (n === 1) res.writeHead(503, 'Service Unavailable').end('{"text":"echo of the message"}');
      if (n === 2) return; // never answers: the sender times out
      if (n === 3) res.writeHead(204).end();
    });
    const queued = await changePhone('+41791234567');
    const b = smsWorker(webhook.url, 300);

    // One step per attempt, spelled out: the steps read as the retry schedule they assert.
    expect(await b.runOnce()).toBe(1);
    expect(await rowById(queued.id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_error: 'SMS webhook: HTTP 503 Service Unavailable',
      next_attempt_at: '2026-11-23T10:00:00.500Z',
    });
    h.clock.advance(500);
    expect(await b.runOnce()).toBe(1);
    expect(await rowById(queued.id)).toMatchObject({
      status: 'pending',
      attempts: 2,
      last_error: 'SMS webhook: no answer within 300 ms',
      next_attempt_at: '2026-11-23T10:00:01.500Z',
    });
    h.clock.advance(1000);
    expect(await b.runOnce()).toBe(1);
    await b.stop();
    expect(await rowById(queued.id)).toMatchObject({ status: 'sent', attempts: 3, last_error: null });
    expect(webhook.requests.map((r) => (r.body as { messageId: string }).messageId)).toEqual([
      queued.id,
      queued.id,
      queued.id,
    ]);
  });

  it('leaves e-mail rows alone when only SMS is configured', async () => {
    webhook = await startWebhookPeer((_n, res) => res.writeHead(200).end());
    await h.gql(UPDATE, { input: { userId: w.alice.id, email: { email: 'only-sms@example.com' } } }, w.orgOwner.token);
    const b = smsWorker(webhook.url);
    expect(b.channels).toEqual(['sms']);
    expect(await b.runOnce()).toBe(0);
    await b.stop();
    const row = await h.db
      .selectFrom('notification_outbox')
      .selectAll()
      .where('recipient', '=', 'only-sms@example.com')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'pending', attempts: 0 });
    expect(webhook.requests).toHaveLength(0);
  });
});
