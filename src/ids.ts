// Identifiers and time, passed in as dependencies so tests can fix them.
import { randomBytes } from 'node:crypto';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export type IdGenerator = () => string;

/**
 * ZITADEL-style numeric ids: milliseconds since 2020 in the high bits, 22 random bits below,
 * so ids sort roughly by creation and two processes practically never collide.
 */
export const newId: IdGenerator = () => {
  const time = BigInt(Date.now() - Date.UTC(2020, 0, 1));
  const random = BigInt(randomBytes(4).readUInt32BE(0) & 0x3fffff);
  return ((time << 22n) | random).toString();
};
