// Delivery under faults: a refusing SMTP server (retry with backoff, then dead), a worker that
// "crashed" holding a lease, shutdown while sending, and no provider at all.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryWorker } from '../../src/domain/notify/delivery-worker.js';
import { createNotifier } from '../../src/domain/notify/notifier.js';
import { backoffDelay, OutboxRepository } from '../../src/domain/notify/outbox-repository.js';
import { createSmtpSender } from '../../src/domain/notify/senders.js';
import { createHarness, type Harness, UPDATE, type World } from '../support/harness.js';
import { captureLogger, startSmtpPeer } from './notify-peers.js';

let h: Harness;
let w: World;
let smtp: Awaited<ReturnType<typeof startSmtpPeer>> | undefined;

const SETTINGS = {
  OUTBOX_MAX_ATTEMPTS: '3',
  OUTBOX_BACKOFF_BASE_MS: '1000',
  OUTBOX_BACKOFF_MAX_MS: '60000',
  OUTBOX_LEASE_MS: '30000',
};

beforeEach(async () => {
  h = await createHarness(SETTINGS);
  w = await h.seed();
});
afterEach(async () => {
  await h.close();
  await smtp?.close();
  smtp = undefined;
});

function worker(url: string | undefined, log = captureLogger(), workerId = 'worker-b') {
  const notify = h.config.notify;
  return new DeliveryWorker({
    repository: new OutboxRepository(h.db),
    email: url ? createSmtpSender({ url, from: notify.smtpFrom }) : undefined,
    templates: notify,
    clock: h.clock,
    logger: log.logger,
    settings: notify,
    workerId,
    random: () => 0.5,
  });
}

/** An SMTP peer that holds its reply to DATA until `letGo()`; `inData` resolves once a send got there. */
async function holdingSmtpPeer() {
  let release: () => void = () => {};
  let started: () => void = () => {};
  const inData = new Promise<void>((resolve) => {
    started = resolve;
  });
  const peer = await startSmtpPeer({
    beforeReply: () =>
      new Promise<void>((resolve) => {
        release = resolve;
        started();
      }),
  });
  smtp = peer; // closed by afterEach
  return { peer, inData, letGo: () => release() };
}

async function changeEmail(address: string) {
  const r = await h.gql(UPDATE, { input: { userId: w.alice.id, email: { email: address } } }, w.orgOwner.token);
  expect(r.body.errors).toBeUndefined();
  const row = await h.db
    .selectFrom('notification_outbox')
    .selectAll()
    .where('recipient', '=', address)
    .executeTakeFirstOrThrow();
  return row;
}

const rowById = (id: string) =>
  h.db.selectFrom('notification_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('backoff', () => {
  it('doubles from the base up to the cap, jittered between half and all of it', () => {
    const s = (random: number) => ({ baseMs: 1000, maxMs: 5000, random: () => random });
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, s(0)))).toEqual([500, 1000, 2000, 2500, 2500]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, s(0.999999)))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });
});

