// Two delivery workers, each with its own connection to one SQLite file (as two gateway
// processes would have), race for the same rows: every row is claimed and sent exactly once.
// The cases are shared with the PostgreSQL run: test/support/outbox-workers.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { openSqlite } from '../../src/db/connection.js';
import { outboxWorkerRace } from '../support/outbox-workers.js';

// SQLite files of its own: nothing here depends on the harness's database engine.
describe.skipIf(process.env.TEST_ENGINE === 'postgres')('two workers on one SQLite file', () => {
  outboxWorkerRace(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'notify-workers-'));
    const file = join(dir, 'gateway.sqlite');
    return {
      connect: () => openSqlite(file, { synchronous: 'NORMAL' }),
      remove: async () => rmSync(dir, { recursive: true, force: true }),
    };
  });
});
