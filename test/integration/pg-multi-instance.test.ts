// Scale-out: two gateway processes (`src/main.ts`) on one PostgreSQL database, hit in parallel.
// Only in the `postgres` vitest project. Seeding goes through AdminService on the same schema.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { AdminRepository } from '../../src/domain/admin/admin-repository.js';
import { AdminService } from '../../src/domain/admin/admin-service.js';
import { bcryptHasher } from '../../src/domain/users/passwords.js';
import { UserRepository } from '../../src/domain/users/user-repository.js';
import { createIdGenerator } from '../../src/ids.js';
import { createTestSchema, type TestSchema } from '../support/engine.js';
import { type GatewayProcess, startGateway, stopGateway } from '../support/processes.js';
import * as race from '../support/races.js';

/** One update through instance i % 2, on REST or GraphQL alternately; normalized (test/support/races.ts). */
async function update(i: number, userId: string, input: Record<string, unknown>, token: string) {
  const instance = i % 2;
  const face = Math.floor(i / 2) % 2 === 0 ? 'rest' : 'graphql';
  return { instance, ...(await race.updateOverHttp(gateways[instance]?.base as string, face, userId, input, token)) };
}

let schema: TestSchema;
let database: DatabaseHandle;
let admin: AdminService;
let repository: UserRepository;
let orgId: string;
let owner: { id: string; token: string };
let passwordHash: string;
const gateways: GatewayProcess[] = [];

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
  const env = {
    DATABASE_URL: schema.url,
    DATABASE_POOL_SIZE: '5',
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    PASSWORD_HASH_COST: '4',
  };
  gateways.push(...(await Promise.all([startGateway(env), startGateway(env)])));
}, 200_000);

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

  it('50 parallel updates of one user through both, without If-Match: 50 × 200, gapless sequence, every write kept', async () => {
    const { id: userId } = await admin.addHuman({
      orgId,
      username: 'hot',
      givenName: 'H',
      familyName: 'Ot',
      email: 'hot@example.com',
      passwordHash,
    });
    const names = Array.from({ length: 50 }, (_, i) => `Writer-${i}`);
    const answers = await Promise.all(
      names.map((givenName, i) => update(i, userId, { profile: { givenName, familyName: 'Parallel' } }, owner.token)),
    );
    // A client that did not ask for optimistic concurrency never sees a conflict (issue 16.1).
    expect(answers.map((a) => a.status)).toEqual(names.map(() => 200));
    const ok = answers;
    // Both processes acknowledged writes (the race really spans instances).
    expect(new Set(ok.map((a) => a.instance))).toEqual(new Set([0, 1]));
    // No two acknowledged writes share a sequence.
    expect(new Set(ok.map((a) => a.sequence)).size).toBe(ok.length);

    const events = await repository.events(userId);
    expect(events.map((e) => e.sequence)).toEqual(Array.from({ length: ok.length + 1 }, (_, i) => i + 1));
    expect(events[0]?.type).toBe('user.created');
    // Each acknowledged update is the event at the sequence it was answered with; row = last event.
    await race.expectRenamesRecorded(database.db, userId, events, answers, names, owner.id);
  });

  it('12 users claim one username (case variants) through both: one winner, the rest 409 V3-DKcYh', async () => {
    const word = 'theone';
    const variants = race.caseVariants(word, 12);
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
    await race.expectOneClaimWins(database.db, users, answers, variants);
  });
});
