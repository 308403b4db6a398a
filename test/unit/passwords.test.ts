// src/domain/users/passwords.ts (spec §4.5, §2.4): the complexity policy in upstream's order,
// the 72-byte bcrypt limit, and which imported hashes are accepted.
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import {
  bcryptHasher,
  type ComplexityPolicy,
  checkComplexity,
  checkImportedHash,
  DEFAULT_COMPLEXITY,
  DEFAULT_LOCKOUT,
} from '../../src/domain/users/passwords.js';
import { failureDelayMs } from '../../src/domain/users/user-service.js';

function idOf(check: () => void): string {
  try {
    check();
    return 'ok';
  } catch (error) {
    if (error instanceof DomainError) return error.id;
    throw error;
  }
}

describe('defaults (§8)', () => {
  it('min 8 with lower, upper, number and symbol; lockout off', () => {
    expect(DEFAULT_COMPLEXITY).toEqual({
      minLength: 8,
      hasLowercase: true,
      hasUppercase: true,
      hasNumber: true,
      hasSymbol: true,
    });
    expect(DEFAULT_LOCKOUT).toEqual({ maxPasswordAttempts: 0 });
  });
});

describe('checkComplexity with the default policy', () => {
  it.each([
    ['Password1!', 'ok'],
    ['Aa1!Aa1!', 'ok'],
    // The classes are ASCII (upstream): a non-ASCII letter is a symbol, never a letter.
    ['Passwort1ä', 'ok'], // ä is the symbol
    ['ÄÖÜSTRASSE1!ß', 'DOMAIN-co3Xw'], // ß is not lower case
    ['äöüstrasse1!', 'DOMAIN-VoaRj'], // äöü are not upper case
    ['Äbcdef1!', 'DOMAIN-VoaRj'], // Ä is not upper case
    ['Aa١٢٣٤!x', 'DOMAIN-ZBv4H'], // Arabic-Indic digits are not numbers
    ['Aa1éééé', 'ok'], // é is a symbol
    ['Aa1ÿxxxx', 'ok'],
    ['Aa1 aaaa', 'ok'], // a space is a symbol
    ['', 'DOMAIN-HuJf6'],
    ['Aa1!', 'DOMAIN-HuJf6'],
    ['Aa1!xyz', 'DOMAIN-HuJf6'], // 7 bytes
    ['aaaa', 'DOMAIN-HuJf6'], // length first, before the missing classes
    ['AAAA1111!', 'DOMAIN-co3Xw'],
    ['12345678', 'DOMAIN-co3Xw'], // lower before upper, number, symbol
    ['aaaa1111!', 'DOMAIN-VoaRj'],
    ['aaaaaaaa', 'DOMAIN-VoaRj'], // upper before number and symbol
    ['aaaaAAAA!', 'DOMAIN-ZBv4H'],
    ['aaaaAAAA', 'DOMAIN-ZBv4H'], // number before symbol
    ['aaaaAAAA1', 'DOMAIN-ZDLwA'],
    [`Aa1!${'x'.repeat(68)}`, 'ok'], // 72 bytes
    [`Aa1!${'x'.repeat(69)}`, 'GATEWAY-PWD72'], // 73 bytes
    [`Aa1!${'é'.repeat(35)}`, 'GATEWAY-PWD72'], // 39 characters, 74 bytes
    ['a'.repeat(80), 'DOMAIN-VoaRj'], // the complexity rules come before the byte limit
  ])('%j → %s', (password, expected) => {
    expect(idOf(() => checkComplexity(password, DEFAULT_COMPLEXITY))).toBe(expected);
  });

  it('counts the minimum in UTF-8 bytes: "Aé1!xy" is 7 bytes for 6 characters', () => {
    const min7 = { ...DEFAULT_COMPLEXITY, minLength: 7 };
    expect(idOf(() => checkComplexity('Aé1!xy', min7))).toBe('ok');
    expect(idOf(() => checkComplexity('Aa1!xy', min7))).toBe('DOMAIN-HuJf6');
  });
});

describe('checkComplexity with other policies', () => {
  const none: ComplexityPolicy = {
    minLength: 1,
    hasLowercase: false,
    hasUppercase: false,
    hasNumber: false,
    hasSymbol: false,
  };
  it.each([
    [none, 'x', 'ok'],
    [none, 'X', 'ok'],
    [{ ...none, minLength: 4 }, 'abc', 'DOMAIN-HuJf6'],
    [{ ...none, hasLowercase: true }, 'ABC', 'DOMAIN-co3Xw'],
    [{ ...none, hasUppercase: true }, 'abc', 'DOMAIN-VoaRj'],
    [{ ...none, hasNumber: true }, 'abc', 'DOMAIN-ZBv4H'],
    [{ ...none, hasSymbol: true }, 'abc1', 'DOMAIN-ZDLwA'],
    [{ ...none, hasSymbol: true }, 'abc_', 'ok'],
    [{ ...none, minLength: 100 }, 'a'.repeat(99), 'DOMAIN-HuJf6'],
    [none, 'a'.repeat(73), 'GATEWAY-PWD72'],
  ])('%j: %j → %s', (policy, password, expected) => {
    expect(idOf(() => checkComplexity(password, policy))).toBe(expected);
  });
});

