// Which database engine the tests run on: SQLite in memory (default) or, with
// TEST_ENGINE=postgres, a fresh PostgreSQL schema per harness in TEST_DATABASE_URL.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type DatabaseHandle, openDatabase } from '../../src/db/connection.js';

export type TestEngine = 'sqlite' | 'postgres';
export const TEST_ENGINE: TestEngine = process.env.TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';
export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export function testDatabaseUrl(): string {
  return process.env.TEST_DATABASE_URL || DEFAULT_TEST_DATABASE_URL;
}

/** Answers null when PostgreSQL at `url` takes a query, else the reason it does not. */
export async function postgresUnreachable(url = testDatabaseUrl()): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

export interface TestSchema {
  /** The schema's name (random, `test_…`). */
  name: string;
  /** A connection string whose connections use only this schema (search_path), for processes too. */
  url: string;
  drop(): Promise<void>;
}

/** Creates an empty schema with a random name in the test database. */
export async function createTestSchema(baseUrl = testDatabaseUrl()): Promise<TestSchema> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  await adminQuery(baseUrl, `create schema ${name}`);
  const url = new URL(baseUrl);
  // Tests need no durability: not waiting for the WAL flush on commit makes them several times faster.
  url.searchParams.set('options', `-c search_path=${name} -c synchronous_commit=off`);
  return {
    name,
    url: url.toString(),
    drop: () => adminQuery(baseUrl, `drop schema if exists ${name} cascade`),
  };
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, options: '-c synchronous_commit=off' });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

// Creating and migrating a schema costs ~300 ms on these machines, emptying one ~2 ms: a closed
// harness's schema is emptied and handed to the next harness of this test file; the setup file
// (test/support/postgres-setup.ts) drops the idle ones after the file.
const idleSchemas: TestSchema[] = [];

/** The database a harness runs on; `close()` releases a PostgreSQL schema (emptied, or dropped). */
export async function openTestDatabase(): Promise<{ database: DatabaseHandle; url: string; close(): Promise<void> }> {
  if (TEST_ENGINE === 'sqlite') {
    const database = openDatabase(':memory:');
    return { database, url: ':memory:', close: () => database.close() };
  }
  const schema = idleSchemas.pop() ?? (await createTestSchema());
  const database = openDatabase(schema.url, { poolSize: 4 });
  return {
    database,
    url: schema.url,
    async close() {
      await database.close();
      if (await emptySchema(schema.name)) idleSchemas.push(schema);
      else await schema.drop();
    },
  };
}

/** Deletes every row of the schema's tables, keeping Kysely's migration record. False if it cannot. */
async function emptySchema(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: testDatabaseUrl(), options: '-c synchronous_commit=off' });
  client.on('error', () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ tablename: string }>(
      "select tablename from pg_tables where schemaname = $1 and tablename not like 'kysely\\_%'",
      [name],
    );
    // replica role skips foreign-key triggers, so the order of the deletes does not matter.
    await client.query('begin');
    await client.query('set local session_replication_role = replica');
    for (const { tablename } of rows) await client.query(`delete from ${name}."${tablename}"`);
    await client.query('commit');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Drops the schemas no harness uses any more (after each test file). */
export async function dropIdleSchemas(): Promise<void> {
  for (let schema = idleSchemas.pop(); schema; schema = idleSchemas.pop()) await schema.drop();
}
