// The administration CLI (src/cli.ts): seeding organizations, users, roles and tokens on a
// database file, what it prints, what it stores, and how it fails.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { runCli, UsageError } from '../../src/cli.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/connection.js';
import { AdminError } from '../../src/domain/admin/admin-service.js';
import { createLogger } from '../../src/logger.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'user-gateway-cli-'));
  env = { DATABASE_URL: join(dir, 'gateway.sqlite'), PASSWORD_HASH_COST: '4' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...argv: string[]) => runCli(argv, env) as Promise<Record<string, unknown>>;
const failure = (...argv: string[]) =>
  runCli(argv, env).then(
    (value) => {
      throw new Error(`expected ${argv.join(' ')} to fail, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error as Error,
  );

/** Reads the database file the CLI wrote (opened after the CLI closed it). */
async function inDb<T>(read: (db: ReturnType<typeof openDatabase>['db']) => Promise<T>): Promise<T> {
  const database = openDatabase(env.DATABASE_URL as string);
  try {
    return await read(database.db);
  } finally {
    await database.close();
  }
}

async function seedOrgAndUser() {
  const org = (await cli('org', 'add', '--name', 'Acme', '--domain', 'acme.ch')) as { id: string };
  const user = (await cli(
    'user',
    'add',
    '--org',
    org.id,
    '--username',
    'alice',
    '--given-name',
    'Alice',
    '--family-name',
    'Liddell',
    '--email',
    'alice@acme.ch',
    '--password',
    'Password1!',
  )) as { id: string };
  return { orgId: org.id, userId: user.id };
}

describe('org add', () => {
  it('creates an organization with verified domains (lower-cased) and scoped usernames', async () => {
    const org = await cli(
      'org',
      'add',
      '--name',
      'Acme',
      '--domain',
      'acme.ch',
      '--domain',
      'Mail.Acme.CH',
      '--scoped-usernames',
    );
    expect(Object.keys(org)).toEqual(['id']);
    expect(org.id).toMatch(/^\d+$/);
    const { row, domains } = await inDb(async (db) => ({
      row: await db
        .selectFrom('organizations')
        .selectAll()
        .where('id', '=', org.id as string)
        .executeTakeFirst(),
      domains: await db.selectFrom('org_domains').selectAll().orderBy('domain').execute(),
    }));
    expect(row).toMatchObject({ name: 'Acme', scoped_usernames: 1 });
    expect(domains).toEqual([
      { domain: 'acme.ch', org_id: org.id, verified: 1 },
      { domain: 'mail.acme.ch', org_id: org.id, verified: 1 },
    ]);
  });

  it('defaults to instance-wide usernames and no domains', async () => {
    const org = await cli('org', 'add', '--name', 'Plain');
    const row = await inDb((db) =>
      db
        .selectFrom('organizations')
        .selectAll()
        .where('id', '=', org.id as string)
        .executeTakeFirstOrThrow(),
    );
    expect(row.scoped_usernames).toBe(0);
    expect(await inDb((db) => db.selectFrom('org_domains').selectAll().execute())).toEqual([]);
  });

  it('rejects a domain verified by another organization, an invalid domain and a missing name', async () => {
    await cli('org', 'add', '--name', 'Acme', '--domain', 'acme.ch');
    const taken = await failure('org', 'add', '--name', 'Copy', '--domain', 'ACME.ch');
    expect(taken).toBeInstanceOf(AdminError);
    expect(taken.message).toBe('a domain is already verified by another organization');
    expect(await inDb((db) => db.selectFrom('organizations').select('name').execute())).toEqual([{ name: 'Acme' }]);
    const invalid = await failure('org', 'add', '--name', 'Bad', '--domain', 'not a domain');
    expect(invalid).toBeInstanceOf(AdminError);
    expect(invalid.message).toBe('invalid domain: not a domain');
    const missing = await failure('org', 'add');
    expect(missing).toBeInstanceOf(UsageError);
    expect(missing.message).toBe('--name is required');
  });
});

describe('user add / user get / machine add', () => {
  it('creates a human whose event 1 is user.created, with a bcrypt hash of the configured cost', async () => {
    const { orgId, userId } = await seedOrgAndUser();
    const { user, events } = await inDb(async (db) => ({
      user: await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow(),
      events: await db.selectFrom('user_events').selectAll().where('user_id', '=', userId).execute(),
    }));
    expect(user).toMatchObject({
      org_id: orgId,
      kind: 'human',
      state: 'active',
      username: 'alice',
      given_name: 'Alice',
      family_name: 'Liddell',
      email: 'alice@acme.ch',
      email_verified: 0,
    });
    expect(Number(user.sequence)).toBe(1);
    expect(user.password_hash).toMatch(/^\$2[aby]\$04\$/);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ sequence: 1, type: 'user.created', creator: userId, resource_owner: orgId });
    expect(events[0]?.payload).not.toContain('Password1!');
    expect(events[0]?.payload).not.toMatch(/\$2[aby]\$/);
    expect(JSON.parse(events[0]?.payload as string)).toMatchObject({ username: 'alice', email: 'alice@acme.ch' });
  });

  it('creates a user without a password as active (upstream v2 AddHumanUser); verified flags and phone are stored', async () => {
    const org = await cli('org', 'add', '--name', 'Acme');
    const { id } = await cli(
      'user',
      'add',
      '--org',
      org.id as string,
      '--username',
      'newbie',
      '--given-name',
      'New',
      '--family-name',
      'Bie',
      '--email',
      'newbie@example.com',
      '--email-verified',
      '--phone',
      '079 123 45 67',
      '--phone-verified',
    );
    const got = await cli('user', 'get', '--id', id as string);
    expect(got).toMatchObject({
      id,
      kind: 'human',
      state: 'active',
      email: { email: 'newbie@example.com', isVerified: true },
      phone: { phone: '+41791234567', isVerified: true },
      hasPassword: false,
    });
  });

  it('user add --state initial makes an initial user without a password', async () => {
    const org = await cli('org', 'add', '--name', 'Acme');
    const args = ['--org', org.id as string, '--username', 'invitee', '--given-name', 'In', '--family-name', 'Vitee'];
    const { id } = await cli('user', 'add', ...args, '--email', 'invitee@example.com', '--state', 'initial');
    expect(await cli('user', 'get', '--id', id as string)).toMatchObject({
      id,
      state: 'initial',
      hasPassword: false,
    });
  });

  it('user get prints the user without any password hash', async () => {
    const { userId, orgId } = await seedOrgAndUser();
    const got = await cli('user', 'get', '--id', userId);
    expect(got).toMatchObject({ id: userId, orgId, username: 'alice', hasPassword: true, sequence: 1 });
    expect(got).not.toHaveProperty('passwordHash');
    const text = JSON.stringify(got);
    expect(text).not.toMatch(/\$2[aby]\$/);
    expect(text).not.toContain('Password1!');
  });

  it('user get of an unknown id → AdminError', async () => {
    await cli('migrate');
    const error = await failure('user', 'get', '--id', '42');
    expect(error).toBeInstanceOf(AdminError);
    expect(error.message).toBe('user 42 does not exist');
  });

  it('refuses a duplicate username (case-insensitively) unless the organizations scope usernames', async () => {
    const { orgId } = await seedOrgAndUser();
    const args = ['--given-name', 'A', '--family-name', 'B', '--email', 'a@example.com'];
    const dup = await failure('user', 'add', '--org', orgId, '--username', 'ALICE', ...args);
    expect(dup).toBeInstanceOf(AdminError);
    expect(dup.message).toBe('username ALICE is already taken');
    const s1 = await cli('org', 'add', '--name', 'S1', '--scoped-usernames');
    const s2 = await cli('org', 'add', '--name', 'S2', '--scoped-usernames');
    await cli('user', 'add', '--org', s1.id as string, '--username', 'alice', ...args);
    await cli('user', 'add', '--org', s2.id as string, '--username', 'Alice', ...args);
    const scopedDup = await failure('user', 'add', '--org', s2.id as string, '--username', 'aLiCe', ...args);
    expect(scopedDup).toBeInstanceOf(AdminError);
  });

  const VALID_USER = [
    '--org',
    'ORG',
    '--username',
    'x',
    '--given-name',
    'A',
    '--family-name',
    'B',
    '--email',
    'x@example.com',
  ];
  it.each([
    [
      ['--username', 'x', '--given-name', 'A', '--family-name', 'B', '--email', 'x@example.com'],
      UsageError,
      '--org is required',
    ],
    [
      ['--org', 'ORG', '--given-name', 'A', '--family-name', 'B', '--email', 'x@example.com'],
      UsageError,
      '--username is required',
    ],
    [
      ['--org', 'ORG', '--username', 'x', '--given-name', 'A', '--family-name', 'B', '--email', 'Name <x@example.com>'],
      AdminError,
      'invalid email: Name <x@example.com>',
    ],
    [[...VALID_USER, '--phone', '12'], AdminError, 'invalid phone: 12'],
    [[...VALID_USER, '--state', 'deleted'], UsageError, '--state must be one of initial, active, inactive, locked'],
    [
      ['--org', '999', '--username', 'x', '--given-name', 'A', '--family-name', 'B', '--email', 'x@example.com'],
      AdminError,
      'organization 999 does not exist',
    ],
    [['--org', 'ORG', '--username', 'x', '--bogus'], UsageError, undefined],
  ] as const)('user add %j → %o', async (args, type, message) => {
    const org = await cli('org', 'add', '--name', 'Acme');
    const error = await failure('user', 'add', ...args.map((a) => (a === 'ORG' ? (org.id as string) : a)));
    expect(error).toBeInstanceOf(type);
    if (message) expect(error.message).toBe(message);
    expect(await inDb((db) => db.selectFrom('users').select('id').execute())).toEqual([]);
  });

  it('machine add creates a machine user (event 1 user.created) that the API treats as not found', async () => {
    const org = await cli('org', 'add', '--name', 'Acme');
    const machine = await cli('machine', 'add', '--org', org.id as string, '--username', 'robot');
    const got = await cli('user', 'get', '--id', machine.id as string);
    expect(got).toMatchObject({ kind: 'machine', username: 'robot', state: 'active', hasPassword: false });
    const events = await inDb((db) => db.selectFrom('user_events').selectAll().execute());
    expect(events.map((e) => [e.type, e.sequence, JSON.parse(e.payload)])).toEqual([
      ['user.created', 1, { username: 'robot', machine: true }],
    ]);
  });
});

describe('role add', () => {
  it('grants organization and instance roles', async () => {
    const { orgId, userId } = await seedOrgAndUser();
    expect(await cli('role', 'add', '--user', userId, '--role', 'ORG_OWNER', '--org', orgId)).toMatchObject({
      userId,
      role: 'ORG_OWNER',
      orgId,
    });
    expect(await cli('role', 'add', '--user', userId, '--role', 'IAM_OWNER')).toMatchObject({
      userId,
      role: 'IAM_OWNER',
      orgId: null,
    });
    const grants = await inDb((db) =>
      db.selectFrom('role_grants').select(['role', 'org_id']).orderBy('role').execute(),
    );
    expect(grants).toEqual([
      { role: 'IAM_OWNER', org_id: null },
      { role: 'ORG_OWNER', org_id: orgId },
    ]);
  });

  it.each(['IAM_ORG_MANAGER', 'IAM_LOGIN_CLIENT'])(
    'grants %s instance-wide (as upstream); never on one organization',
    async (role) => {
      const { orgId, userId } = await seedOrgAndUser();
      expect(await cli('role', 'add', '--user', userId, '--role', role)).toMatchObject({ userId, role, orgId: null });
      const refused = await failure('role', 'add', '--user', userId, '--role', role, '--org', orgId);
      expect(refused).toBeInstanceOf(AdminError);
      expect(refused.message).toBe(`${role} is instance-wide; drop --org`);
      expect(await inDb((db) => db.selectFrom('role_grants').select(['role', 'org_id']).execute())).toEqual([
        { role, org_id: null },
      ]);
    },
  );

  it.each([
    [['--role', 'SUPER_ADMIN', '--org', 'ORG'], AdminError, /^unknown role SUPER_ADMIN; known roles: IAM_OWNER/],
    [['--role', 'org_owner', '--org', 'ORG'], AdminError, /^unknown role org_owner/],
    [['--role', 'IAM_OWNER', '--org', 'ORG'], AdminError, /^IAM_OWNER is instance-wide; drop --org$/],
    [['--role', 'ORG_OWNER'], AdminError, /^ORG_OWNER is granted on an organization; add --org$/],
    [['--role', 'ORG_OWNER', '--org', '999'], AdminError, /^organization 999 does not exist$/],
    [['--org', 'ORG'], UsageError, /^--role is required$/],
  ] as const)('role add %j is refused (%o) and grants nothing', async (args, type, message) => {
    const { orgId, userId } = await seedOrgAndUser();
    const error = await failure('role', 'add', '--user', userId, ...args.map((a) => (a === 'ORG' ? orgId : a)));
    expect(error).toBeInstanceOf(type);
    expect(error.message).toMatch(message);
    expect(await inDb((db) => db.selectFrom('role_grants').selectAll().execute())).toEqual([]);
  });

  it('role add for an unknown user → AdminError', async () => {
    await cli('migrate');
    const error = await failure('role', 'add', '--user', '77', '--role', 'IAM_OWNER');
    expect(error).toBeInstanceOf(AdminError);
    expect(error.message).toBe('user 77 does not exist');
  });
});

describe('token add', () => {
  it('shows the token once; only its SHA-256 is stored; token list never shows it', async () => {
    const { userId } = await seedOrgAndUser();
    const created = await cli('token', 'add', '--user', userId);
    expect(Object.keys(created).sort()).toEqual(['expiresAt', 'id', 'token']);
    expect(created.expiresAt).toBeNull();
    const token = created.token as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await inDb((db) => db.selectFrom('access_tokens').selectAll().execute());
    expect(rows).toHaveLength(1);
    expect(rows[0]?.token_hash).not.toBe(token);
    expect(rows[0]?.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(token);
    const list = await cli('token', 'list', '--user', userId);
    expect(list).toEqual({
      tokens: [{ id: created.id, userId, createdAt: rows[0]?.created_at, expiresAt: null, revokedAt: null }],
    });
    expect(JSON.stringify(list)).not.toContain(token);
    // Two tokens are different secrets.
    expect((await cli('token', 'add', '--user', userId)).token).not.toBe(token);
  });

  it('--expires-in sets the expiry; a bad duration or unknown user is refused', async () => {
    const { userId } = await seedOrgAndUser();
    const before = Date.now();
    const created = await cli('token', 'add', '--user', userId, '--expires-in', '24h');
    const expiresAt = Date.parse(created.expiresAt as string);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 86_400_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 86_400_000);
    const bad = await failure('token', 'add', '--user', userId, '--expires-in', '1y');
    expect(bad).toBeInstanceOf(UsageError);
    expect(bad.message).toContain('invalid duration "1y"');
    const unknown = await failure('token', 'add', '--user', '404');
    expect(unknown).toBeInstanceOf(AdminError);
    expect(await inDb((db) => db.selectFrom('access_tokens').select('id').execute())).toHaveLength(1);
  });

  it('a token seeded by the CLI authenticates on the gateway (same database file)', async () => {
    const { orgId, userId } = await seedOrgAndUser();
    await cli('role', 'add', '--user', userId, '--role', 'ORG_OWNER', '--org', orgId);
    const { token } = (await cli('token', 'add', '--user', userId)) as { token: string };
    const database = openDatabase(env.DATABASE_URL as string);
    try {
      const app = createApp({
        database,
        config: loadConfig({ NODE_ENV: 'test', ...env }),
        logger: createLogger('silent'),
      });
      const res = await app.yoga.fetch(`http://gateway/v2/users/human/${userId}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ profile: { givenName: 'Alicia', familyName: 'Liddell' } }),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { details: unknown }).details).toMatchObject({
        sequence: '2',
        resourceOwner: orgId,
      });
    } finally {
      await database.close();
    }
    await cli('token', 'revoke', '--token', token);
    const rows = await inDb((db) => db.selectFrom('access_tokens').select('revoked_at').execute());
    expect(rows[0]?.revoked_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});

describe('as a process (npx tsx src/cli.ts)', () => {
  const spawn = (...argv: string[]) =>
    run('npx', ['tsx', 'src/cli.ts', ...argv], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('bad arguments exit non-zero with a message on stderr and nothing on stdout', async () => {
    const missingValue = await spawn('user', 'add', '--org');
    expect(missingValue.code).toBe(2);
    expect(missingValue.stdout).toBe('');
    expect(missingValue.stderr).toContain("Option '--org <value>' argument missing");

    const unknownRole = await spawn('role', 'add', '--user', '1', '--role', 'SUPER_ADMIN');
    expect(unknownRole.code).toBe(2);
    expect(unknownRole.stdout).toBe('');
    expect(unknownRole.stderr).toContain('unknown role SUPER_ADMIN');
  }, 60_000);

  it('a good command prints exactly one JSON object on stdout and exits 0', async () => {
    const ok = await spawn('org', 'add', '--name', 'Acme');
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim().split('\n')).toHaveLength(1);
    expect(Object.keys(JSON.parse(ok.stdout))).toEqual(['id']);
  }, 60_000);
});