describe('a refusing SMTP server', () => {
  it('makes the row wait out the backoff between attempts, then go dead with the last error', async () => {
    smtp = await startSmtpPeer({ refuse: () => ({ code: 451, text: 'mailbox busy, try later' }) });
    const queued = await changeEmail('busy@example.com');
    const code = JSON.parse(queued.payload).code as string;
    const log = captureLogger();
    const b = worker(smtp.url, log);

    expect(await b.runOnce()).toBe(1);
    expect(await rowById(queued.id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      next_attempt_at: '2026-11-23T10:00:00.750Z', // 1000 ms · (½ + ½·0.5)
      claimed_by: null,
    });
    expect((await rowById(queued.id)).last_error).toMatch(/^SMTP: EENVELOPE 451 .*mailbox busy, try later/);

    expect(await b.runOnce()).toBe(0); // not due yet
    expect(smtp.rcptAttempts).toBe(1);
    h.clock.advance(749);
    expect(await b.runOnce()).toBe(0);
    h.clock.advance(1);
    expect(await b.runOnce()).toBe(1);
    expect(await rowById(queued.id)).toMatchObject({
      status: 'pending',
      attempts: 2,
      next_attempt_at: '2026-11-23T10:00:02.250Z', // +2000 ms · 0.75
    });

    h.clock.advance(1500);
    expect(await b.runOnce()).toBe(1);
    const dead = await rowById(queued.id);
    expect(dead).toMatchObject({ status: 'dead', attempts: 3, claimed_by: null, sent_at: null });
    expect(dead.last_error).toMatch(/451 .*mailbox busy/);
    expect(dead.last_error).not.toContain(code);
    expect(smtp.rcptAttempts).toBe(3);
    expect(smtp.mails).toHaveLength(0);

    // Dead stays dead…
    h.clock.advance(600_000);
    expect(await b.runOnce()).toBe(0);
    // …until an operator retries it (`cli outbox retry`): a fresh budget, due now.
    expect(await new OutboxRepository(h.db).retryNow(queued.id, h.clock.now())).toEqual({ ok: true });
    expect(await rowById(queued.id)).toMatchObject({ status: 'pending', attempts: 0, last_error: dead.last_error });
    expect(await b.runOnce()).toBe(1);
    expect(smtp.rcptAttempts).toBe(4);
    await b.stop();

    const records = log.records();
    expect(records.map((r) => [r.msg, r.attempt])).toEqual([
      ['notification delivery failed', 1],
      ['notification delivery failed', 2],
      ['notification delivery gave up; the message is dead', 3],
      ['notification delivery failed', 1],
    ]);
    expect(log.lines.join('\n')).not.toContain(code);
  });

  it('retryNow refuses sent and unknown rows', async () => {
    smtp = await startSmtpPeer();
    const queued = await changeEmail('fine@example.com');
    const b = worker(smtp.url);
    await b.runOnce();
    await b.stop();
    const repo = new OutboxRepository(h.db);
    expect(await repo.retryNow(queued.id, h.clock.now())).toEqual({ ok: false, reason: 'sent' });
    expect(await repo.retryNow('nope', h.clock.now())).toEqual({ ok: false, reason: 'not_found' });
    expect(smtp.mails).toHaveLength(1);
  });
});

describe('a message older than its code', () => {
  it('goes dead without being sent: the code expired (1 hour) before delivery', async () => {
    smtp = await startSmtpPeer();
    const queued = await changeEmail('late@example.com');
    h.clock.advance(3_600_001);
    const b = worker(smtp.url);
    expect(await b.runOnce()).toBe(1);
    await b.stop();
    expect(await rowById(queued.id)).toMatchObject({
      status: 'dead',
      attempts: 1,
      last_error: 'the code expired before it could be delivered',
    });
    expect(smtp.rcptAttempts).toBe(0);
  });
});

describe('a worker that crashed while holding a row', () => {
  it('keeps the row until the lease expires; then a new worker delivers it exactly once', async () => {
    smtp = await startSmtpPeer();
    const queued = await changeEmail('crash@example.com');
    const repo = new OutboxRepository(h.db);
    const crashed = await repo.claimNext({
      workerId: 'worker-a',
      now: h.clock.now(),
      leaseMs: 30_000,
      channels: ['email'],
      maxAttempts: 3,
    });
    expect(crashed?.id).toBe(queued.id);
    expect(await rowById(queued.id)).toMatchObject({ status: 'sending', claimed_by: 'worker-a', attempts: 1 });
    // worker-a never comes back.

    const b = worker(smtp.url);
    expect(await b.runOnce()).toBe(0);
    h.clock.advance(29_999);
    expect(await b.runOnce()).toBe(0);
    expect(smtp.mails).toHaveLength(0);
    h.clock.advance(1);
    expect(await b.runOnce()).toBe(1);
    expect(await b.runOnce()).toBe(0);
    await b.stop();

    expect(smtp.mails.map((m) => [m.to, m.messageId])).toEqual([
      [['crash@example.com'], `<outbox-${queued.id}@localhost>`],
    ]);
    expect(await rowById(queued.id)).toMatchObject({ status: 'sent', attempts: 2, claimed_by: null });
    // The crashed worker cannot record anything on a row it no longer owns.
    if (!crashed) throw new Error('unreachable');
    expect(await repo.markSent(crashed, h.clock.now())).toBe(false);
    expect(await repo.markFailed(crashed, h.clock.now(), 'late', { maxAttempts: 3, baseMs: 1, maxMs: 1 })).toEqual({
      status: 'lost',
    });
    expect(await rowById(queued.id)).toMatchObject({ status: 'sent', last_error: null });
  });

  it('goes dead instead when the interrupted attempt was the last one allowed', async () => {
    const queued = await changeEmail('poison@example.com');
    const repo = new OutboxRepository(h.db);
    const claim = { workerId: 'worker-a', leaseMs: 30_000, channels: ['email'] as const, maxAttempts: 3 };
    for (let i = 0; i < 3; i++) {
      expect((await repo.claimNext({ ...claim, now: h.clock.now() }))?.id).toBe(queued.id);
      h.clock.advance(30_000); // every attempt "crashes"
    }
    expect(await repo.claimNext({ ...claim, now: h.clock.now() })).toBeUndefined();
    expect(await rowById(queued.id)).toMatchObject({
      status: 'dead',
      attempts: 3,
      last_error: 'delivery interrupted after attempt 3 of 3 (lease expired)',
    });
  });
});

