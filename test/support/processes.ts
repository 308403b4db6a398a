// Shared by the tests that run the gateway as a real process: a free port, and a world seeded
// through the CLI (one organization, one user, an IAM_OWNER admin with a token).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface CliWorld {
  orgId: string;
  /** A human user named `user` (with `password` when given). */
  userId: string;
  /** An IAM_OWNER named `admin` and its bearer token. */
  adminId: string;
  token: string;
}

/** Seeds DATABASE_URL of `env` through the CLI, as an operator would. */
export async function seedWithCli(
  env: Record<string, string | undefined>,
  options: { password?: string } = {},
): Promise<CliWorld> {
  const org = (await runCli(['org', 'add', '--name', 'Acme'], env)) as { id: string };
  const human = (name: string, extra: string[] = []) =>
    runCli(
      [
        'user',
        'add',
        '--org',
        org.id,
        '--username',
        name,
        '--given-name',
        name,
        '--family-name',
        'Test',
        '--email',
        `${name}@acme.ch`,
        ...extra,
      ],
      env,
    ) as Promise<{ id: string }>;
  const user = await human('user', options.password ? ['--password', options.password] : []);
  const admin = await human('admin');
  await runCli(['role', 'add', '--user', admin.id, '--role', 'IAM_OWNER'], env);
  const { token } = (await runCli(['token', 'add', '--user', admin.id], env)) as { token: string };
  return { orgId: org.id, userId: user.id, adminId: admin.id, token };
}

/**
 * What `npm start` runs after building: the node options and the script of its last command
 * (package.json is the one place they are written down).
 */
export function startCommand(): { nodeArgs: string[]; script: string } {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    scripts: { start: string };
  };
  const words = (pkg.scripts.start.split('&&').pop() as string).trim().split(/\s+/);
  if (words[0] !== 'node') throw new Error(`npm start does not end in a node command: ${pkg.scripts.start}`);
  return { nodeArgs: words.slice(1, -1), script: words.at(-1) as string };
}

/** A gateway process (`src/main.ts` under tsx) listening on 127.0.0.1. */
export interface GatewayProcess {
  base: string;
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr. */
  output: string[];
}

/**
 * Starts `src/main.ts` on a free port with `env` over this process's environment and waits until
 * `/ready` answers 200 (failing with the gateway's output when it exits or the deadline passes).
 */
export async function startGateway(env: Record<string, string>, readyWithinMs = 90_000): Promise<GatewayProcess> {
  const port = await freePort();
  const output: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => output.push(String(chunk)));
  child.stderr?.on('data', (chunk) => output.push(String(chunk)));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyWithinMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}:\n${output.join('')}`);
    const ready = await fetch(`${base}/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return { base, child, output };
    if (Date.now() > deadline) throw new Error(`gateway on ${base} not ready in time:\n${output.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** SIGTERM, then wait for the exit (a no-op for a process that is gone or never started). */
export async function stopGateway(gateway: GatewayProcess | undefined): Promise<void> {
  if (!gateway || gateway.child.exitCode !== null) return;
  const exited = once(gateway.child, 'exit');
  gateway.child.kill('SIGTERM');
  await exited;
}
