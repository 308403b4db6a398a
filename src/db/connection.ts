// Opens the database named by DATABASE_URL. SQLite (better-sqlite3) is the embedded default;
// PostgreSQL is selected by a postgres:// URL (see the scale-out issue).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from './types.js';

export interface DatabaseHandle {
  db: Kysely<Database>;
  engine: 'sqlite' | 'postgres';
  /** Cheap liveness probe used by /ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface SqliteOptions {
  /** SQLite `synchronous` pragma: FULL makes an acknowledged commit survive power loss. */
  synchronous?: 'FULL' | 'NORMAL';
}

export function openSqlite(path: string, options: SqliteOptions = {}): DatabaseHandle {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const raw = new SQLite(path);
  raw.pragma('journal_mode = WAL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  raw.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);

  // Kysely's SQLite driver prepares every statement anew; the SQL text of a compiled Kysely
  // query is stable, so caching the prepared statement per text removes that cost.
  const statements = new Map<string, SQLite.Statement>();
  const cached = {
    prepare(sqlText: string) {
      let statement = statements.get(sqlText);
      if (!statement) {
        statement = raw.prepare(sqlText);
        if (statements.size < 500) statements.set(sqlText, statement);
      }
      return statement;
    },
    close() {
      statements.clear();
      raw.close();
    },
  };
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cached }) });
  return {
    db,
    engine: 'sqlite',
    async ping() {
      raw.prepare('select 1').get();
    },
    async close() {
      await db.destroy();
    },
  };
}

export function openDatabase(url: string, options: SqliteOptions = {}): DatabaseHandle {
  if (/^postgres(ql)?:\/\//.test(url)) {
    throw new Error('PostgreSQL is not supported yet; use an SQLite path for DATABASE_URL');
  }
  return openSqlite(url, options);
}
