// src/schema/validation.ts: upstream's protoc-gen-validate messages for the rules issue 14 named.
import { describe, expect, it } from 'vitest';
import { emailShapeReason, getUserByIdUserIdSchema } from '../../src/schema/validation.js';

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

describe('email: true (PGV over Go net/mail, issue 14.4)', () => {
  const local64 = 'a'.repeat(64);
  const label63 = 'h'.repeat(63);
  it.each([
    ['ada@acme.ch', undefined],
    ['"john doe"@acme.ch', undefined],
    ['jöhn@acme.ch', undefined],
    ['Ada <ada@acme.ch>', undefined], // the display name is the domain rule's business
    ['ADA@ACME.CH', undefined], // host labels are compared lower-cased
    ['ada@acme.ch.', "mail: missing '@' or angle-addr"], // Go's atom refuses the trailing dot
    [`${local64}@acme.ch`, undefined],
    [`${'ö'.repeat(32)}@acme.ch`, undefined], // 64 bytes
    [`a@${label63}.ch`, undefined],
    [`${local64}@${`${label63}.`.repeat(2)}${'h'.repeat(58)}.ch`, undefined], // 254 bytes
    ['plainaddress', "mail: missing '@' or angle-addr"],
    ['a@b..ch', "mail: missing '@' or angle-addr"], // the addr-spec error is dropped for the fallback
    ['<a@b..ch>', 'mail: double dot in atom'],
    [`${'a'.repeat(65)}@acme.ch`, 'email address local phrase cannot exceed 64 characters'],
    [`${'ö'.repeat(32)}x@acme.ch`, 'email address local phrase cannot exceed 64 characters'], // 65 bytes
    [`${local64}@${`${label63}.`.repeat(2)}${'h'.repeat(59)}.ch`, 'email addresses cannot exceed 254 characters'],
    [`a@${'h'.repeat(64)}.ch`, 'hostname part must be non-empty and cannot exceed 63 characters'],
    ['a@[1.2.3.4]', 'hostname parts can only contain alphanumeric characters or hyphens, got "["'],
    ['a@-acme.ch', 'hostname parts cannot begin with hyphens'],
    ['a@acme-.ch', 'hostname parts cannot end with hyphens'],
    ['a@ac_me.ch', 'hostname parts can only contain alphanumeric characters or hyphens, got "_"'],
    ['a@acmé.ch', 'hostname parts can only contain alphanumeric characters or hyphens, got "é"'],
  ])('%j → %j', (email, reason) => {
    expect(emailShapeReason(email)).toBe(reason);
  });
});
