// A fresh gateway on an in-memory SQLite database (or a fresh PostgreSQL schema with
// TEST_ENGINE=postgres), with a settable clock, recorded password slow-downs, and a seeded world.
// Requests go through app.fetch (yoga) on both faces.
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { AdminRepository } from '../../src/domain/admin/admin-repository.js';
import { AdminService, type NewHuman } from '../../src/domain/admin/admin-service.js';
import { bcryptHasher } from '../../src/domain/users/passwords.js';
import { UserRepository } from '../../src/domain/users/user-repository.js';
import { createIdGenerator } from '../../src/ids.js';
import { createLogger } from '../../src/logger.js';
import { openTestDatabase } from './engine.js';
import { openApiMismatch } from './openapi-check.js';
import { THROUGH_UPSTREAM, upstreamFront } from './upstream-front.js';

export const PASSWORD = 'Password1!';
export const START = new Date('2026-11-23T10:00:00.000Z');

export class TestClock {
  private current = START.getTime();
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

export interface GraphQLResponse {
  status: number;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; extensions?: Record<string, unknown>; path?: unknown[] }[];
  };
}

export interface RestResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export async function createHarness(env: Record<string, string> = {}) {
  // SQLite in memory, or a fresh PostgreSQL schema with TEST_ENGINE=postgres (test/support/engine.ts).
  const testDatabase = await openTestDatabase();
  const database = testDatabase.database;
  const config = loadConfig({ NODE_ENV: 'test', PASSWORD_HASH_COST: '4', DATABASE_URL: testDatabase.url, ...env });
  try {
    await migrateToLatest(database.db);
  } catch (error) {
    await testDatabase.close();
    throw error;
  }
  const clock = new TestClock();
  const sleeps: number[] = [];
  const hasher = bcryptHasher(4);
  const logLines: string[] = [];
  // Capture log output (for the "nothing leaks" checks) instead of printing it.
  const logger = createLogger('trace', { write: (line: string) => void logLines.push(line) });
  // One id generator for the app and the seeding: ids sort in creation order across both.
  const newId = createIdGenerator();
  const app = createApp({
    database,
    config,
    logger,
    clock,
    newId,
    hasher,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  // TEST_GATEWAY=upstream: this app stands in for ZITADEL, and the faces are an upstream-mode
  // gateway in front of it (test/support/upstream-front.ts).
  const front = THROUGH_UPSTREAM ? await upstreamFront(app.yoga, config, logger) : undefined;
  /** The gateway the tests call: the app itself, or the upstream-mode front. */
  const gateway = front?.app ?? app;
  const repository = new UserRepository(database.db, newId);
  const admin = new AdminService({
    repository: new AdminRepository(database.db),
    users: repository,
    clock,
    newId,
    hasher,
  });

  async function gql(
    query: string,
    variables: Record<string, unknown> = {},
    token?: string | null,
  ): Promise<GraphQLResponse> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await gateway.yoga.fetch('http://gateway/graphql', {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as GraphQLResponse['body'] };
  }

  async function rest(
    method: string,
    path: string,
    body?: unknown,
    token?: string | null,
    extraHeaders: Record<string, string> = {},
  ): Promise<RestResponse> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...extraHeaders };
    if (token) headers.authorization = `Bearer ${token}`;
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
    const response = await gateway.yoga.fetch(`http://gateway${path}`, init);
    const text = await response.text();
    const parsed = text ? JSON.parse(text) : {};
    // Every REST answer the suite sees must match the OpenAPI document (issue: no drift).
    const mismatch = openApiMismatch(method, path, response.status, parsed);
    if (mismatch) throw new Error(`${method} ${path} → ${response.status} does not match /openapi.json: ${mismatch}`);
    return { status: response.status, headers: response.headers, body: parsed };
  }

