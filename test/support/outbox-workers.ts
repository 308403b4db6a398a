// Two outbox delivery workers, each with its own connection to one database (as two gateway
// processes have), race for the same rows: every row is claimed and sent exactly once. Shared by
// the SQLite-file run (test/integration/notify-workers.test.ts) and the PostgreSQL run
// (test/integration/pg-outbox-workers.test.ts); only how the two connections open differs.
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { DeliveryWorker } from '../../src/domain/notify/delivery-worker.js';
import { type ClaimedMessage, OutboxRepository } from '../../src/domain/notify/outbox-repository.js';
import { createSmtpSender } from '../../src/domain/notify/senders.js';
import { systemClock } from '../../src/ids.js';
import { captureLogger, startSmtpPeer } from '../integration/notify-peers.js';

const ROWS = 30;

/** One fresh, empty database: a new connection (pool) to it per call, and how to remove it. */
export interface SharedDatabase {
  connect(): DatabaseHandle;
  remove(): Promise<void>;
}

const claimOptions = (workerId: string) => ({
  workerId,
  now: new Date(),
  leaseMs: 60_000,
  channels: ['email'] as const,
  maxAttempts: 5,
});

/** Registers the race's tests in the current describe block; `open` runs before each. */
export function outboxWorkerRace(create: () => Promise<SharedDatabase>): void {
  let database: SharedDatabase;
  let a: DatabaseHandle;
  let b: DatabaseHandle;

  beforeEach(async () => {
    database = await create();
    a = database.connect();
    await migrateToLatest(a.db);
    b = database.connect();
    const now = new Date(Date.now() - 1000).toISOString();
    await a.db
      // Rows inserted raw, as the table holds them, independently of the repository whose claiming is under test.
      .insertInto('notification_outbox')
      .values(
        Array.from({ length: ROWS }, (_, i) => ({
          id: `row-${String(i).padStart(2, '0')}`,
          user_id: `user-${i}`,
          org_id: 'org-1',
          kind: 'email_verification' as const,
          channel: 'email' as const,
          recipient: `user-${i}@example.com`,
          language: 'en',
          payload: JSON.stringify({ code: `C${String(i).padStart(5, '0')}` }),
          next_attempt_at: now,
          claimed_by: null,
          claimed_at: null,
          last_error: null,
          created_at: now,
          sent_at: null,
        })),
      )
      .execute();
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await database.remove();
  });

  it('never claim the same row, even when both see the same candidates', async () => {
    const repoA = new OutboxRepository(a.db);
    const repoB = new OutboxRepository(b.db);
    const claimed: Record<string, ClaimedMessage[]> = { a: [], b: [] };
    for (let round = 0; round < ROWS; round++) {
      const [fromA, fromB] = await Promise.all([
        repoA.claimNext(claimOptions('a')),
        repoB.claimNext(claimOptions('b')),
      ]);
      if (fromA) claimed.a?.push(fromA);
      if (fromB) claimed.b?.push(fromB);
      if (!fromA && !fromB) break;
    }
    const ids = [...(claimed.a ?? []), ...(claimed.b ?? [])].map((m) => m.id);
    expect(ids).toHaveLength(ROWS);
    expect(new Set(ids).size).toBe(ROWS);
    expect(claimed.a?.length).toBeGreaterThan(0);
    expect(claimed.b?.length).toBeGreaterThan(0);
    const rows = await a.db.selectFrom('notification_outbox').select(['id', 'claimed_by', 'attempts']).execute();
    for (const row of rows) {
      const owner = claimed.a?.some((m) => m.id === row.id) ? 'a' : 'b';
      expect(row).toEqual({ id: row.id, claimed_by: owner, attempts: 1 });
    }
  });

  it('send every message exactly once to a real SMTP server while both loops run', async () => {
    const smtp = await startSmtpPeer();
    try {
      const worker = (db: DatabaseHandle, id: string) =>
        new DeliveryWorker({
          repository: new OutboxRepository(db.db),
          email: createSmtpSender({ url: smtp.url, from: 'gateway <no-reply@gateway.test>' }),
          templates: {
            emailVerifyUrlTemplate: 'https://login.test/verify?u={{.UserID}}&c={{.Code}}',
            passwordResetUrlTemplate: 'https://login.test/reset?u={{.UserID}}&c={{.Code}}',
          },
          clock: systemClock,
          logger: captureLogger().logger,
          settings: { maxAttempts: 5, backoffBaseMs: 10, backoffMaxMs: 100, leaseMs: 60_000, pollMs: 10 },
          workerId: id,
        });
      const workers = [worker(a, 'worker-a'), worker(b, 'worker-b')];
      for (const w of workers) w.start();
      const sent = async () =>
        Number(
          (
            await a.db
              .selectFrom('notification_outbox')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('status', '=', 'sent')
              .executeTakeFirstOrThrow()
          ).n,
        );
      for (let i = 0; i < 400 && (await sent()) < ROWS; i++) await new Promise((r) => setTimeout(r, 25));
      await Promise.all(workers.map((w) => w.stop()));

      expect(await sent()).toBe(ROWS);
      const messageIds = smtp.mails.map((m) => m.messageId);
      expect(messageIds).toHaveLength(ROWS);
      expect(new Set(messageIds).size).toBe(ROWS);
      expect(new Set(smtp.mails.map((m) => m.to[0])).size).toBe(ROWS);
      // Each mail carries its own row's code in the link.
      for (const mail of smtp.mails) {
        const i = Number(/^user-(\d+)@/.exec(mail.to[0] ?? '')?.[1]);
        expect(mail.parsed.text).toContain(`https://login.test/verify?u=user-${i}&c=C${String(i).padStart(5, '0')}`);
      }
      const rows = await a.db.selectFrom('notification_outbox').select(['attempts', 'payload']).execute();
      expect(rows.every((r) => Number(r.attempts) === 1 && r.payload === '{}')).toBe(true);
    } finally {
      await smtp.close();
    }
  });
}
