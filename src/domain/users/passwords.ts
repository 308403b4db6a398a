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

const BCRYPT_MCF = /^\$(2[aby])\$(\d{2})\$([./A-Za-z0-9]{53})$/;

/** Accepts only bcrypt in Modular Crypt Format with cost 10–16 (CRYPT-2xK7d/-5uV9n/-r8Qm2). */
export function checkImportedHash(encoded: string): void {
  const prefix = /^\$([^$]*)\$/.exec(encoded)?.[1];
  if (prefix === undefined) throw Errors.hashMalformed();
  if (prefix !== '2a' && prefix !== '2b' && prefix !== '2y') throw Errors.hashUnsupported();
  const match = BCRYPT_MCF.exec(encoded);
  if (!match) throw Errors.hashMalformed();
  const cost = Number(match[2]);
  if (cost < 10 || cost > 16) throw Errors.hashCostOutOfBounds();
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
