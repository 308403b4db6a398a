// Wires delivery from the configuration: a sender per configured channel and one worker.
// No provider configured → rows stay pending (visible with `cli outbox list`), and one log line
// at start says so; with NOTIFY_LOG_CODES=true the rendered messages (codes included) are logged
// instead, never otherwise.
import type { Kysely } from 'kysely';
import type { Config } from '../../config.js';
import type { Database } from '../../db/types.js';
import { type Clock, systemClock } from '../../ids.js';
import type { Logger } from '../../logger.js';
import { DeliveryWorker } from './delivery-worker.js';
import { OutboxRepository } from './outbox-repository.js';
import { createSmsWebhookSender, createSmtpSender } from './senders.js';

export interface NotifierDeps {
  db: Kysely<Database>;
  config: Config;
  logger: Logger;
  clock?: Clock;
}

/** Host and port of a URL, without credentials or path: safe to log. */
function endpoint(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return '(unparsable URL)';
  }
}

export function createNotifier(deps: NotifierDeps): DeliveryWorker {
  const { config, logger } = deps;
  const n = config.notify;
  const email = n.smtpUrl ? createSmtpSender({ url: n.smtpUrl, from: n.smtpFrom }) : undefined;
  const sms = n.smsWebhookUrl
    ? createSmsWebhookSender({ url: n.smsWebhookUrl, timeoutMs: n.smsWebhookTimeoutMs })
    : undefined;
  const logCodes = n.logCodes;
  const worker = new DeliveryWorker({
    repository: new OutboxRepository(deps.db),
    email,
    sms,
    templates: n,
    clock: deps.clock ?? systemClock,
    logger: logger.child({ component: 'notify' }),
    settings: n,
    logUnsentMessages: logCodes,
  });
  const off = (['email', 'sms'] as const).filter((c) => !worker.channels.includes(c));
  if (off.length > 0) {
    const variables = off.map((c) => (c === 'email' ? 'SMTP_URL' : 'SMS_WEBHOOK_URL')).join(', ');
    logger.warn(
      { channels: off },
      `notification delivery is off for ${off.join(' and ')}: messages stay pending (see \`cli outbox list\`) until ${variables} is set; ${
        logCodes
          ? 'NOTIFY_LOG_CODES=true: their text, codes included, is logged (anyone reading this log can use the codes)'
          : 'set NOTIFY_LOG_CODES=true to log their text, codes included'
      }`,
    );
  }
  if (email && n.smtpUrl) logger.info({ smtp: endpoint(n.smtpUrl), from: n.smtpFrom }, 'e-mail delivery over SMTP');
  if (sms && n.smsWebhookUrl) logger.info({ webhook: endpoint(n.smsWebhookUrl) }, 'SMS delivery over webhook');
  return worker;
}
