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

  it('documents every environment variable in the README configuration table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const documented = new Set(
      [...readme.matchAll(/^\| `([A-Z_]+)`(?: \/ `([A-Z_]+)`)? \|/gm)].flatMap((m) => m.slice(1)),
    );
    expect(CONFIG_VARIABLES.length).toBeGreaterThan(20);
    expect(CONFIG_VARIABLES.filter((name) => !documented.has(name))).toEqual([]);
  });
});
