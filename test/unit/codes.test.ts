// src/domain/users/codes.ts (spec §4.3, §4.6, §8): 6 characters of A–Z0–9, valid 1 hour, stored
// as a salted hash, compared in constant time.
import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { CODE_LENGTH, CODE_TTL_MS, codeMatches, generateCode, hashCode } from '../../src/domain/users/codes.js';

vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

describe('generateCode', () => {
  it('makes 6 characters of A–Z0–9, using the whole alphabet', () => {
    expect(CODE_LENGTH).toBe(6);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const code = generateCode();
      expect(code).toMatch(/^[A-Z0-9]{6}$/);
      for (const c of code) seen.add(c);
    }
    // 12 000 draws: every one of the 36 characters shows up (a miss has probability < 1e-140)
    expect([...seen].sort().join('')).toBe('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ');
  });

  it('does not repeat itself', () => {
    const codes = new Set(Array.from({ length: 200 }, generateCode));
    // 200 draws from 36^6 ≈ 2.2e9: a collision has probability < 1e-5
    expect(codes.size).toBe(200);
  });

  it('is valid for one hour', () => {
    expect(CODE_TTL_MS).toBe(60 * 60 * 1000);
  });
});

describe('hashCode / codeMatches', () => {
  it('stores salt and digest, never the code, and salts every hash differently', () => {
    const a = hashCode('K3X9QA');
    const b = hashCode('K3X9QA');
    expect(a).toMatch(/^[0-9a-f]{32}\$[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('K3X9QA');
    expect(a.toUpperCase()).not.toContain('K3X9QA');
  });

  it.each([
    ['K3X9QA', true],
    ['K3X9QB', false],
    ['k3x9qa', false], // case-sensitive
    ['K3X9Q', false],
    ['K3X9QAA', false],
    [' K3X9QA', false],
    ['', false],
  ])('the code K3X9QA matches %j: %s', (candidate, expected) => {
    expect(codeMatches(candidate, hashCode('K3X9QA'))).toBe(expected);
  });

  it.each([[''], ['no-dollar'], ['$'], ['abcd$'], ['$abcd'], ['00$zz']])(
    'a malformed stored value %j matches nothing',
    (stored) => {
      expect(codeMatches('K3X9QA', stored)).toBe(false);
    },
  );

  it('compares digests with timingSafeEqual, for right and wrong codes alike', () => {
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    const stored = hashCode('K3X9QA');
    expect(codeMatches('K3X9QA', stored)).toBe(true);
    expect(codeMatches('ZZZZZZ', stored)).toBe(false);
    expect(spy).toHaveBeenCalledTimes(2);
    for (const [a, b] of spy.mock.calls) {
      expect((a as Buffer).length).toBe(32);
      expect((b as Buffer).length).toBe(32);
    }
  });
});
