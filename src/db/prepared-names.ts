// PostgreSQL: statements prepared once per connection under a name (the server keeps the parse
// and the plan), for the few statements every update sends. Without a name, pg sends each query
// as an unnamed statement that the server parses and plans anew on every call: for the update's
// one-statement write (data-modifying CTEs, ./../domain/users/one-statement-write.ts) planning cost
// more than the three round trips it saved (measured on this machine with synchronous_commit=off,
// one connection: unnamed ~550 µs, BEGIN/UPDATE/INSERT/COMMIT ~400 µs, named ~150 µs per write).
//
// The name travels in the statement's text, as a leading comment (`/* prepared gw_<hash> */ …`),
// so there is no registry: the connection (./connection.ts) reads it off the text, and the same
// text always has the same name. Mark only statements built once (per shape) and whose result
// columns are spelled out (a prepared `select *` would fail with "cached plan must not change
// result type" after another instance's migration added a column).
import { createHash } from 'node:crypto';

const MARK = '/* prepared ';
const END = ' */ ';

/** `text` marked to go as a named, per-connection prepared statement (call once per statement: it hashes). */
export function preparedText(text: string): string {
  if (text.startsWith(MARK)) return text;
  const name = `gw_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
  return `${MARK}${name}${END}${text}`;
}

/** The prepared statement name a text carries (see `preparedText`), if any. */
export function preparedNameOf(text: string): string | undefined {
  if (!text.startsWith(MARK)) return undefined;
  const end = text.indexOf(END, MARK.length);
  return end > 0 ? text.slice(MARK.length, end) : undefined;
}
