// Verification codes (spec §4.3, §4.6): 6 characters of A–Z0–9, uniformly random from the
// CSPRNG, valid 1 hour, stored only as a salted SHA-256 and compared in constant time.
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export const CODE_LENGTH = 6;
export const CODE_TTL_MS = 60 * 60 * 1000;

export function generateCode(): string {
  let code = '';
  // randomInt draws without modulo bias.
  for (let i = 0; i < CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/** `salt$sha256(salt || code)`, both hex. */
export function hashCode(code: string): string {
  const salt = randomBytes(16).toString('hex');
  return `${salt}$${digest(salt, code)}`;
}

export function codeMatches(code: string, stored: string): boolean {
  const [salt, expected] = stored.split('$');
  if (!salt || !expected) return false;
  const a = Buffer.from(digest(salt, code), 'hex');
  const b = Buffer.from(expected, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

function digest(salt: string, code: string): string {
  return createHash('sha256').update(salt).update('\0').update(code, 'utf8').digest('hex');
}
