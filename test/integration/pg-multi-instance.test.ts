// Scale-out: two gateway processes (`src/main.ts`) on one PostgreSQL database, hit in parallel.
// Only in the `postgres` vitest project. Seeding goes through AdminService on the same schema.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { AdminRepository } from '../../src/domain/admin/admin-repository.js';
import { AdminService } from '../../src/domain/admin/admin-service.js';
import { bcryptHasher } from '../../src/domain/users/passwords.js';
import { UserRepository } from '../../src/domain/users/user-repository.js';
import { createIdGenerator } from '../../src/ids.js';
import { createTestSchema, type TestSchema } from '../support/engine.js';
import { UPDATE } from '../support/harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** A port nobody listens on right now (the OS picks it; closed again before the gateway binds it). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Instance {
  base: string;
  child: ChildProcess;
  output: string[];
}

async function startGateway(url: string): Promise<Instance> {
  const port = await freePort();
  const output: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: url,
      DATABASE_POOL_SIZE: '5',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      PASSWORD_HASH_COST: '4',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => output.push(String(chunk)));
  child.stderr?.on('data', (chunk) => output.push(String(chunk)));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 45_000;
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

async function stopGateway(instance: Instance | undefined): Promise<void> {
  if (!instance || instance.child.exitCode !== null) return;
  const exited = once(instance.child, 'exit');
  instance.child.kill('SIGTERM');
  await exited;
}

interface Answer {
  instance: number;
  status: number;
  sequence?: string;
  code?: unknown;
  id?: unknown;
}

/** One update through instance i % 2, on REST or GraphQL alternately; normalized. */
async function update(i: number, userId: string, input: Record<string, unknown>, token: string): Promise<Answer> {
  const instance = i % 2;
  const base = gateways[instance]?.base as string;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  if (Math.floor(i / 2) % 2 === 0) {
    const response = await fetch(`${base}/v2/users/human/${userId}`, {
      method: 'PUT',
      headers,
      body: JSON.stringify(input),
    });
    const body = (await response.json()) as { details?: unknown; code?: number };
    const detail = Array.isArray(body.details) ? (body.details[0] as { id?: string }) : undefined;
    return {
      instance,
      status: response.status,
      ...(response.status === 200 ? { sequence: (body.details as { sequence: string }).sequence } : {}),
      code: body.code,
      id: detail?.id,
    };
  }
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: UPDATE, variables: { input: { userId, ...input } } }),
  });
  const body = (await response.json()) as {
    data?: { updateHumanUser?: { details: { sequence: string } } } | null;
    errors?: { extensions?: { code?: string; id?: string } }[];
  };
  const error = body.errors?.[0];
  return {
    instance,
    status: response.status,
    ...(body.data?.updateHumanUser ? { sequence: body.data.updateHumanUser.details.sequence } : {}),
    code: error?.extensions?.code,
    id: error?.extensions?.id,
  };
}

let schema: TestSchema;
let database: DatabaseHandle;
let admin: AdminService;
let repository: UserRepository;
let orgId: string;
let owner: { id: string; token: string };
let passwordHash: string;
const gateways: Instance[] = [];

beforeAll(async () => {
  schema = await createTestSchema();
  database = openDatabase(schema.url, { poolSize: 2 });
  await migrateToLatest(database.db);
  const newId = createIdGenerator();
  repository = new UserRepository(database.db, newId);
  const hasher = bcryptHasher(4);
  admin = new AdminService({
    repository: new AdminRepository(database.db),
    users: repository,
    clock: { now: () => new Date() },
    newId,
    hasher,
  });
  orgId = (await admin.addOrganization({ name: 'Scale', domains: ['scale.example'] })).id;
  passwordHash = await hasher.hash('Password1!');
  const { id } = await admin.addHuman({
    orgId,
    username: 'owner',
    givenName: 'O',
    familyName: 'Wner',
    email: 'owner@example.com',
    passwordHash,
  });
  await admin.addRole({ userId: id, role: 'ORG_OWNER', orgId });
  owner = { id, token: (await admin.addToken({ userId: id })).token };
  // Both start (and migrate: a no-op, under Kysely's advisory lock) against the same schema.
  gateways.push(...(await Promise.all([startGateway(schema.url), startGateway(schema.url)])));
}, 120_000);

afterAll(async () => {
  await Promise.all(gateways.map(stopGateway));
  await database?.close();
  await schema?.drop();
}, 60_000);