describe('shutdown while sending', () => {
  it('lets the row in flight finish within the grace time', async () => {
    const { peer, inData, letGo } = await holdingSmtpPeer();
    const queued = await changeEmail('slow@example.com');
    const b = worker(peer.url);
    b.start();
    await inData;
    const stopped = b.stop(10_000);
    setTimeout(() => letGo(), 50);
    await stopped;
    expect(await rowById(queued.id)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(peer.mails).toHaveLength(1);
  });

  it('releases the row (pending, attempt not counted) when the send outlasts the grace time', async () => {
    const { peer, inData, letGo } = await holdingSmtpPeer();
    const queued = await changeEmail('stuck@example.com');
    const log = captureLogger();
    const b = worker(peer.url, log);
    b.start();
    await inData;
    expect(await rowById(queued.id)).toMatchObject({ status: 'sending', claimed_by: 'worker-b', attempts: 1 });
    await b.stop(100);
    expect(await rowById(queued.id)).toMatchObject({
      status: 'pending',
      attempts: 0,
      claimed_by: null,
      claimed_at: null,
      next_attempt_at: h.clock.now().toISOString(),
    });
    expect(log.records().map((r) => r.msg)).toContain('notification still sending at shutdown; released');
    letGo();
  });
});

describe('no provider configured', () => {
  it('leaves rows pending, says so once at start, and with NOTIFY_LOG_CODES=true logs the message with its link', async () => {
    await h.close();
    h = await createHarness({ NODE_ENV: 'development', NOTIFY_LOG_CODES: 'true' });
    w = await h.seed();
    const log = captureLogger();
    const notifier = createNotifier({ db: h.db, config: h.config, logger: log.logger, clock: h.clock });
    expect(notifier.channels).toEqual([]);
    const queued = await changeEmail('dev@example.com');
    const code = JSON.parse(queued.payload).code as string;
    expect(await notifier.runOnce()).toBe(0);
    expect(await notifier.runOnce()).toBe(0);
    await notifier.stop();

    expect(await rowById(queued.id)).toMatchObject({ status: 'pending', attempts: 0 });
    const records = log.records();
    expect(records.map((r) => r.msg).filter((m) => String(m).includes('delivery is off'))).toEqual([
      'notification delivery is off for email and sms: messages stay pending (see `cli outbox list`) until SMTP_URL, SMS_WEBHOOK_URL is set; NOTIFY_LOG_CODES=true: their text, codes included, is logged (anyone reading this log can use the codes)',
    ]);
    const copies = records.filter((r) => String(r.msg).startsWith('development: email not delivered'));
    expect(copies).toHaveLength(1); // once per row, not once per poll
    expect(copies[0]).toMatchObject({ outboxId: queued.id, to: 'dev@example.com' });
    expect(String(copies[0]?.msg)).toContain(
      `Verify email address: http://localhost:8080/ui/login/mail/verification?userID=${w.alice.id}&code=${code}&orgID=${w.orgs.acme}`,
    );
  });

  it.each(['development', 'production'])(
    'never writes the message (or its code) to the log by default (NODE_ENV=%s)',
    async (nodeEnv) => {
      await h.close();
      h = await createHarness({ NODE_ENV: nodeEnv });
      w = await h.seed();
      const log = captureLogger();
      const notifier = createNotifier({ db: h.db, config: h.config, logger: log.logger, clock: h.clock });
      const queued = await changeEmail('prod@example.com');
      const code = JSON.parse(queued.payload).code as string;
      expect(await notifier.runOnce()).toBe(0);
      await notifier.stop();
      expect(await rowById(queued.id)).toMatchObject({ status: 'pending' });
      expect(log.records().map((r) => r.msg)).toEqual([
        'notification delivery is off for email and sms: messages stay pending (see `cli outbox list`) until SMTP_URL, SMS_WEBHOOK_URL is set; set NOTIFY_LOG_CODES=true to log their text, codes included',
      ]);
      expect(log.lines.join('\n')).not.toContain(code);
    },
  );
});
