import { describe, expect, it } from 'vitest';
import { createIdGenerator } from '../../src/ids.js';

describe('createIdGenerator', () => {
  it('makes numeric ids that strictly increase per generator, in text order too', () => {
    const newId = createIdGenerator();
    const ids = Array.from({ length: 5000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) {
      expect(BigInt(ids[i] as string) > BigInt(ids[i - 1] as string)).toBe(true);
      expect((ids[i] as string) > (ids[i - 1] as string)).toBe(true);
    }
    expect(ids[0]).toMatch(/^\d{18}$/);
  });
});
