// The notification outbox as a work queue (Kysely only, portable SQL). Rows are written by the
// user repository in the transaction of the change; this repository hands them to delivery
// workers under a lease:
//
//   pending ──claim──▶ sending ──markSent──▶ sent (code cleared)
//      ▲                  │ ├──fail (attempts < max)──▶ pending, next_attempt_at = now + backoff
//      └──release─────────┘ └──fail (attempts = max)──▶ dead, last_error
//
// A claim is one conditional UPDATE (`… WHERE id = ? AND <still claimable>`): whichever worker's
// UPDATE changes the row owns it, so two workers never claim the same row, on SQLite and on
// PostgreSQL alike. A row in `sending` whose lease expired (its worker crashed or was killed) is
// claimable again. Every transition out of `sending` is conditional on the claim (worker id and
// claim time), so a worker that lost its lease cannot overwrite another worker's outcome.
import type { Kysely } from 'kysely';
import type { Database, OutboxRow } from '../../db/types.js';

export type Channel = OutboxRow['channel'];
export type OutboxStatus = OutboxRow['status'];

export interface OutboxPayload {
  code?: string;
  url?: string;
}

/** What a worker needs of a row to render and send it. */
export interface OutboxMessage {
  id: string;
  userId: string;
  orgId: string;
  kind: OutboxRow['kind'];
  channel: Channel;
  recipient: string;
  language: string;
  payload: OutboxPayload;
  createdAt: string;
}

/** A row owned by one worker until its lease expires. */
export interface ClaimedMessage extends OutboxMessage {
  /** Attempts including this one. */
  attempts: number;
  claim: { workerId: string; claimedAt: string };
}

export interface ClaimOptions {
  workerId: string;
  now: Date;
  leaseMs: number;
  /** Only channels that have a sender; the others stay pending. */
  channels: readonly Channel[];
  /** A row whose lease expired after its last allowed attempt goes dead instead of being retried. */
  maxAttempts: number;
}

export type FailOutcome = { status: 'pending'; nextAttemptAt: string } | { status: 'dead' } | { status: 'lost' };

export interface BackoffSettings {
  baseMs: number;
  maxMs: number;
  /** [0, 1); injectable for tests. */
  random?: () => number;
}

/**
 * Exponential backoff with "equal jitter": the n-th retry waits between half and all of
 * min(max, base·2^(n-1)), so retries of many rows that failed together spread out.
 */
export function backoffDelay(attempts: number, settings: BackoffSettings): number {
  const exponential = Math.min(settings.maxMs, settings.baseMs * 2 ** Math.max(0, attempts - 1));
  const random = settings.random ?? Math.random;
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

/** Replaces every occurrence of the code, e.g. in a URL or an error text. */
export function maskCode(text: string, code: string | undefined): string {
  return code ? text.split(code).join(MASK) : text;
}

function parsePayload(text: string): OutboxPayload {
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' ? (value as OutboxPayload) : {};
  } catch {
    return {};
  }
}

export function toMessage(row: OutboxRow): OutboxMessage {
  return {
    id: row.id,
    userId: row.user_id,
    orgId: row.org_id,
    kind: row.kind,
    channel: row.channel,
    recipient: row.recipient,
    language: row.language,
    payload: parsePayload(row.payload),
    createdAt: row.created_at,
  };
}

/** A row as listed for operators (`outbox list`): the code masked wherever it appears. */
export interface OutboxListing {
  id: string;
  userId: string;
  kind: OutboxRow['kind'];
  channel: Channel;
  recipient: string;
  status: OutboxStatus;
  attempts: number;
  createdAt: string;
  code: string | undefined;
  url: string | undefined;
  lastError: string | null;
}

const MASK = '******';

const CANDIDATES = 10;

