// Error messages as data (src/i18n): every translated catalogue entry has its English text equal
// to the catalogue's, every language has every key, and Accept-Language is ranked by quality.
import { describe, expect, it } from 'vitest';
import { Errors } from '../../src/domain/errors.js';
import { MESSAGE_KEYS, requestedLanguages, TEXTS, translatedMessage } from '../../src/i18n/messages.js';

describe('message texts', () => {
  it('English is the catalogue’s text; German has every key', () => {
    for (const [name, key] of Object.entries(MESSAGE_KEYS)) {
      const error = Errors[name as keyof typeof Errors]();
      expect([name, TEXTS.en?.[key as keyof typeof TEXTS.en]]).toEqual([name, error.message]);
    }
    expect(Object.keys(TEXTS.de ?? {}).sort()).toEqual(Object.keys(TEXTS.en ?? {}).sort());
  });

  it('picks the first requested language with texts, else English; unknown names are kept', () => {
    expect(translatedMessage('userNotFound', ['fr', 'de'])).toBe('Benutzer konnte nicht gefunden werden');
    expect(translatedMessage('userNotFound', ['fr'])).toBe('User could not be found');
    expect(translatedMessage('passwordTooLong', ['de'])).toBeUndefined();
  });
});

describe('requestedLanguages', () => {
  it.each([
    [null, undefined, []],
    ['de-CH', undefined, ['de']],
    ['fr;q=0.4, de-CH;q=0.9, en;q=0.5', undefined, ['de', 'en', 'fr']],
    ['*, en;q=0', undefined, []],
    ['en', 'de_CH', ['de', 'en']],
  ])('%j (preferred %j) → %j', (header, preferred, expected) => {
    expect(requestedLanguages(header, preferred)).toEqual(expected);
  });
});
