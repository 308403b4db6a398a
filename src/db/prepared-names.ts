// PostgreSQL: statements prepared once per connection under a name (the server keeps the parse
// and the plan), for the few statements every update sends. Without a name, pg sends each query
// as an unnamed statement that the server parses and plans anew on every call: for the update's
// one-statement write (data-modifying CTEs, ./../domain/users/one-statement-write.ts) planning cost
// more than the three round trips it saved (measured on this machine with synchronous_commit=off,
// one connection: unnamed ~550 µs, BEGIN/UPDATE/INSERT/COMMIT ~400 µs, named ~150 µs per write).
//
// Only texts registered here are named, so the set stays small and bounded; register only
// statements whose result columns are spelled out (a prepared `select *` would fail with "cached
// plan must not change result type" after another instance's migration added a column).
const names = new Map<string, string>();
const LIMIT = 300;

/** Marks `text` to be sent as a named, per-connection prepared statement from now on. */
export function prepareByName(text: string): void {
  if (!names.has(text) && names.size < LIMIT) names.set(text, `gw_${names.size}`);
}

/** The prepared statement name of `text`, if it was registered. */
export function preparedNameOf(text: string): string | undefined {
  return names.get(text);
}
