// Updates of different users never block each other on bcrypt: while one user's password
// change is hashing (held open here by a hasher that waits until released), another user's
// update completes — on both faces — and the hashing user's update then completes too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { bcryptHasher, type PasswordHasher } from '../../src/domain/users/passwords.js';
import { createIdGenerator } from '../../src/ids.js';
import { createLogger } from '../../src/logger.js';
import { adminOver } from '../support/admin.js';
import { UPDATE } from '../support/harness.js';

const bcrypt = bcryptHasher(4);
let release: () => void = () => {};
let hashing: Promise<void> = Promise.resolve();
let entered: () => void = () => {};
/** bcrypt, except that hash() waits for `release()` — a hash as slow as the test wants. */
const gatedHasher: PasswordHasher = {
  async hash(password) {
    entered();
    await hashing;
    return bcrypt.hash(password);
  },
  verify: (password, encoded) => bcrypt.verify(password, encoded),
};

const database = openDatabase(':memory:');
let app: ReturnType<typeof createApp>;
let ids: { a: string; b: string; token: string };

beforeAll(async () => {
  await migrateToLatest(database.db);
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: ':memory:', PASSWORD_HASH_COST: '4' });
  const logger = createLogger('silent');
  const newId = createIdGenerator();
  app = createApp({ database, config, logger, newId, hasher: gatedHasher, sleep: async () => {} });
  const admin = adminOver(database.db, newId, bcrypt);
  const org = await admin.addOrganization({ name: 'Acme' });
  const passwordHash = await bcrypt.hash('Old-Passw0rd!');
  const human = (username: string) =>
    admin.addHuman({
      orgId: org.id,
      username,
      givenName: username,
      familyName: 'T',
      email: `${username}@example.com`,
      passwordHash,
    });
  const a = await human('hashing');
  const b = await human('other');
  const owner = await human('owner');
  await admin.addRole({ userId: owner.id, role: 'IAM_OWNER' });
  ids = { a: a.id, b: b.id, token: (await admin.addToken({ userId: owner.id })).token };
});
afterAll(() => database.close());

const call = async (path: string, init: RequestInit): Promise<Response> =>
  app.yoga.fetch(`http://gateway${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ids.token}` },
  });

describe('bcrypt does not serialize users', () => {
  it("another user's updates complete while a password change is hashing", { timeout: 10_000 }, async () => {
    hashing = new Promise((resolve) => {
      release = resolve;
    });
    const inHash = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const order: string[] = [];
    const slow = call(`/v2/users/human/${ids.a}`, {
      method: 'PUT',
      body: JSON.stringify({ password: { password: { password: 'Brand-New-Passw0rd!' } } }),
    }).then(async (r) => {
      order.push('password');
      return r;
    });
    await inHash; // the password change is now inside hash()

    const rest = await call(`/v2/users/human/${ids.b}`, {
      method: 'PUT',
      body: JSON.stringify({ profile: { givenName: 'Quick', familyName: 'T' } }),
    });
    order.push('rest');
    const gql = await call('/graphql', {
      method: 'POST',
      body: JSON.stringify({
        query: UPDATE,
        variables: { input: { userId: ids.b, profile: { givenName: 'Quicker', familyName: 'T' } } },
      }),
    });
    order.push('graphql');
    expect(rest.status).toBe(200);
    expect(((await rest.json()) as { details: { sequence: string } }).details.sequence).toBe('2');
    expect(
      ((await gql.json()) as { data: { updateHumanUser: { details: { sequence: string } } } }).data.updateHumanUser
        .details.sequence,
    ).toBe('3');

    release();
    const done = await slow;
    expect(done.status).toBe(200);
    expect(order).toEqual(['rest', 'graphql', 'password']);
    const row = await database.db
      .selectFrom('users')
      .select(['password_hash', 'sequence'])
      .where('id', '=', ids.a)
      .executeTakeFirstOrThrow();
    expect(row.sequence).toBe(2);
    expect(await bcrypt.verify('Brand-New-Passw0rd!', row.password_hash as string)).toBe(true);
  });
});
