// The record of migrations, in order. An in-code provider (not the file provider) so that the
// same list works under tsx, vitest and a bundler. Never edit a shipped migration: add one.
import type { Migration } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-rate-limit-hits.js';

export const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-rate-limit-hits': m0002,
};
