// Configuration: defaults, validation, and the README's table listing every variable.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../src/config.js';

describe('configuration', () => {
  it('hashes passwords on one thread per core unless PASSWORD_HASH_THREADS says otherwise', () => {
    expect(loadConfig({}).passwordHashThreads).toBe(availableParallelism());
    expect(loadConfig({ PASSWORD_HASH_THREADS: '3' }).passwordHashThreads).toBe(3);
    expect(loadConfig({ PASSWORD_HASH_THREADS: '' }).passwordHashThreads).toBe(availableParallelism());
  });

  it.each(['0', '-1', '1.5', 'many'])('refuses PASSWORD_HASH_THREADS=%s with the variable named', (value) => {
    expect(() => loadConfig({ PASSWORD_HASH_THREADS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ PASSWORD_HASH_THREADS: value })).toThrow(
      `PASSWORD_HASH_THREADS=${JSON.stringify(value)}`,
    );
  });

  it('bounds PostgreSQL by default and takes the bounds from DATABASE_*_TIMEOUT_MS', () => {
    expect(loadConfig({}).databaseTimeouts).toEqual({
      connectMs: 5_000,
      statementMs: 5_000,
      idleInTransactionMs: 10_000,
    });
    expect(
      loadConfig({
        DATABASE_CONNECT_TIMEOUT_MS: '1000',
        DATABASE_STATEMENT_TIMEOUT_MS: '2000',
        DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '3000',
      }).databaseTimeouts,
    ).toEqual({ connectMs: 1_000, statementMs: 2_000, idleInTransactionMs: 3_000 });
    expect(() => loadConfig({ DATABASE_STATEMENT_TIMEOUT_MS: '0' })).toThrow('DATABASE_STATEMENT_TIMEOUT_MS="0"');
  });

  it('bounds slow clients: 30 s for a request body, 60 s of h2c idleness, 100 streams per session', () => {
    const c = loadConfig({});
    expect([c.requestBodyTimeoutMs, c.http2IdleTimeoutMs, c.http2MaxConcurrentStreams]).toEqual([30_000, 60_000, 100]);
    const set = loadConfig({
      REQUEST_BODY_TIMEOUT_MS: '1000',
      HTTP2_IDLE_TIMEOUT_MS: '2000',
      HTTP2_MAX_CONCURRENT_STREAMS: '8',
    });
    expect([set.requestBodyTimeoutMs, set.http2IdleTimeoutMs, set.http2MaxConcurrentStreams]).toEqual([
      1_000, 2_000, 8,
    ]);
    expect(() => loadConfig({ HTTP2_MAX_CONCURRENT_STREAMS: '0' })).toThrow('HTTP2_MAX_CONCURRENT_STREAMS="0"');
  });

  it('logs no verification code unless NOTIFY_LOG_CODES=true, whatever NODE_ENV says', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).notify.logCodes).toBe(false);
    expect(loadConfig({ NOTIFY_LOG_CODES: 'true' }).notify.logCodes).toBe(true);
    expect(() => loadConfig({ NOTIFY_LOG_CODES: 'yes' })).toThrow(ConfigError);
  });

  it('documents every environment variable in the README configuration table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const documented = new Set(
      [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]*)`(?: \/ `([A-Z][A-Z0-9_]*)`)? \|/gm)].flatMap((m) => m.slice(1)),
    );
    expect(CONFIG_VARIABLES.length).toBeGreaterThan(20);
    expect(CONFIG_VARIABLES.filter((name) => !documented.has(name))).toEqual([]);
  });
});
