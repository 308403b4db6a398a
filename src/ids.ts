// Identifiers and time, passed in as dependencies so tests can fix them.
import { randomBytes } from 'node:crypto';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export type IdGenerator = () => string;

let lastId = 0n;

/**
 * ZITADEL-style numeric ids: milliseconds since 2020 in the high bits, 22 random bits below, so
 * two processes practically never collide; strictly increasing within a process, so ids made by
 * one instance sort in creation order (all have 18 digits until 2034, so text order agrees).
 */
export const newId: IdGenerator = () => {
  const time = BigInt(Date.now() - Date.UTC(2020, 0, 1));
  const random = BigInt(randomBytes(4).readUInt32BE(0) & 0x3fffff);
  let id = (time << 22n) | random;
  if (id <= lastId) id = lastId + 1n;
  lastId = id;
  return id.toString();
};