describe('two gateway processes on one PostgreSQL database', () => {
  it('serve the same data: a write through one is read back through the other', async () => {
    const { id } = await admin.addHuman({
      orgId,
      username: 'echo',
      givenName: 'E',
      familyName: 'Cho',
      email: 'echo@example.com',
      passwordHash,
    });
    const write = await update(0, id, { profile: { givenName: 'Written', familyName: 'ByZero' } }, owner.token);
    expect(write).toMatchObject({ instance: 0, status: 200, sequence: '2' });
    const read = await fetch(`${gateways[1]?.base}/v2/users/${id}`, {
      headers: { authorization: `Bearer ${owner.token}` },
    });
    expect(read.status).toBe(200);
    const body = (await read.json()) as { details: { sequence: string }; user: { human: { profile: unknown } } };
    expect(body.details.sequence).toBe('2');
    expect(body.user.human.profile).toMatchObject({ givenName: 'Written', familyName: 'ByZero' });
  });

  it('40 parallel updates of one user through both: gapless sequence, every acknowledged write kept', async () => {
    const { id: userId } = await admin.addHuman({
      orgId,
      username: 'hot',
      givenName: 'H',
      familyName: 'Ot',
      email: 'hot@example.com',
      passwordHash,
    });
    const names = Array.from({ length: 40 }, (_, i) => `Writer-${i}`);
    const answers = await Promise.all(
      names.map((givenName, i) => update(i, userId, { profile: { givenName, familyName: 'Parallel' } }, owner.token)),
    );
    for (const answer of answers) {
      if (answer.status === 200) continue;
      // The only acceptable failure: ABORTED GATEWAY-RETRY (REST code 10, HTTP 409), nothing written.
      expect(answer).toMatchObject({ status: 409, id: 'GATEWAY-RETRY' });
      expect([10, 'ABORTED']).toContain(answer.code);
    }
    const ok = answers.filter((a) => a.status === 200);
    // Both processes acknowledged writes (the race really spans instances).
    expect(new Set(ok.map((a) => a.instance))).toEqual(new Set([0, 1]));
    // No two acknowledged writes share a sequence.
    expect(new Set(ok.map((a) => a.sequence)).size).toBe(ok.length);

    const events = await repository.events(userId);
    expect(events.map((e) => e.sequence)).toEqual(Array.from({ length: ok.length + 1 }, (_, i) => i + 1));
    expect(events[0]?.type).toBe('user.created');
    const bySequence = new Map(events.map((e) => [String(e.sequence), e]));
    answers.forEach((answer, i) => {
      if (answer.status !== 200) return;
      const event = bySequence.get(answer.sequence as string);
      expect(event?.type).toBe('profile.changed');
      expect(event?.payload).toMatchObject({ givenName: names[i] });
      expect(event?.creator).toBe(owner.id);
    });
    const last = events.at(-1);
    const row = await database.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
    expect(row.sequence).toBe(last?.sequence);
    expect(row.given_name).toBe((last?.payload as { givenName?: string } | undefined)?.givenName);
    expect(row.family_name).toBe('Parallel');
  });

  it('12 users claim one username (case variants) through both: one winner, the rest 409 V3-DKcYh', async () => {
    const word = 'theone';
    const variants = Array.from({ length: 12 }, (_, n) =>
      [...word].map((c, i) => ((n >> i) & 1 ? c.toUpperCase() : c)).join(''),
    );
    expect(new Set(variants).size).toBe(12);
    const users: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { id } = await admin.addHuman({
        orgId,
        username: `claimant-${i}`,
        givenName: 'C',
        familyName: String(i),
        email: `claimant-${i}@example.com`,
        passwordHash,
      });
      users.push(id);
    }
    const answers = await Promise.all(users.map((id, i) => update(i, id, { username: variants[i] }, owner.token)));
    const winners = answers.flatMap((a, i) => (a.status === 200 ? [i] : []));
    expect(winners).toHaveLength(1);
    const winner = winners[0] as number;
    for (const [i, answer] of answers.entries()) {
      if (i === winner) continue;
      expect(answer).toMatchObject({ status: 409, id: 'V3-DKcYh' });
      expect([6, 'ALREADY_EXISTS']).toContain(answer.code);
    }
    const rows = await database.db.selectFrom('users').select(['id', 'username']).where('id', 'in', users).execute();
    expect(rows).toHaveLength(12);
    for (const row of rows) {
      const i = users.indexOf(row.id);
      expect(row.username).toBe(i === winner ? variants[winner] : `claimant-${i}`);
    }
    const changed = await database.db
      .selectFrom('user_events')
      .select('user_id')
      .where('type', '=', 'username.changed')
      .where('user_id', 'in', users)
      .execute();
    expect(changed).toEqual([{ user_id: users[winner] }]);
  });
});
