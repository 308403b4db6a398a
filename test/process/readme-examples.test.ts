// Runs the README's quick start verbatim (seeding with the CLI, then the curl calls) against a
// live gateway process. The only substitution is the gateway's address (a free port, not 8080).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/processes.js';

const run = promisify(execFile);

function quickStartScript(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('### Quick start: seed, then call');
  const end = readme.indexOf('\n## ', start);
  const section = readme.slice(start, end);
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  // `npm start &` is the gateway this test runs itself.
  return blocks.join('\n').replace(/^npm start &$/m, '');
}

describe('README quick start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-readme-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('seeds with the CLI and renames a user through the curl examples of both faces', async () => {
    const port = await freePort();
    const env = {
      ...process.env,
      DATABASE_URL: join(dir, 'db.sqlite'),
      PASSWORD_HASH_COST: '4',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      HOST: '127.0.0.1',
    };
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, stdio: 'ignore' });
    const script = quickStartScript();
    expect(script).toContain('curl -s -w');
    expect(script).toContain('/graphql');
    const { stdout } = await run(
      'bash',
      ['-euo', 'pipefail', '-c', script.replaceAll('http://localhost:8080', `http://127.0.0.1:${port}`)],
      {
        env,
        timeout: 90_000,
      },
    );
    const outputs = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const rest = outputs.find((o) => 'details' in o) as { details: Record<string, string>; emailCode: string };
    expect(rest.details.sequence).toBe('4'); // created, profile.changed, email.changed, email.code.added
    expect(rest.emailCode).toMatch(/^[A-Z0-9]{6}$/);
    const graphql = outputs.find((o) => 'data' in o) as {
      data: { updateHumanUser: { details: Record<string, string> } };
    };
    expect(graphql.data.updateHumanUser.details.sequence).toBe('5');
    expect(graphql.data.updateHumanUser.details.resourceOwner).toBe(rest.details.resourceOwner);
    // the verification step: resend (6) with returnCode, verify (7), read back verified
    const verified = outputs.find((o) => (o as { details?: { sequence?: string } }).details?.sequence === '7');
    expect(verified).toEqual({
      details: { sequence: '7', changeDate: expect.any(String), resourceOwner: rest.details.resourceOwner },
    });
    const user = outputs.at(-1) as { user: { human: { email: Record<string, unknown> } } };
    expect(user.user.human.email).toEqual({ email: 'alicia@acme.ch', isVerified: true });
  }, 120_000);
});
