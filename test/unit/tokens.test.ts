import { describe, expect, it } from 'vitest';
import { generateToken, hashToken, tokenHashesEqual } from '../../src/domain/auth/tokens.js';

describe('generateToken', () => {
  it('never starts with "-", so `--token <T>` on a command line is a value, not an option', () => {
    // With plain base64url one token in 64 starts with "-": 4,000 draws all but surely include one.
    const tokens = Array.from({ length: 4000 }, generateToken);
    expect(tokens.filter((t) => t.startsWith('-'))).toEqual([]);
    expect(new Set(tokens).size).toBe(tokens.length);
    for (const t of tokens.slice(0, 50)) expect(t).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{42}$/);
  });

  it('is stored as a SHA-256 hex digest compared in constant time', () => {
    const t = generateToken();
    expect(hashToken(t)).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenHashesEqual(hashToken(t), hashToken(t))).toBe(true);
    expect(tokenHashesEqual(hashToken(t), hashToken(`${t}x`))).toBe(false);
  });
});