export class OutboxRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Claims the next deliverable row (pending and due, or sending with an expired lease) and
   * counts the attempt; undefined when there is none.
   */
  async claimNext(options: ClaimOptions): Promise<ClaimedMessage | undefined> {
    if (options.channels.length === 0) return undefined;
    const now = options.now.toISOString();
    const expired = new Date(options.now.getTime() - options.leaseMs).toISOString();
    const channels = [...options.channels];
    for (;;) {
      const candidates = await this.db
        .selectFrom('notification_outbox')
        .select(['id', 'status', 'attempts', 'claimed_at'])
        .where('channel', 'in', channels)
        .where((eb) =>
          eb.or([
            eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', now)]),
            eb.and([eb('status', '=', 'sending'), eb('claimed_at', '<=', expired)]),
          ]),
        )
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(CANDIDATES)
        .execute();
      if (candidates.length === 0) return undefined;
      for (const candidate of candidates) {
        const attempts = Number(candidate.attempts);
        // Claimable as seen: the UPDATE below changes nothing if another worker got there first.
        const stillAsSeen = this.db
          .updateTable('notification_outbox')
          .where('id', '=', candidate.id)
          .where('status', '=', candidate.status)
          .where('attempts', '=', attempts);
        const seenClaim =
          candidate.status === 'pending'
            ? stillAsSeen.where('next_attempt_at', '<=', now)
            : stillAsSeen.where('claimed_at', '=', candidate.claimed_at as string);
        if (candidate.status === 'sending' && attempts >= options.maxAttempts) {
          await seenClaim
            .set({
              status: 'dead',
              claimed_by: null,
              claimed_at: null,
              last_error: `delivery interrupted after attempt ${attempts} of ${options.maxAttempts} (lease expired)`,
            })
            .execute();
          continue;
        }
        const result = await seenClaim
          .set({ status: 'sending', claimed_by: options.workerId, claimed_at: now, attempts: attempts + 1 })
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) continue;
        const row = await this.db
          .selectFrom('notification_outbox')
          .selectAll()
          .where('id', '=', candidate.id)
          .executeTakeFirstOrThrow();
        return {
          ...toMessage(row),
          attempts: attempts + 1,
          claim: { workerId: options.workerId, claimedAt: now },
        };
      }
      // Every candidate was taken by someone else (or went dead): look again.
    }
  }

  private owned(message: ClaimedMessage) {
    return this.db
      .updateTable('notification_outbox')
      .where('id', '=', message.id)
      .where('status', '=', 'sending')
      .where('claimed_by', '=', message.claim.workerId)
      .where('claimed_at', '=', message.claim.claimedAt);
  }

  /** Delivered: the code is removed from the payload (the URL is kept with the code masked). */
  async markSent(message: ClaimedMessage, now: Date): Promise<boolean> {
    const { code, url } = message.payload;
    const payload: OutboxPayload = url !== undefined ? { url: maskCode(url, code) } : {};
    const result = await this.owned(message)
      .set({
        status: 'sent',
        sent_at: now.toISOString(),
        payload: JSON.stringify(payload),
        claimed_by: null,
        claimed_at: null,
        last_error: null,
      })
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * A failed attempt: back to pending after a backoff, or dead after the last allowed attempt
   * (or at once when the failure is permanent).
   * `lost` when the lease had already passed to another worker.
   */
  async markFailed(
    message: ClaimedMessage,
    now: Date,
    error: string,
    options: { maxAttempts: number; permanent?: boolean } & BackoffSettings,
  ): Promise<FailOutcome> {
    const lastError = maskCode(error, message.payload.code).slice(0, 1000);
    if (options.permanent || message.attempts >= options.maxAttempts) {
      const result = await this.owned(message)
        .set({ status: 'dead', claimed_by: null, claimed_at: null, last_error: lastError })
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1 ? { status: 'dead' } : { status: 'lost' };
    }
    const nextAttemptAt = new Date(now.getTime() + backoffDelay(message.attempts, options)).toISOString();
    const result = await this.owned(message)
      .set({
        status: 'pending',
        next_attempt_at: nextAttemptAt,
        claimed_by: null,
        claimed_at: null,
        last_error: lastError,
      })
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1 ? { status: 'pending', nextAttemptAt } : { status: 'lost' };
  }

  /** Gives a claimed row back untried (shutdown): pending now, the attempt not counted. */
  async release(message: ClaimedMessage, now: Date): Promise<boolean> {
    const result = await this.owned(message)
      .set({
        status: 'pending',
        next_attempt_at: now.toISOString(),
        attempts: message.attempts - 1,
        claimed_by: null,
        claimed_at: null,
      })
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * `outbox retry`: a pending or dead row becomes due now with a fresh attempt budget. Sent rows
   * (code already cleared) and rows being sent are left alone.
   */
  async retryNow(
    id: string,
    now: Date,
  ): Promise<{ ok: true } | { ok: false; reason: 'not_found' | 'sent' | 'sending' }> {
    const result = await this.db
      .updateTable('notification_outbox')
      .set({ status: 'pending', attempts: 0, next_attempt_at: now.toISOString(), claimed_by: null, claimed_at: null })
      .where('id', '=', id)
      .where('status', 'in', ['pending', 'dead'])
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) return { ok: true };
    const row = await this.db
      .selectFrom('notification_outbox')
      .select('status')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return { ok: false, reason: 'not_found' };
    return { ok: false, reason: row.status === 'sent' ? 'sent' : 'sending' };
  }

  /** Pending rows of channels without a sender (for the development log), newest first. */
  async pendingOn(channels: readonly Channel[], limit: number): Promise<OutboxRow[]> {
    if (channels.length === 0) return [];
    return this.db
      .selectFrom('notification_outbox')
      .selectAll()
      .where('status', '=', 'pending')
      .where('channel', 'in', [...channels])
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  async find(id: string): Promise<OutboxRow | undefined> {
    return this.db.selectFrom('notification_outbox').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Every row (or those with one status), oldest first, codes masked. */
  async list(status?: OutboxStatus): Promise<OutboxListing[]> {
    let query = this.db.selectFrom('notification_outbox').selectAll().orderBy('created_at');
    if (status) query = query.where('status', '=', status);
    const rows = await query.execute();
    return rows.map((row) => {
      const { code, url } = parsePayload(row.payload);
      return {
        id: row.id,
        userId: row.user_id,
        kind: row.kind,
        channel: row.channel,
        recipient: row.recipient,
        status: row.status,
        attempts: Number(row.attempts),
        createdAt: row.created_at,
        code: code ? MASK : undefined,
        url: url === undefined ? undefined : maskCode(url, code),
        lastError: row.last_error,
      };
    });
  }

  /** Messages not yet sent, by status (the backlog gauge). */
  async backlog(): Promise<{ status: 'pending' | 'sending'; count: number }[]> {
    const rows = await this.db
      .selectFrom('notification_outbox')
      .select(['status', this.db.fn.countAll<number>().as('count')])
      .where('status', 'in', ['pending', 'sending'])
      .groupBy('status')
      .execute();
    return rows.map((row) => ({ status: row.status as 'pending' | 'sending', count: Number(row.count) }));
  }
}
