// src/schema/validation.ts: upstream's protoc-gen-validate messages for the rules issue 14 named.
import { describe, expect, it } from 'vitest';
import { getUserByIdUserIdSchema } from '../../src/schema/validation.js';

/** The first issue's message, or 'ok'. */
function verdict(schema: typeof getUserByIdUserIdSchema, value: unknown): string {
  const result = schema['~standard'].validate(value);
  return 'issues' in result && result.issues ? (result.issues[0]?.message ?? '') : 'ok';
}

describe('GetUserByIDRequest.UserId: 1–200 runes (issue 14.13)', () => {
  const LENGTH = 'invalid GetUserByIDRequest.UserId: value length must be between 1 and 200 runes, inclusive';
  it.each([
    ['1', 'ok'],
    ['x'.repeat(200), 'ok'],
    ['😀'.repeat(200), 'ok'], // runes, not UTF-16 units
    ['', LENGTH],
    ['x'.repeat(201), LENGTH],
    ['😀'.repeat(201), LENGTH],
  ])('%j → %s', (userId, expected) => {
    expect(verdict(getUserByIdUserIdSchema, userId)).toBe(expected);
  });
});
