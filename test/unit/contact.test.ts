// src/domain/users/contact.ts (spec §2.4, §4.2): email syntax (EMAIL-599BI), phone numbers to
// E.164 with default region CH (PHONE-so0wa), and BCP 47 language tags (never an error).
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { checkEmail, normalizeLanguage, normalizePhone } from '../../src/domain/users/contact.js';

function attempt<T>(run: () => T): T | string {
  try {
    return run();
  } catch (error) {
    if (error instanceof DomainError) return `${error.id}: ${error.message}`;
    throw error;
  }
}

const EMAIL_INVALID = 'EMAIL-599BI: Email is invalid';
const PHONE_INVALID = 'PHONE-so0wa: Phone is invalid';

describe('checkEmail (Go net/mail, then no display name)', () => {
  it.each([
    'alice@example.com',
    'Mixed.Case@Acme.CH',
    'first.last+tag@sub.domain.example',
    "o'brien@example.ie",
    'x@localhost',
    'a_b-c@x-y.ch',
    '"john doe"@acme.ch', // quoted local part
    '"quoted"@b.ch',
    'jöhn@acme.ch', // UTF-8 in the local part
    'a@[127.0.0.1]', // Go parses IP domain-literals (the shape rule refuses them, not this one)
    '<a@b.ch>', // angle-addr without a name: the name is empty
    '  a@b.ch  ',
    'a@b.ch (  )', // an empty comment is an empty name
    'g: a@b.ch;', // a group with one address
  ])('%j is valid', (email) => {
    expect(attempt(() => checkEmail(email))).toBeUndefined();
  });

  it.each(['Ada <ada@acme.ch>', '"Ada L." <ada@acme.ch>', 'ada@acme.ch (Ada)'])(
    '%j has a display name → EMAIL-599GV',
    (email) => {
      expect(attempt(() => checkEmail(email))).toBe('EMAIL-599GV: Email is invalid');
    },
  );

  it.each([
    'plainaddress',
    '@b.ch',
    'a@',
    'a@b@c.ch',
    'a b@c.ch',
    'a..b@c.ch',
    '.a@c.ch',
    'a.@c.ch',
    'a@b..ch',
    'a@[1.2.3]',
    '""@b.ch',
    '"a@b.ch',
    'Ada <ada@acme.ch',
    'a@b.ch, c@d.ch',
    'g:;',
    'g: a@b.ch, c@d.ch;',
    'a@b.ch (unclosed',
    '',
  ])('%j → EMAIL-599BI', (email) => {
    expect(attempt(() => checkEmail(email))).toBe(EMAIL_INVALID);
  });
});

describe('normalizePhone', () => {
  it.each([
    ['079 123 45 67', '+41791234567'],
    ['0791234567', '+41791234567'],
    ['+41 79 123 45 67', '+41791234567'],
    ['+41791234567', '+41791234567'],
    ['0041 79 123 45 67', '+41791234567'],
    ['044 668 18 00', '+41446681800'],
    ['+49 30 1234567', '+49301234567'],
    ['+1 202-555-0143', '+12025550143'],
  ])('%j → %j', (input, e164) => {
    expect(attempt(() => normalizePhone(input))).toBe(e164);
  });

  it.each(['garbage', '12', '079-ABC-DE-FG', '+41 79 123 45 67 89 01 23', '+', '++41791234567'])(
    '%j → PHONE-so0wa',
    (input) => {
      expect(attempt(() => normalizePhone(input))).toBe(PHONE_INVALID);
    },
  );
});

describe('normalizeLanguage', () => {
  it.each([
    [undefined, undefined],
    ['', 'und'],
    ['de', 'de'],
    ['EN', 'en'],
    ['de-ch', 'de-CH'],
    ['zh-hant-tw', 'zh-Hant-TW'],
    ['und', 'und'],
    ['not a tag', 'und'],
    ['1234', 'und'],
    ['de-', 'und'],
    // x/text accepts `_` as a separator (issue 14.5): same tag, canonical case.
    ['de_CH', 'de-CH'],
    ['de_ch', 'de-CH'],
    ['EN_us', 'en-US'],
    ['zh_hant_tw', 'zh-Hant-TW'],
    ['sr_Latn-rs', 'sr-Latn-RS'],
    ['iw', 'he'], // deprecated code → its replacement
    ['de_', 'und'],
    ['_de', 'und'],
    ['de__CH', 'und'],
    ['de-_CH', 'und'],
    ['de_CH_', 'und'],
    ['x-foo', 'und'],
  ])('%j → %j', (tag, normalized) => {
    expect(normalizeLanguage(tag)).toBe(normalized);
  });
});
