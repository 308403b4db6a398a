// Which driver errors mean "the database is unavailable" (UNAVAILABLE, 503) rather than a defect.
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/db/errors.js';

const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['connection refused', coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['both address families refused', new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')])],
    ['a reset connection', coded('ECONNRESET')],
    ["pg's terminated connection", new Error('Connection terminated unexpectedly')],
    ["pg's connect timeout", new Error('timeout exceeded when trying to connect')],
    ['statement timeout (57014)', coded('57014', 'canceling statement due to statement timeout')],
    ['admin shutdown (57P01)', coded('57P01', 'terminating connection due to administrator command')],
    ['the server starting up (57P03)', coded('57P03')],
    ['a connection failure (08006)', coded('08006')],
    ['too many connections (53300)', coded('53300')],
    ['idle-in-transaction timeout (25P03)', coded('25P03')],
    ['SQLite busy after its timeout', coded('SQLITE_BUSY', 'database is locked')],
    ['a wrapped cause', new Error('query failed', { cause: coded('ECONNREFUSED') })],
  ])('%s → yes', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', coded('23505')],
    ['a serialization failure (retried, not an outage)', coded('40001')],
    ['a syntax error', coded('42601')],
    ['a SQLite constraint', coded('SQLITE_CONSTRAINT_UNIQUE')],
    ['a plain Error', new Error('boom')],
    ['not an error', 'ECONNREFUSED'],
    ['null', null],
  ])('%s → no', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
