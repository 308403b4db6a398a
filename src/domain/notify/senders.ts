// The two delivery channels. A sender resolves when the provider accepted the message and
// throws otherwise; the worker decides about retries. Error texts never contain the code
// (the outbox masks it anyway) and never the SMTP credentials.
import { createTransport } from 'nodemailer';
import type { EmailMessage, SmsMessage } from './messages.js';

export interface EmailSender {
  send(message: EmailMessage): Promise<void>;
  close(): void;
}

export interface SmsSender {
  send(message: SmsMessage): Promise<void>;
  close(): void;
}

/** The domain of the From address, for Message-IDs (`<outbox-ID@domain>`). */
export function messageIdDomain(from: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  const domain = address.slice(address.lastIndexOf('@') + 1).trim();
  return /^[A-Za-z0-9.-]+$/.test(domain) && address.includes('@') ? domain : 'user-gateway.invalid';
}

/** One Message-ID per outbox row: a retried send repeats it, so receivers can drop duplicates. */
export function messageIdFor(outboxId: string, from: string): string {
  return `<outbox-${outboxId}@${messageIdDomain(from)}>`;
}

export interface SmtpSettings {
  /** smtp://user:pass@host:587 (STARTTLS when offered) or smtps://… (TLS from the start). */
  url: string;
  from: string;
  /** Upper bound for connecting, the greeting and each socket read; keep it well below the lease. */
  timeoutMs?: number;
}

export function createSmtpSender(settings: SmtpSettings): EmailSender {
  const timeout = settings.timeoutMs ?? 30_000;
  const transport = createTransport({
    url: settings.url,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  return {
    async send(message) {
      try {
        await transport.sendMail({
          from: settings.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
          messageId: messageIdFor(message.id, settings.from),
          headers: { 'Content-Language': message.language },
        });
      } catch (error) {
        throw new Error(`SMTP: ${describe(error)}`);
      }
    },
    close() {
      transport.close();
    },
  };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const e = error as Error & { code?: string; responseCode?: number; response?: string };
  const parts = [e.code, e.responseCode ? String(e.responseCode) : undefined, e.response ?? e.message];
  return parts.filter((p) => p !== undefined && p !== '').join(' ');
}

export interface SmsWebhookSettings {
  url: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/** POSTs `{to, text, messageId}` as JSON; any 2xx answer means accepted. */
export function createSmsWebhookSender(settings: SmsWebhookSettings): SmsSender {
  const doFetch = settings.fetch ?? fetch;
  return {
    async send(message) {
      let response: Response;
      try {
        response = await doFetch(settings.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': message.id },
          body: JSON.stringify({ to: message.to, text: message.text, messageId: message.id }),
          signal: AbortSignal.timeout(settings.timeoutMs),
          redirect: 'error',
        });
      } catch (error) {
        const name = (error as Error).name;
        if (name === 'TimeoutError' || name === 'AbortError') {
          throw new Error(`SMS webhook: no answer within ${settings.timeoutMs} ms`);
        }
        const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
        throw new Error(`SMS webhook: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
      }
      // Drain the body so the connection can be reused; its content is not needed (and could echo the text).
      await response.arrayBuffer().catch(() => undefined);
      if (response.status < 200 || response.status > 299) {
        throw new Error(`SMS webhook: HTTP ${response.status} ${response.statusText}`.trim());
      }
    },
    close() {},
  };
}
