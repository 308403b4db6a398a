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

// PostgreSQL SQLSTATEs meaning "the server cannot serve this now": connection exceptions (08…),
// query canceled (57014, e.g. statement_timeout), admin/crash shutdown and startup (57P01–57P03),
// too many connections (53300), idle-in-transaction timeout (25P03).
const PG_UNAVAILABLE = new Set([
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57014',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '25P03',
]);
// Socket errors when the server cannot be reached or drops the connection.
const NET_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// pg reports its own connection and pool failures as plain Errors with these messages.
const PG_UNAVAILABLE_MESSAGE =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection terminated unexpectedly|Query read timeout|Cannot use a pool after calling end on the pool)/;

/**
 * The database cannot be reached or did not answer in time (PostgreSQL down, refusing, shutting
 * down, a statement or connect timeout; SQLite still locked after its busy timeout): a retryable
 * outage (UNAVAILABLE), not a defect. Looks through AggregateError (both address families
 * refused) and `cause`.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (error === null || typeof error !== 'object' || depth > 3) return false;
  const e = error as DriverError & { errors?: unknown; cause?: unknown };
  if (typeof e.code === 'string') {
    if (PG_UNAVAILABLE.has(e.code) || NET_UNAVAILABLE.has(e.code) || e.code.startsWith('SQLITE_BUSY')) return true;
  }
  if (typeof e.message === 'string' && PG_UNAVAILABLE_MESSAGE.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}
