// Statements on SQLite: precompiled statements (src/db/precompiled.ts), compiled once per shape and
// bound per call, and the rows the driver adapter (src/db/connection.ts) builds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/db/connection.js';
import { precompile } from '../../src/db/precompiled.js';

const handle = openSqlite(':memory:');
// biome-ignore lint/suspicious/noExplicitAny: a scratch table outside the application schema
const db = handle.db as any;
beforeAll(async () => {
  await sql`create table t (id text primary key, a text, b integer, c text)`.execute(handle.db);
});
afterAll(() => handle.close());

describe('precompile', () => {
  it('builds once and binds each call’s values, inside and outside transactions', async () => {
    let builds = 0;
    const insert = precompile((x, p: { id: string; a: string; b: number }) => {
      builds++;
      return (x as typeof db).insertInto('t').values(p);
    });
    const find = precompile((x, p: { id: string }) =>
      (x as typeof db).selectFrom('t').selectAll().where('id', '=', p.id),
    );
    await insert(db, { id: '1', a: 'one', b: 1 });
    await insert(db, { id: '2', a: 'two', b: 2 });
    await handle.db.transaction().execute(async (trx) => {
      await insert(trx, { id: '3', a: 'three', b: 3 });
    });
    expect(builds).toBe(1);
    expect((await find(db, { id: '2' })).rows).toEqual([{ id: '2', a: 'two', b: 2, c: null }]);
    expect((await find(db, { id: '3' })).rows).toEqual([{ id: '3', a: 'three', b: 3, c: null }]);
    expect((await find(db, { id: 'none' })).rows).toEqual([]);
  });

  it('compiles one statement per shape when the SQL depends on the input', async () => {
    await db.insertInto('t').values({ id: 'u', a: 'x', b: 0, c: 'y' }).execute();
    const shapes: string[] = [];
    const update = precompile(
      (x, slots: { a?: string; b?: number; c?: string; where_id: string }) => {
        const { where_id, ...set } = slots;
        shapes.push(Object.keys(set).join(','));
        return (x as typeof db).updateTable('t').set(set).where('id', '=', where_id);
      },
      (params) => Object.keys(params).join(','),
    );
    const r1 = await update(db, { a: 'A', where_id: 'u' });
    await update(db, { b: 7, c: 'C', where_id: 'u' });
    await update(db, { a: 'AA', where_id: 'u' });
    expect(Number(r1.numAffectedRows)).toBe(1);
    expect(Number((await update(db, { a: 'z', where_id: 'missing' })).numAffectedRows)).toBe(0);
    expect(shapes).toEqual(['a', 'b,c']);
    expect(await db.selectFrom('t').selectAll().where('id', '=', 'u').executeTakeFirst()).toEqual({
      id: 'u',
      a: 'AA',
      b: 7,
      c: 'C',
    });
  });

  it('refuses a call that leaves a slot without a value (never binds undefined)', async () => {
    const find = precompile((x, p: { id: string }) =>
      (x as typeof db).selectFrom('t').selectAll().where('id', '=', p.id),
    );
    await find(db, { id: '1' });
    await expect(find(db, {} as { id: string })).rejects.toThrow('precompiled statement: no value for id');
  });
});

describe('SQLite rows', () => {
  it('come back as plain objects keyed by column (a later column of the same name wins), iterable too', async () => {
    await sql`create table dup (id text, a text)`.execute(handle.db);
    await sql`insert into dup values ('1', 'x'), ('2', 'y')`.execute(handle.db);
    const { rows } = await sql<{ id: string; a: string }>`select id, a, a as id from dup order by 1`.execute(handle.db);
    expect(rows).toEqual([
      { id: 'x', a: 'x' },
      { id: 'y', a: 'y' },
    ]);
    const streamed: unknown[] = [];
    for await (const row of db.selectFrom('dup').select(['id', 'a']).orderBy('id').stream()) streamed.push(row);
    expect(streamed).toEqual([
      { id: '1', a: 'x' },
      { id: '2', a: 'y' },
    ]);
  });
});

describe('SQLite statement cache and schema changes', () => {
  it('a migration under a running process (another connection) shows its new columns, none dropped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-schema-'));
    const file = join(dir, 'db.sqlite');
    const live = openSqlite(file);
    try {
      await sql`create table s (id text primary key, a text)`.execute(live.db);
      await sql`insert into s values ('1', 'x')`.execute(live.db);
      // biome-ignore lint/suspicious/noExplicitAny: a scratch table outside the application schema
      const find = precompile((x, p: { id: string }) => (x as any).selectFrom('s').selectAll().where('id', '=', p.id));
      expect((await find(live.db, { id: '1' })).rows).toEqual([{ id: '1', a: 'x' }]);
      const migrator = new SQLite(file);
      migrator.exec("alter table s add column b text default 'new'");
      migrator.close();
      expect((await find(live.db, { id: '1' })).rows).toEqual([{ id: '1', a: 'x', b: 'new' }]);
      // …and on the same connection, a renamed column comes back under its new name
      await sql`alter table s rename column a to c`.execute(live.db);
      expect((await find(live.db, { id: '1' })).rows).toEqual([{ id: '1', c: 'x', b: 'new' }]);
    } finally {
      await live.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
