import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A new bearer token secret: 32 random bytes, base64url. Shown once, stored only as a hash.
 * Never starts with `-`, so `--token <T>` on a command line is not read as an option
 * (one draw in 64 did; drawing again costs 1/64 of a bit of the 256).
 */
export function generateToken(): string {
  for (;;) {
    const token = randomBytes(32).toString('base64url');
    if (!token.startsWith('-')) return token;
  }
}

export function hashToken(token: string): string {
  // One-shot hashing (Node ≥ 20.12): no Hash object per request.
  return hash('sha256', token, 'hex');
}

export function tokenHashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
