// `npx tsx test/bench/pg-scale.ts [--quick]`: profile-update throughput on PostgreSQL with one
// gateway instance, then two instances on the same database (the scale-out setup).
//
// 1. Creates a fresh schema in BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test)
//    and seeds it with AdminService: one organization, many human users, an IAM_OWNER token.
// 2. Starts two gateways (`node --import tsx src/main.ts`, DATABASE_POOL_SIZE=10 each) on it.
// 3. In alternating rounds: 32 connections of GraphQL profile updates (a distinct user per
//    request in turn) against instance A alone, then 16 + 16 against A and B at once.
// 4. Checks that every counted 2xx wrote one event, drops the schema, prints a table and, as the
//    last line, one JSON object.
// Self-contained (autocannon only). Load generator, both gateways and PostgreSQL share the
// machine: on few cores, a second instance adds little; on a database host of its own it adds more.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { openDatabase } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { AdminService } from '../../src/domain/admin/admin-service.js';
import { bcryptHasher } from '../../src/domain/users/passwords.js';
import { UserRepository } from '../../src/domain/users/user-repository.js';
import { newId } from '../../src/ids.js';

const ROOT = resolve(import.meta.dirname, '../..');
const QUICK = process.argv.includes('--quick');
const PLAN = QUICK ? { users: 200, rounds: 1, seconds: 3 } : { users: 2000, rounds: 3, seconds: 8 };
const CONNECTIONS = 32;
const POOL_SIZE = 10;
const BASE_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const log = (line: string) => process.stderr.write(`${line}\n`);

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: BASE_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

interface Gateway {
  base: string;
  child: ChildProcess;
  stderr: string[];
}

async function startGateway(url: string): Promise<Gateway> {
  const port = await freePort();
  const stderr: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: url,
      DATABASE_POOL_SIZE: String(POOL_SIZE),
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PASSWORD_HASH_COST: '10',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited (${child.exitCode}): ${stderr.join('')}`);
    const ok = await fetch(`${base}/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return { base, child, stderr };
    if (performance.now() - started > 60_000) throw new Error(`gateway not ready after 60 s: ${stderr.join('')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function stopGateway(gateway: Gateway): Promise<void> {
  if (gateway.child.exitCode !== null) return;
  const exited = new Promise((r) => gateway.child.once('exit', r));
  gateway.child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
  if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
}

const DOCUMENT =
  'mutation Rename($input: UpdateHumanUserInput!) { updateHumanUser(input: $input) { details { sequence } } }';
let counter = 0;

async function load(base: string, token: string, ids: string[], connections: number, seconds: number) {
  const tag = Date.now().toString(36);
  const result = await autocannon({
    url: base,
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    requests: [
      {
        setupRequest: (request) => {
          const n = counter++;
          const input = { userId: ids[n % ids.length], profile: { givenName: `G${tag}${n}`, familyName: 'Family' } };
          return {
            ...request,
            method: 'POST',
            path: '/graphql',
            body: JSON.stringify({ query: DOCUMENT, variables: { input } }),
          };
        },
      },
    ],
  });
  return { ok: result['2xx'], other: result.non2xx, errors: result.errors + result.timeouts };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
};

async function main() {
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const url = new URL(BASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  await adminQuery(`create schema ${schema}`);
  const gateways: Gateway[] = [];
  const database = openDatabase(url.toString(), { poolSize: 4 });
  try {
    await migrateToLatest(database.db);
    const hasher = bcryptHasher(4);
    const repository = new UserRepository(database.db, newId);
    const admin = new AdminService({ db: database.db, clock: { now: () => new Date() }, newId, hasher, repository });
    const org = await admin.addOrganization({ name: 'Bench' });
    const passwordHash = await hasher.hash('Bench-pW1!');
    const ids: string[] = [];
    for (let i = 0; i < PLAN.users; i++) {
      const { id } = await admin.addHuman({
        orgId: org.id,
        username: `user-${i}`,
        givenName: 'G',
        familyName: 'F',
        email: `user-${i}@bench.test`,
        passwordHash,
      });
      ids.push(id);
    }
    const { id: adminId } = await admin.addHuman({
      orgId: org.id,
      username: 'bench-admin',
      givenName: 'B',
      familyName: 'A',
      email: 'admin@bench.test',
      passwordHash,
    });
    await admin.addRole({ userId: adminId, role: 'IAM_OWNER' });
    const { token } = await admin.addToken({ userId: adminId });
    log(`seeded ${PLAN.users} users in schema ${schema}`);

    gateways.push(...(await Promise.all([startGateway(url.toString()), startGateway(url.toString())])));
    const [a, b] = gateways as [Gateway, Gateway];
    // Warm-up: JIT, pools, prepared plans on both.
    await Promise.all([load(a.base, token, ids, 8, 1), load(b.base, token, ids, 8, 1)]);

    const one: number[] = [];
    const two: number[] = [];
    let acknowledged = 0;
    let failures = 0;
    for (let round = 0; round < PLAN.rounds; round++) {
      const single = await load(a.base, token, ids, CONNECTIONS, PLAN.seconds);
      one.push(single.ok / PLAN.seconds);
      const pair = await Promise.all([
        load(a.base, token, ids, CONNECTIONS / 2, PLAN.seconds),
        load(b.base, token, ids, CONNECTIONS / 2, PLAN.seconds),
      ]);
      two.push((pair[0].ok + pair[1].ok) / PLAN.seconds);
      for (const r of [single, ...pair]) {
        acknowledged += r.ok;
        failures += r.other + r.errors;
      }
      log(
        `round ${round + 1}: 1 instance ${one.at(-1)?.toFixed(0)} req/s, 2 instances ${two.at(-1)?.toFixed(0)} req/s`,
      );
    }
    // Warm-up requests count too: every 2xx since seeding is one profile.changed event.
    const { n } = await database.db
      .selectFrom('user_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('type', '=', 'profile.changed')
      .executeTakeFirstOrThrow();
    if (Number(n) < acknowledged) throw new Error(`only ${n} events for ${acknowledged} acknowledged updates`);

    const result = {
      engine: 'postgres',
      connections: CONNECTIONS,
      pool_size_per_instance: POOL_SIZE,
      profile_update_rps_1_instance: Math.round(median(one)),
      profile_update_rps_2_instances: Math.round(median(two)),
      scale_factor: Number((median(two) / median(one)).toFixed(2)),
      non_2xx_or_errors: failures,
    };
    log('');
    log('| instances | profile updates/s (median) |');
    log('|---|---|');
    log(`| 1 | ${result.profile_update_rps_1_instance} |`);
    log(`| 2 | ${result.profile_update_rps_2_instances} |`);
    console.log(JSON.stringify(result));
  } finally {
    await Promise.all(gateways.map(stopGateway));
    await database.close();
    await adminQuery(`drop schema if exists ${schema} cascade`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
