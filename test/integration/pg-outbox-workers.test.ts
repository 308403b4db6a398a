// Outbox delivery with several instances on PostgreSQL: two delivery workers, each with its own
// connection pool on one schema (as two gateway processes have), race for the same rows: every
// row is claimed and sent exactly once. The cases are shared with the SQLite run
// (test/integration/notify-workers.test.ts): test/support/outbox-workers.ts.
import { describe } from 'vitest';
import { openDatabase } from '../../src/db/connection.js';
import { createTestSchema } from '../support/engine.js';
import { outboxWorkerRace } from '../support/outbox-workers.js';

describe('two outbox workers on one PostgreSQL database', () => {
  outboxWorkerRace(async () => {
    const schema = await createTestSchema();
    return { connect: () => openDatabase(schema.url, { poolSize: 3 }), remove: () => schema.drop() };
  });
});