describe('checkImportedHash (bcrypt as Go parses it: CRYPT-r8Qm2, cost bounds CRYPT-5uV9n)', () => {
  const body = 'abcdefghijklmnopqrstuv0123456789ABCDEFGHIJKLMNOPQRSTU'; // 22 salt + 31 checksum
  const message = (check: () => void) => {
    try {
      check();
      return 'ok';
    } catch (error) {
      return (error as Error).message;
    }
  };
  it.each([
    [`$2a$10$${body}`, 'ok'],
    [`$2b$10$${body}`, 'ok'],
    [`$2y$10$${body}`, 'ok'],
    [`$2b$16$${body}`, 'ok'],
    [`$2b$12$${body.replace(/a/g, '.').replace(/b/g, '/')}`, 'ok'],
    // Go's newFromHash: 59 bytes and more; salt and hash are not decoded when parsing.
    [`$2b$10$${body.slice(0, 52)}`, 'ok'], // 59 bytes
    [`$2b$10$${body}x`, 'ok'], // 61 bytes
    [`$2b$10$${body.slice(0, 52)}!`, 'ok'],
    [`$2b$1010${body}`, 'ok'], // the separators after minor and cost are skipped unchecked
    [`$2b$10$${body.slice(0, 51)}`, 'CRYPT-r8Qm2'], // 58 bytes
    ['$2b$10$', 'CRYPT-r8Qm2'],
    // Another algorithm, another bcrypt version, garbage: CRYPT-r8Qm2.
    ['$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo', 'CRYPT-r8Qm2'],
    ['$argon2i$v=19$m=4096,t=3,p=1$c2FsdA$aGFzaA', 'CRYPT-r8Qm2'],
    ['$scrypt$ln=16,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g', 'CRYPT-r8Qm2'],
    ['$7$CU..../....c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2gxMjM0NTY3', 'CRYPT-r8Qm2'],
    ['$1$saltsalt$qjXMvbEw8oaL.CzflDugX/', 'CRYPT-r8Qm2'],
    [`$6$rounds=5000$salt$${body}`, 'CRYPT-r8Qm2'],
    [`$2x$10$${body}`, 'CRYPT-r8Qm2'],
    [`$2$10$${body}x`, 'CRYPT-r8Qm2'],
    [`$2B$10$${body}`, 'CRYPT-r8Qm2'],
    [`$3a$10$${body}`, 'CRYPT-r8Qm2'],
    ['', 'CRYPT-r8Qm2'],
    ['not-a-hash', 'CRYPT-r8Qm2'],
    [`2b$10$${body}$`, 'CRYPT-r8Qm2'],
    // The cost: two bytes through Go's Atoi, 4–31 or unparsable; then upstream's bounds 10–16.
    [`$2b$9$${body}`, 'CRYPT-r8Qm2'], // "9$" is not a number
    [`$2b$1x$${body}`, 'CRYPT-r8Qm2'],
    [`$2b$03$${body}`, 'CRYPT-r8Qm2'], // below Go's MinCost
    [`$2b$32$${body}`, 'CRYPT-r8Qm2'], // above Go's MaxCost
    [`$2b$-1$${body}`, 'CRYPT-r8Qm2'],
    [`$2b$+9$${body}`, 'CRYPT-5uV9n'], // Atoi reads "+9" as 9: parsed, then out of bounds
    [`$2b$09$${body}`, 'CRYPT-5uV9n'],
    [`$2b$17$${body}`, 'CRYPT-5uV9n'],
    [`$2a$04$${body}`, 'CRYPT-5uV9n'],
    [`$2b$31$${body}`, 'CRYPT-5uV9n'],
  ])('%j → %s', (encoded, expected) => {
    expect(idOf(() => checkImportedHash(encoded))).toBe(expected);
  });

  it("answers upstream's English message for Errors.User.Password.Invalid", () => {
    expect(message(() => checkImportedHash('garbage'))).toBe('Password is invalid');
    expect(message(() => checkImportedHash(`$2b$09$${body}`))).toBe('Password is invalid');
  });
});

describe('bcryptHasher', () => {
  it('hashes with the configured cost and verifies; a malformed hash verifies nothing', async () => {
    const hasher = bcryptHasher(4);
    const encoded = await hasher.hash('Password1!');
    expect(encoded).toMatch(/^\$2[aby]\$04\$[./A-Za-z0-9]{53}$/);
    expect(await hasher.verify('Password1!', encoded)).toBe(true);
    expect(await hasher.verify('password1!', encoded)).toBe(false);
    expect(await hasher.verify('Password1!', 'not-a-hash')).toBe(false);
  });
});

describe('failureDelayMs (§4.5: after the n-th failure, floor((n − 5) / 5) s, at most 10 s)', () => {
  it.each([
    [0, 0],
    [5, 0],
    [9, 0],
    [10, 1000],
    [14, 1000],
    [15, 2000],
    [19, 2000],
    [20, 3000],
    [54, 9000],
    [55, 10000],
    [60, 10000],
    [10_000, 10000],
  ])('%i failures → %i ms', (failures, delay) => {
    expect(failureDelayMs(failures)).toBe(delay);
  });
});
