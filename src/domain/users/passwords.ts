// Password rules (spec §4.5): complexity policy, imported bcrypt hashes, hashing and verifying.
import { compare, hash } from '@node-rs/bcrypt';
import { Errors } from '../errors.js';

export interface ComplexityPolicy {
  minLength: number;
  hasLowercase: boolean;
  hasUppercase: boolean;
  hasNumber: boolean;
  hasSymbol: boolean;
}

export interface LockoutPolicy {
  /** 0 = lockout off. */
  maxPasswordAttempts: number;
}

export const DEFAULT_COMPLEXITY: ComplexityPolicy = Object.freeze({
  minLength: 8,
  hasLowercase: true,
  hasUppercase: true,
  hasNumber: true,
  hasSymbol: true,
});

export const DEFAULT_LOCKOUT: LockoutPolicy = Object.freeze({ maxPasswordAttempts: 0 });

/** bcrypt reads at most 72 bytes; longer passwords would be silently truncated. */
export const BCRYPT_MAX_BYTES = 72;

/**
 * Throws the first failing rule, in the spec's order. Lengths count UTF-8 bytes and the classes
 * are ASCII, as upstream's policy checks them: `ä` counts as a symbol, `ß` is not lower case.
 */
export function checkComplexity(password: string, policy: ComplexityPolicy): void {
  if (Buffer.byteLength(password, 'utf8') < policy.minLength) throw Errors.passwordTooShort();
  if (policy.hasLowercase && !/[a-z]/.test(password)) throw Errors.passwordNoLower();
  if (policy.hasUppercase && !/[A-Z]/.test(password)) throw Errors.passwordNoUpper();
  if (policy.hasNumber && !/[0-9]/.test(password)) throw Errors.passwordNoNumber();
  if (policy.hasSymbol && !/[^A-Za-z0-9]/.test(password)) throw Errors.passwordNoSymbol();
  if (Buffer.byteLength(password, 'utf8') > BCRYPT_MAX_BYTES) throw Errors.passwordTooLong();
}

/** Go's bcrypt parser (`newFromHash`) refuses anything shorter: `$2a$10$` + 22 salt + 30 hash bytes. */
export const BCRYPT_MIN_HASH_BYTES = 59;
/** Imported bcrypt hashes must have a cost in these bounds (upstream's configured limits). */
export const IMPORTED_BCRYPT_COST = Object.freeze({ min: 10, max: 16 });

/**
 * Accepts what upstream's bcrypt verifier accepts for an import: a `$2a`/`$2b`/`$2y` prefix, then
 * Go's `newFromHash` rules — at least 59 bytes, the version byte after the minor skipped, a
 * two-digit cost in Go's 4–31 read at bytes 4–5 (its trailing separator skipped unchecked), the
 * rest salt and hash, not decoded here. A cost outside 10–16 → CRYPT-5uV9n; anything else that
 * does not parse (another algorithm, `$2x$`, `$2$`, garbage) → CRYPT-r8Qm2. Upstream's CRYPT-2xK7d
 * (no configured verifier for the family) is not modelled: bcrypt is the only family here.
 */
export function checkImportedHash(encoded: string): void {
  const bytes = Buffer.from(encoded, 'utf8');
  const minor = bytes[2];
  const isBcrypt = encoded.startsWith('$2') && (minor === 0x61 || minor === 0x62 || minor === 0x79); // a b y
  if (!isBcrypt || bytes.length < BCRYPT_MIN_HASH_BYTES) throw Errors.hashMalformed();
  const cost = goAtoi(bytes.subarray(4, 6).toString('latin1'));
  if (cost === undefined || cost < 4 || cost > 31) throw Errors.hashMalformed(); // bcrypt.InvalidCostError
  if (cost < IMPORTED_BCRYPT_COST.min || cost > IMPORTED_BCRYPT_COST.max) throw Errors.hashCostOutOfBounds();
}

/** Go's strconv.Atoi: optional sign, then decimal digits only. */
function goAtoi(text: string): number | undefined {
  return /^[+-]?[0-9]+$/.test(text) ? Number(text) : undefined;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, encoded: string): Promise<boolean>;
}

/** bcrypt on libuv's thread pool (async), so hashing never blocks the event loop. */
export function bcryptHasher(cost: number): PasswordHasher {
  return {
    hash: (password) => hash(password, cost),
    verify: async (password, encoded) => {
      try {
        return await compare(password, encoded);
      } catch {
        return false;
      }
    },
  };
}
