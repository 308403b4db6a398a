// Content checks of email and phone (spec §2.4) and the BCP 47 language tag rule (§4.2).
import { parsePhoneNumberWithError } from 'libphonenumber-js';
import { Errors } from '../errors.js';

// ZITADEL's domain check: a bare addr-spec; display names, quoted local parts and IP
// literals are rejected.
const EMAIL_RE =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

export function checkEmail(email: string): void {
  if (!EMAIL_RE.test(email)) throw Errors.emailInvalid();
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

/** A well-formed BCP 47 tag stays as given (canonical case); anything else becomes `und`. */
export function normalizeLanguage(tag: string | undefined): string | undefined {
  if (tag === undefined) return undefined;
  if (tag === '') return 'und';
  try {
    const [canonical] = Intl.getCanonicalLocales(tag);
    return canonical ?? 'und';
  } catch {
    return 'und';
  }
}
