// `npm start` runs the esbuild bundle (dist/main.js, with the dependencies inside it) on plain
// Node. This builds it as `npm start` does and drives every face through the built process, so a
// dependency that does not survive bundling fails here rather than in production.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { verify } from '@node-rs/bcrypt';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, seedWithCli, startCommand } from '../support/processes.js';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;

describe('the built bundle (npm start)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-bundle-'));
  const file = join(dir, 'db.sqlite');
  const env = {
    ...process.env,
    DATABASE_URL: file,
    PASSWORD_HASH_COST: '4',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'development',
  };
  let child: ChildProcess;
  let base: string;
  let stderr = '';
  let userId: string;
  let token: string;

  beforeAll(async () => {
    await run('npm', ['run', '-s', 'build'], { cwd: ROOT, env });
    ({ userId, token } = await seedWithCli(env, { password: 'Old-pass1!' }));

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // Exactly what `npm start` runs after building.
    const start = startCommand();
    expect(start.script).toBe('dist/main.js');
    child = spawn(process.execPath, [...start.nodeArgs, start.script], {
      cwd: ROOT,
      env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    for (let i = 0; i < 300; i++) {
      const ok = await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the bundle did not start: ${stderr}`);
  }, 120_000);

  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const headers = () => ({ 'content-type': 'application/json', authorization: `Bearer ${token}` });

  it('updates through GraphQL, REST and Connect (gRPC face), one sequence', async () => {
    const graphql = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify({
        query: 'mutation($input: UpdateHumanUserInput!) { updateHumanUser(input: $input) { details { sequence } } }',
        variables: { input: { userId, profile: { givenName: 'Ada', familyName: 'Lovelace' } } },
      }),
    });
    expect(await graphql.json()).toEqual({ data: { updateHumanUser: { details: { sequence: '2' } } } });
    const rest = await fetch(`${base}/v2/users/human/${userId}`, {
      method: 'PUT',
      headers: headers(),
      body: JSON.stringify({ profile: { given_name: 'Grace', family_name: 'Hopper' } }),
    });
    expect(rest.status).toBe(200);
    expect(((await rest.json()) as { details: { sequence: string } }).details.sequence).toBe('3');
    const connect = await fetch(`${base}/zitadel.user.v2.UserService/UpdateHumanUser`, {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify({ userId, profile: { givenName: 'Barbara', familyName: 'Liskov' } }),
    });
    expect(connect.status).toBe(200);
    expect(((await connect.json()) as { details: { sequence: string } }).details.sequence).toBe('4');
  });

  it('hashes a new password on the hashing threads (bcrypt at the configured cost)', async () => {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify({
        query: 'mutation($input: UpdateHumanUserInput!) { updateHumanUser(input: $input) { details { sequence } } }',
        variables: { input: { userId, password: { password: { password: 'Bundled-Passw0rd!' } } } },
      }),
    });
    expect(await response.json()).toEqual({ data: { updateHumanUser: { details: { sequence: '5' } } } });
    const db = new SQLite(file, { readonly: true });
    try {
      const row = db.prepare('select password_hash from users where id = ?').get(userId) as { password_hash: string };
      expect(row.password_hash).toMatch(/^\$2[aby]\$04\$/);
      expect(await verify('Bundled-Passw0rd!', row.password_hash)).toBe(true);
    } finally {
      db.close();
    }
  });

  it('serves GraphiQL (loaded on first use), the OpenAPI document and metrics', async () => {
    const page = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('user-gateway');
    const openapi = (await (await fetch(`${base}/openapi.json`)).json()) as { openapi: string };
    expect(openapi.openapi).toMatch(/^3\.1\./);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/gateway_http_requests_total\{[^}]*status="200"[^}]*\} [1-9]/);
  });

  it('stops on SIGTERM with exit code 0 and wrote no errors', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).not.toMatch(/error|Error/);
  });
});
