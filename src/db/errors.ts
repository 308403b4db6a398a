// The one place that reads driver errors: SQLite (better-sqlite3) and PostgreSQL (pg) report the
// same failures differently. Callers ask in portable terms (which unique constraint, retryable?).

interface DriverError {
  code?: unknown;
  message?: unknown;
  /** pg: the violated constraint or unique index name. */
  constraint?: unknown;
}

// SQLite names the columns of a violated unique index ("UNIQUE constraint failed: users.username_key"),
// not the index: these are the names PostgreSQL reports for the same indexes (db/migrations).
const SQLITE_UNIQUE_COLUMNS: Record<string, string> = {
  'users.username_key': 'users_username_key',
  'user_events.user_id, user_events.sequence': 'user_events_pk',
  'org_domains.domain': 'org_domains_pkey',
  'access_tokens.token_hash': 'access_tokens_token_hash_key',
};

/**
 * The unique index or constraint a failed write violated (PostgreSQL's name for it, e.g.
 * `users_username_key`), or undefined when the error is not a unique violation.
 */
export function violatedUniqueConstraint(error: unknown): string | undefined {
  const e = (error ?? {}) as DriverError;
  if (e.code === '23505') return typeof e.constraint === 'string' ? e.constraint : '';
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const columns = /constraint failed: (.*)$/.exec(String(e.message))?.[1] ?? '';
    return SQLITE_UNIQUE_COLUMNS[columns] ?? columns;
  }
  return undefined;
}

export function isUniqueViolation(error: unknown): boolean {
  return violatedUniqueConstraint(error) !== undefined;
}

/**
 * A transaction the database aborted because of concurrent transactions (PostgreSQL
 * serialization failure 40001 or deadlock 40P01): nothing was written and running it again
 * from a fresh read is safe.
 */
export function isTransientConflict(error: unknown): boolean {
  const code = (error as DriverError | undefined)?.code;
  return code === '40001' || code === '40P01';
}
