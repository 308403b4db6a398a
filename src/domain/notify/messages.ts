// What a notification says: subject, plain text and HTML for e-mail, one line for SMS, in the
// recipient's preferred language where we have it (English and German; English otherwise).
// The link is the caller's rendered custom template (payload.url) or the configured default
// template rendered with the user id, the code and the organization id.
import { renderUrlTemplate } from '../users/url-template.js';
import type { OutboxMessage } from './outbox-repository.js';

export type Language = 'en' | 'de';

export interface DefaultTemplates {
  emailVerifyUrlTemplate: string;
  passwordResetUrlTemplate: string;
}

export interface EmailMessage {
  channel: 'email';
  /** Outbox id: the idempotency key (Message-ID) of every attempt. */
  id: string;
  to: string;
  language: Language;
  subject: string;
  text: string;
  html: string;
  /** The link in the message (contains the code). */
  url: string;
}

export interface SmsMessage {
  channel: 'sms';
  id: string;
  to: string;
  language: Language;
  text: string;
}

export type OutboundMessage = EmailMessage | SmsMessage;

/** A row that can never be delivered as stored (no code, unknown kind): retrying cannot help. */
export class UndeliverableError extends Error {}

/** `de`, `de-CH`, `de_AT` → German; anything else (including `und`) → English. */
export function pickLanguage(tag: string): Language {
  return /^de(?:[-_]|$)/i.test(tag) ? 'de' : 'en';
}

interface EmailTexts {
  subject: string;
  intro: string;
  action: string;
  codeLine: (code: string) => string;
  ignore: string;
}

const EMAIL_TEXTS: Record<'email_verification' | 'password_reset', Record<Language, EmailTexts>> = {
  email_verification: {
    en: {
      subject: 'Verify your email address',
      intro: 'Please confirm that this is your email address.',
      action: 'Verify email address',
      codeLine: (code) => `Or enter this code: ${code}`,
      ignore: 'If you did not request this, you can ignore this message.',
    },
    de: {
      subject: 'Bestätigen Sie Ihre E-Mail-Adresse',
      intro: 'Bitte bestätigen Sie, dass dies Ihre E-Mail-Adresse ist.',
      action: 'E-Mail-Adresse bestätigen',
      codeLine: (code) => `Oder geben Sie diesen Code ein: ${code}`,
      ignore: 'Wenn Sie dies nicht angefordert haben, können Sie diese Nachricht ignorieren.',
    },
  },
  password_reset: {
    en: {
      subject: 'Reset your password',
      intro: 'We received a request to reset the password of your account.',
      action: 'Set a new password',
      codeLine: (code) => `Or enter this code: ${code}`,
      ignore: 'If you did not request this, you can ignore this message; your password stays unchanged.',
    },
    de: {
      subject: 'Setzen Sie Ihr Passwort zurück',
      intro: 'Wir haben eine Anfrage erhalten, das Passwort Ihres Kontos zurückzusetzen.',
      action: 'Neues Passwort festlegen',
      codeLine: (code) => `Oder geben Sie diesen Code ein: ${code}`,
      ignore:
        'Wenn Sie dies nicht angefordert haben, können Sie diese Nachricht ignorieren; Ihr Passwort bleibt unverändert.',
    },
  },
};

const SMS_TEXTS: Record<Language, (code: string) => string> = {
  en: (code) => `Your verification code is ${code}`,
  de: (code) => `Ihr Bestätigungscode lautet ${code}`,
};

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function renderMessage(message: OutboxMessage, templates: DefaultTemplates): OutboundMessage {
  const code = message.payload.code;
  if (!code) throw new UndeliverableError('the outbox row has no code to deliver');
  const language = pickLanguage(message.language);
  if (message.channel === 'sms') {
    return { channel: 'sms', id: message.id, to: message.recipient, language, text: SMS_TEXTS[language](code) };
  }
  if (message.kind !== 'email_verification' && message.kind !== 'password_reset') {
    throw new UndeliverableError(`no e-mail text for ${message.kind}`);
  }
  const template =
    message.kind === 'email_verification' ? templates.emailVerifyUrlTemplate : templates.passwordResetUrlTemplate;
  const url =
    message.payload.url ?? renderUrlTemplate(template, { UserID: message.userId, Code: code, OrgID: message.orgId });
  const t = EMAIL_TEXTS[message.kind][language];
  const text = [t.intro, '', `${t.action}: ${url}`, '', t.codeLine(code), '', t.ignore, ''].join('\n');
  const html = [
    '<!doctype html>',
    `<html lang="${language}"><body>`,
    `<p>${escapeHtml(t.intro)}</p>`,
    `<p><a href="${escapeHtml(url)}">${escapeHtml(t.action)}</a></p>`,
    `<p>${escapeHtml(t.codeLine(code))}</p>`,
    `<p>${escapeHtml(t.ignore)}</p>`,
    '</body></html>',
    '',
  ].join('\n');
  return { channel: 'email', id: message.id, to: message.recipient, language, subject: t.subject, text, html, url };
}