  /** Seeds a world: two organizations, users in every role, and a token for each. */
  async function seed() {
    const acme = await admin.addOrganization({ name: 'Acme', domains: ['acme.ch'] });
    const other = await admin.addOrganization({ name: 'Other', domains: ['other.ch'] });
    const scoped = await admin.addOrganization({ name: 'Scoped', scopedUsernames: true });
    const passwordHash = await hasher.hash(PASSWORD);
    const human = async (name: string, orgId: string, extra: Partial<NewHuman> = {}) => {
      const { id } = await admin.addHuman({
        orgId,
        username: name,
        givenName: name,
        familyName: 'Test',
        email: `${name}@example.com`,
        passwordHash,
        ...extra,
      });
      const { token } = await admin.addToken({ userId: id });
      return { id, token };
    };
    const alice = await human('alice', acme.id);
    const bob = await human('bob', acme.id);
    const iamOwner = await human('iam-owner', acme.id);
    await admin.addRole({ userId: iamOwner.id, role: 'IAM_OWNER' });
    const orgOwner = await human('org-owner', acme.id);
    await admin.addRole({ userId: orgOwner.id, role: 'ORG_OWNER', orgId: acme.id });
    const orgViewer = await human('org-viewer', acme.id);
    await admin.addRole({ userId: orgViewer.id, role: 'ORG_OWNER_VIEWER', orgId: acme.id });
    const otherOwner = await human('other-owner', other.id);
    await admin.addRole({ userId: otherOwner.id, role: 'ORG_OWNER', orgId: other.id });
    const carol = await human('carol', other.id);
    const initial = await admin.addHuman({
      orgId: acme.id,
      username: 'newbie',
      givenName: 'New',
      familyName: 'Bie',
      email: 'newbie@example.com',
    });
    const machine = await admin.addMachine({ orgId: acme.id, username: 'robot' });
    const machineToken = await admin.addToken({ userId: machine.id });
    await admin.addRole({ userId: machine.id, role: 'ORG_USER_MANAGER', orgId: acme.id });
    return {
      orgs: { acme: acme.id, other: other.id, scoped: scoped.id },
      alice,
      bob,
      iamOwner,
      orgOwner,
      orgViewer,
      otherOwner,
      carol,
      initial: { id: initial.id },
      machine: { id: machine.id, token: machineToken.token },
      passwordHash,
    };
  }

  return {
    /** The app on the test database (in upstream runs, the stand-in for ZITADEL). */
    app,
    config,
    database,
    db: database.db,
    clock,
    sleeps,
    hasher,
    admin,
    repository,
    logLines,
    gql,
    rest,
    seed,
    gateway,
    async close() {
      await front?.close();
      await app.close();
      await testDatabase.close();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;
export type World = Awaited<ReturnType<Harness['seed']>>;

export const UPDATE = `mutation Update($input: UpdateHumanUserInput!) {
  updateHumanUser(input: $input) { details { sequence changeDate resourceOwner } emailCode phoneCode }
}`;

export const RESET = `mutation Reset($input: PasswordResetInput!) {
  passwordReset(input: $input) { details { sequence changeDate resourceOwner } verificationCode }
}`;

/** The user's row and event log, to prove that a rejected request changed nothing. */
export async function snapshot(h: Harness, userId: string) {
  const user = await h.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  const events = await h.db
    .selectFrom('user_events')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('sequence')
    .execute();
  // Ordered: PostgreSQL returns rows in physical order, which updates and vacuum change.
  const codes = await h.db
    .selectFrom('verification_codes')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('kind')
    .execute();
  const outbox = await h.db
    .selectFrom('notification_outbox')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('id')
    .execute();
  return { user, events, codes, outbox };
}

/** The stored (hashed) pending code of one kind for a user, failing when there is none. */
export async function storedCodeHash(h: Harness, userId: string, kind: 'email' | 'phone' | 'password_reset') {
  const row = await h.db
    .selectFrom('verification_codes')
    .select('code_hash')
    .where('user_id', '=', userId)
    .where('kind', '=', kind)
    .executeTakeFirstOrThrow();
  return row.code_hash;
}
