// Identifiers and time, passed in as dependencies so tests can fix them.
import { randomBytes } from 'node:crypto';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export type IdGenerator = () => string;

/**
 * ZITADEL-style numeric ids: milliseconds since 2020 in the high bits, 22 random bits below, so
 * two processes practically never collide; strictly increasing per generator, so ids made by one
 * instance sort in creation order (all have 18 digits until 2034, so text order agrees). The
 * generator belongs to whoever creates it (the app in main.ts, the CLI run, a test): there is no
 * module-level state, and components that must agree on order share one generator.
 */
export function createIdGenerator(): IdGenerator {
  let lastId = 0n;
  return () => {
    const time = BigInt(Date.now() - Date.UTC(2020, 0, 1));
    const random = BigInt(randomBytes(4).readUInt32BE(0) & 0x3fffff);
    let id = (time << 22n) | random;
    if (id <= lastId) id = lastId + 1n;
    lastId = id;
    return id.toString();
  };
}
