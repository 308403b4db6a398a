// Group commit on SQLite (src/db/group-commit.ts): writes queued together share one transaction,
// each is atomic on its own, and none is acknowledged before its COMMIT.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { sql, type Transaction } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openSqlite } from '../../src/db/connection.js';
import { groupCommit, type Transact } from '../../src/db/group-commit.js';
import type { Database } from '../../src/db/types.js';

let dir: string;
let handle: DatabaseHandle;
/** A second connection to the same file: it sees only committed data. */
let observer: SQLite.Database;
let batches: number[];
let transact: Transact;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gw-group-commit-'));
  const file = join(dir, 'db.sqlite');
  handle = openSqlite(file);
  await sql`create table items (id integer primary key, name text not null unique)`.execute(handle.db);
  await sql`create table parents (id integer primary key)`.execute(handle.db);
  await sql`create table children (id integer primary key, parent integer not null references parents(id) deferrable initially deferred)`.execute(
    handle.db,
  );
  observer = new SQLite(file, { readonly: true });
  batches = [];
  transact = groupCommit(handle.db, { onBatch: (size) => batches.push(size) });
});
afterEach(async () => {
  observer.close();
  await handle.close();
  rmSync(dir, { recursive: true, force: true });
});

const insert = (trx: Transaction<Database>, id: number, name: string) =>
  sql`insert into items (id, name) values (${id}, ${name})`.execute(trx);
const committed = () =>
  (observer.prepare('select id, name from items order by id').all() as { id: number }[]).map((r) => r.id);
const settle = (p: Promise<unknown>) =>
  p.then(
    (value) => ({ value }),
    (error: Error) => ({ error: error.message }),
  );

describe('groupCommit', () => {
  it('runs writes queued in the same turn in one transaction, answering each with its own value', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        transact(async (trx) => {
          await insert(trx, i + 1, `n${i}`);
          return `row ${i + 1}`;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 10 }, (_, i) => `row ${i + 1}`));
    expect(batches).toEqual([10]);
    expect(committed()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('acknowledges a write only once it is committed (visible to another connection)', async () => {
    const seenDuringWork: number[][] = [];
    const seenAtAnswer: number[][] = [];
    await Promise.all(
      [1, 2].map((id) =>
        transact(async (trx) => {
          await insert(trx, id, `n${id}`);
          seenDuringWork.push(committed());
        }).then(() => seenAtAnswer.push(committed())),
      ),
    );
    expect(seenDuringWork).toEqual([[], []]);
    expect(seenAtAnswer).toEqual([
      [1, 2],
      [1, 2],
    ]);
  });

  it('rolls back a failing write alone; the rest of its batch commits', async () => {
    const outcomes = await Promise.all([
      settle(transact((trx) => insert(trx, 1, 'a').then(() => 'a'))),
      settle(
        transact(async (trx) => {
          await insert(trx, 2, 'b');
          throw new Error('rule broken after writing');
        }),
      ),
      // A unique violation half-way through: its first insert goes too.
      settle(
        transact(async (trx) => {
          await insert(trx, 3, 'c');
          await insert(trx, 4, 'a');
          return 'never';
        }),
      ),
      settle(transact((trx) => insert(trx, 5, 'e').then(() => 'e'))),
    ]);
    expect(outcomes).toEqual([
      { value: 'a' },
      { error: 'rule broken after writing' },
      { error: expect.stringContaining('UNIQUE constraint failed: items.name') },
      { value: 'e' },
    ]);
    expect(batches).toEqual([4]);
    expect(committed()).toEqual([1, 5]);
  });

  it('rolls back and rejects a lone failing write (a batch of one)', async () => {
    const outcome = await settle(
      transact(async (trx) => {
        await insert(trx, 1, 'a');
        throw new Error('rule broken after writing');
      }),
    );
    expect(outcome).toEqual({ error: 'rule broken after writing' });
    expect(batches).toEqual([]);
    expect(committed()).toEqual([]);
    await transact((trx) => insert(trx, 2, 'b'));
    expect(batches).toEqual([1]);
    expect(committed()).toEqual([2]);
  });

  it('fails every write of a batch whose COMMIT fails, and writes none of them', async () => {
    await sql`insert into parents (id) values (1)`.execute(handle.db);
    const outcomes = await Promise.all([
      settle(transact((trx) => insert(trx, 1, 'a'))),
      // Deferred foreign key: the statement passes, the COMMIT refuses.
      settle(transact((trx) => sql`insert into children (id, parent) values (1, 99)`.execute(trx))),
      settle(transact((trx) => sql`insert into children (id, parent) values (2, 1)`.execute(trx))),
    ]);
    expect(outcomes).toEqual([
      { error: expect.stringContaining('FOREIGN KEY constraint failed') },
      { error: expect.stringContaining('FOREIGN KEY constraint failed') },
      { error: expect.stringContaining('FOREIGN KEY constraint failed') },
    ]);
    expect(batches).toEqual([]);
    expect(committed()).toEqual([]);
    expect(observer.prepare('select count(*) as n from children').get()).toEqual({ n: 0 });
    // The connection is usable again afterwards.
    await transact((trx) => insert(trx, 7, 'g'));
    expect(committed()).toEqual([7]);
  });

  it('splits a long queue into batches of at most maxBatch', async () => {
    const small = groupCommit(handle.db, { maxBatch: 2, onBatch: (size) => batches.push(size) });
    await Promise.all([1, 2, 3, 4, 5].map((id) => small((trx) => insert(trx, id, `n${id}`))));
    expect(batches).toEqual([2, 2, 1]);
    expect(committed()).toEqual([1, 2, 3, 4, 5]);
  });

  it('queues writes that arrive during a flush for the next batch', async () => {
    const late: Promise<unknown>[] = [];
    await transact(async (trx) => {
      await insert(trx, 1, 'a');
      // Arrives while this batch is running.
      late.push(
        transact((t) => insert(t, 2, 'b')),
        transact((t) => insert(t, 3, 'c')),
      );
    });
    await Promise.all(late);
    expect(batches).toEqual([1, 2]);
    expect(committed()).toEqual([1, 2, 3]);
  });
});
