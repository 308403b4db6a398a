// Content checks of email and phone (spec §2.4) and the BCP 47 language tag rule (§4.2).
import { parsePhoneNumberWithError } from 'libphonenumber-js';
import { Errors } from '../errors.js';
import { parseAddress } from './net-mail.js';

/**
 * Upstream's content rule: the address must parse as Go's `mail.ParseAddress` does (EMAIL-599BI)
 * and carry no display name, e.g. `Ada <ada@acme.ch>` or `ada@acme.ch (Ada)` (EMAIL-599GV).
 */
export function checkEmail(email: string): void {
  const parsed = parseAddress(email);
  if (!parsed.ok) throw Errors.emailInvalid();
  if (parsed.value.name !== '') throw Errors.emailDisplayName();
}

/** Parses a phone number (default region CH) into E.164; throws PHONE-so0wa. */
export function normalizePhone(phone: string): string {
  try {
    const parsed = parsePhoneNumberWithError(phone, 'CH');
    if (!parsed.isPossible()) throw new Error('impossible number');
    return parsed.number;
  } catch {
    throw Errors.phoneInvalid();
  }
}

/**
 * `preferredLanguage` as upstream reads it with golang.org/x/text/language: `_` separates subtags
 * like `-` (`de_CH` → `de-CH`), subtags take canonical case (`zh-hant-tw` → `zh-Hant-TW`),
 * deprecated codes their replacement (`iw` → `he`), and anything ill-formed becomes `und`, never
 * an error. Not carried over (ICU's canonicalization decides, not x/text's registry): a
 * well-formed but unregistered subtag (`xx`) stays where x/text answers `und`, CLDR aliases
 * apply (`tl` → `fil`), and private-use or grandfathered tags (`x-foo`, `i-klingon`) become `und`.
 */
export function normalizeLanguage(tag: string | undefined): string | undefined {
  if (tag === undefined) return undefined;
  try {
    const [canonical] = Intl.getCanonicalLocales(tag.replaceAll('_', '-'));
    return canonical ?? 'und';
  } catch {
    return 'und';
  }
}
