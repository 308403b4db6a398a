// Opening the configured database (migrated) — shared by the server and the CLI.
import type { Config } from './config.js';
import { type DatabaseHandle, openDatabase } from './db/connection.js';
import { migrateToLatest } from './db/migrator.js';

export async function openMigratedDatabase(config: Config): Promise<{ database: DatabaseHandle; applied: string[] }> {
  const database = openDatabase(config.databaseUrl, {
    synchronous: config.sqliteSynchronous,
    poolSize: config.databasePoolSize,
    timeouts: config.databaseTimeouts,
  });
  try {
    const applied = await migrateToLatest(database.db);
    return { database, applied };
  } catch (error) {
    await database.close();
    throw error;
  }
}
