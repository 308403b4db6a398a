import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { HelpRequested, helpFor, pretty, runCli } from '../../src/cli.js';

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('CLI polish', () => {
  it('--version prints the package version as JSON', async () => {
    expect(await runCli(['--version'], {})).toEqual({ version: pkg.version });
  });

  it.each([
    ['org add', '--name N [--scoped-usernames] [--domain D]...'],
    ['user add', '--state initial|active|inactive|locked]'],
    ['token add', '--user ID [--expires-in 24h]'],
    ['policy set', '[--max-password-attempts N]'],
  ])('`%s --help` shows that command’s usage (continuation lines joined)', async (command, fragment) => {
    const [group, action] = command.split(' ') as [string, string];
    const error = await runCli([group, action, '--help'], {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HelpRequested);
    expect((error as Error).message).toContain(`usage: npm run -s cli -- ${command} `);
    expect((error as Error).message).toContain(fragment);
    expect(helpFor(command)).toBe((error as Error).message);
  });

  it('--pretty renders nested objects and lists as indented key: value lines', () => {
    expect(pretty({ id: '7', tokens: [{ id: 'a', revokedAt: null }], policy: { minLength: 8 } })).toBe(
      ['id: 7', 'tokens:', '  -', '    id: a', '    revokedAt: null', 'policy:', '  minLength: 8'].join('\n'),
    );
    expect(pretty({ tokens: [] })).toBe('tokens:\n  (none)');
  });

  it('as a process: --help exits 0 with text on stdout; an unknown command exits 2 with stderr only', async () => {
    const help = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'machine', 'add', '--help']);
    expect(help.stdout).toContain('usage: npm run -s cli -- machine add --org ID --username U');
    const bad = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'frobnicate']).catch((e) => e);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('unknown command: frobnicate');
  }, 30_000);
});
