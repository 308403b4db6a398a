// Real delivery peers on loopback for the notify-*.test.ts files: an SMTP server (smtp-server)
// that records or refuses mail, and an HTTP server standing in for the SMS webhook.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { createLogger } from '../../src/logger.js';

export interface ReceivedMail {
  from: string;
  to: string[];
  parsed: ParsedMail;
  messageId: string | undefined;
  /** The SMTP AUTH user, if the client logged in. */
  user: unknown;
}

export interface SmtpPeerOptions {
  /** Refuse the n-th RCPT TO (1-based) with this SMTP reply; undefined = accept. */
  refuse?: (attempt: number) => { code: number; text: string } | undefined;
  /** Called when a message's data starts; the reply waits until the returned promise settles. */
  beforeReply?: () => Promise<void>;
}

export async function startSmtpPeer(options: SmtpPeerOptions = {}) {
  const mails: ReceivedMail[] = [];
  let rcptAttempts = 0;
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username });
    },
    onRcptTo(_address, _session, callback) {
      rcptAttempts++;
      const refusal = options.refuse?.(rcptAttempts);
      if (refusal) {
        const error = Object.assign(new Error(refusal.text), { responseCode: refusal.code });
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', async () => {
        try {
          await options.beforeReply?.();
          const parsed = await simpleParser(Buffer.concat(chunks));
          mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            parsed,
            messageId: parsed.messageId,
            user: session.user,
          });
          callback();
        } catch (error) {
          callback(error as Error);
        }
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    mails,
    get rcptAttempts() {
      return rcptAttempts;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface WebhookRequest {
  method: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** `answer` decides per request (1-based); it may leave the response open to force a timeout. */
export async function startWebhookPeer(answer: (n: number, res: ServerResponse) => void) {
  const requests: WebhookRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', headers: req.headers, body: text ? JSON.parse(text) : undefined });
      answer(requests.length, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/sms`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A logger whose JSON lines are kept for assertions. */
export function captureLogger() {
  const lines: string[] = [];
  const logger = createLogger('trace', { write: (line: string) => void lines.push(line) });
  return { logger, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
