// Upstream mode as real processes: an embedded gateway (seeded through the CLI) stands in for
// ZITADEL, and a second gateway started with ZITADEL_URL and no DATABASE_URL serves GraphQL, REST and
// gRPC in front of it. SIGTERM stops it cleanly; the CLI refuses to work in this mode.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { UserService } from '../../src/grpc/gen/zitadel/user/v2/user_service_pb.js';
import { type CliWorld, freePort, seedWithCli } from '../support/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'gw-upstream-'));
const children: ChildProcess[] = [];

/** Starts src/main.ts with `env` (nothing inherited but PATH and HOME) and waits for /health. */
async function gateway(env: Record<string, string>): Promise<{ base: string; child: ChildProcess }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LOG_LEVEL: 'warn',
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}`);
    if (
      await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { base, child };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('gateway did not become healthy');
}

describe('ZITADEL_URL=… npm start', () => {
  let world: CliWorld;
  let front: { base: string; child: ChildProcess };

  beforeAll(async () => {
    const database = { DATABASE_URL: join(dir, 'db.sqlite'), PASSWORD_HASH_COST: '4' };
    world = await seedWithCli(database);
    const standIn = await gateway(database);
    front = await gateway({ ZITADEL_URL: standIn.base, ZITADEL_INSECURE: 'true', UPSTREAM_TIMEOUT_MS: '5000' });
  }, 90_000);

  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const authorization = () => `Bearer ${world.token}`;

  it('serves GraphQL, REST and gRPC through upstream, and is ready', async () => {
    const graphql = await fetch(`${front.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: authorization() },
      body: JSON.stringify({
        query:
          'mutation($id: ID!) { updateHumanUser(input: {userId: $id, username: "via-graphql"}) { details { sequence } } }',
        variables: { id: world.userId },
      }),
    });
    expect(await graphql.json()).toEqual({ data: { updateHumanUser: { details: { sequence: expect.any(String) } } } });
    const rest = await fetch(`${front.base}/v2/users/${world.userId}`, { headers: { authorization: authorization() } });
    expect(await rest.json()).toMatchObject({ user: { userId: world.userId, username: 'via-graphql' } });
    const users = createClient(UserService, createGrpcTransport({ baseUrl: front.base }));
    await users.updateHumanUser(
      { userId: world.userId, username: 'via-grpc' },
      { headers: { authorization: authorization() } },
    );
    const { user } = await users.getUserByID({ userId: world.userId }, { headers: { authorization: authorization() } });
    expect(user?.username).toBe('via-grpc');
    expect((await fetch(`${front.base}/ready`)).status).toBe(200);
  });

  it('the CLI refuses, naming the mode', async () => {
    const error = await runCli(['user', 'add', '--org', world.orgId, '--username', 'x'], {
      ZITADEL_URL: 'https://zitadel.example',
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^user add: refused in upstream mode \(ZITADEL_URL is set\)/);
  });

  it('stops on SIGTERM with exit code 0', async () => {
    const exited = new Promise<number | null>((resolve) => front.child.once('exit', (code) => resolve(code)));
    front.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
