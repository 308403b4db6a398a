// The delivery loop inside the gateway process: claim one due row, render it, hand it to the
// channel's sender, record the outcome; repeat until nothing is due, then wait `pollMs`.
// At least once: a row is marked sent only after the provider accepted it, so a crash between
// the two sends it again after the lease expires — with the same Message-ID/messageId, so the
// receiver can drop the duplicate. A send that succeeded and was recorded is never repeated.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../../ids.js';
import type { Logger } from '../../logger.js';
import { CODE_TTL_MS } from '../users/codes.js';
import { type DefaultTemplates, renderMessage, UndeliverableError } from './messages.js';
import { type Channel, type ClaimedMessage, type OutboxRepository, toMessage } from './outbox-repository.js';
import type { EmailSender, SmsSender } from './senders.js';

export interface DeliverySettings {
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  leaseMs: number;
  pollMs: number;
}

export interface DeliveryWorkerDeps {
  repository: OutboxRepository;
  email?: EmailSender | undefined;
  sms?: SmsSender | undefined;
  templates: DefaultTemplates;
  clock: Clock;
  logger: Logger;
  settings: DeliverySettings;
  workerId?: string;
  /** [0, 1) for the backoff jitter; injectable for tests. */
  random?: () => number;
  /**
   * Development only: write the rendered text (with link and code) of messages on channels
   * without a sender to the log, once per row and process, so a developer can follow the link.
   */
  logUnsentMessages?: boolean;
}

const ALL_CHANNELS: readonly Channel[] = ['email', 'sms'];

export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export class DeliveryWorker {
  readonly workerId: string;
  /** Channels with a sender: only their rows are claimed. */
  readonly channels: readonly Channel[];
  private readonly offChannels: readonly Channel[];
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private inFlight: ClaimedMessage | undefined;
  private readonly logged = new Set<string>();

  constructor(private readonly deps: DeliveryWorkerDeps) {
    this.workerId = deps.workerId ?? newWorkerId();
    this.channels = ALL_CHANNELS.filter((c) => (c === 'email' ? deps.email : deps.sms) !== undefined);
    this.offChannels = ALL_CHANNELS.filter((c) => !this.channels.includes(c));
  }

  /** Starts the background loop (idempotent). */
  start(): void {
    if (this.loop || this.stopping) return;
    this.loop = this.run();
  }

  /**
   * Stops claiming. The row being sent may finish within `graceMs`; if it does not, it is
   * released (pending again, the attempt not counted) so another worker can take it at once.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    if (this.loop) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
      });
      const outcome = await Promise.race([this.loop.then(() => 'done' as const), timedOut]);
      clearTimeout(timer);
      const message = this.inFlight;
      if (outcome === 'timeout' && message) {
        this.inFlight = undefined;
        const released = await this.deps.repository.release(message, this.deps.clock.now()).catch(() => false);
        this.deps.logger.warn({ outboxId: message.id, released }, 'notification still sending at shutdown; released');
      }
    }
    this.deps.email?.close();
    this.deps.sms?.close();
  }

  /** Delivers every due row, one at a time; returns how many rows were handled. */
  async runOnce(): Promise<number> {
    if (this.deps.logUnsentMessages) await this.logUnsent();
    let handled = 0;
    while (!this.stopping) {
      const message = await this.deps.repository.claimNext({
        workerId: this.workerId,
        now: this.deps.clock.now(),
        leaseMs: this.deps.settings.leaseMs,
        channels: this.channels,
        maxAttempts: this.deps.settings.maxAttempts,
      });
      if (!message) break;
      handled++;
      this.inFlight = message;
      try {
        await this.deliver(message);
      } finally {
        if (this.inFlight === message) this.inFlight = undefined;
      }
    }
    return handled;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.runOnce();
      } catch (error) {
        this.deps.logger.error({ err: error }, 'notification delivery loop failed; retrying after the poll interval');
      }
      if (this.stopping) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.deps.settings.pollMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  private async deliver(message: ClaimedMessage): Promise<void> {
    const { repository, clock, logger, settings } = this.deps;
    const fields = { outboxId: message.id, kind: message.kind, channel: message.channel, attempt: message.attempts };
    let error: string;
    let permanent = false;
    try {
      // A code past its validity is useless to the user (e.g. a row retried by hand much later).
      if (clock.now().getTime() - Date.parse(message.createdAt) > CODE_TTL_MS) {
        throw new UndeliverableError('the code expired before it could be delivered');
      }
      const outbound = renderMessage(message, this.deps.templates);
      if (outbound.channel === 'email') await this.deps.email?.send(outbound);
      else await this.deps.sms?.send(outbound);
      if (this.inFlight !== message) return; // released at shutdown meanwhile: the row is no longer ours
      const recorded = await repository.markSent(message, clock.now());
      if (recorded) logger.info(fields, 'notification sent');
      else logger.warn(fields, 'notification sent, but its lease had passed to another worker');
      return;
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
      permanent = caught instanceof UndeliverableError;
    }
    if (this.inFlight !== message) return;
    const outcome = await repository.markFailed(message, clock.now(), error, {
      maxAttempts: settings.maxAttempts,
      permanent,
      baseMs: settings.backoffBaseMs,
      maxMs: settings.backoffMaxMs,
      ...(this.deps.random ? { random: this.deps.random } : {}),
    });
    // The error text went through the outbox's masking; log the stored form only.
    const stored = (await repository.find(message.id))?.last_error ?? undefined;
    if (outcome.status === 'pending') {
      logger.warn({ ...fields, nextAttemptAt: outcome.nextAttemptAt, error: stored }, 'notification delivery failed');
    } else if (outcome.status === 'dead') {
      logger.error({ ...fields, error: stored }, 'notification delivery gave up; the message is dead');
    } else {
      logger.warn(fields, 'notification delivery failed, and its lease had passed to another worker');
    }
  }

  private async logUnsent(): Promise<void> {
    if (this.offChannels.length === 0) return;
    const rows = await this.deps.repository.pendingOn(this.offChannels, 50);
    for (const row of rows.reverse()) {
      if (this.logged.has(row.id)) continue;
      this.logged.add(row.id);
      try {
        const message = renderMessage(toMessage(row), this.deps.templates);
        const body = message.channel === 'email' ? `Subject: ${message.subject}\n\n${message.text}` : message.text;
        this.deps.logger.info(
          { outboxId: row.id, channel: row.channel, to: row.recipient },
          `development: ${row.channel} not delivered (no provider configured); it would say:\n${body}`,
        );
      } catch {
        // Not renderable: the delivery path reports it when a provider is configured.
      }
    }
  }
}
