import { describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';

describe('newId', () => {
  it('makes numeric ids that strictly increase within a process, in text order too', () => {
    const ids = Array.from({ length: 5000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) {
      expect(BigInt(ids[i] as string) > BigInt(ids[i - 1] as string)).toBe(true);
      expect((ids[i] as string) > (ids[i - 1] as string)).toBe(true);
    }
    expect(ids[0]).toMatch(/^\d{18}$/);
  });
});
