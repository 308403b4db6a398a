// The command line: `npm run -s cli -- <command>` on the database named by DATABASE_URL.
// Every command prints exactly one JSON object on stdout; bad arguments exit 2 with a message
// on stderr. Secrets are printed only where the command creates them (`token add`).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { AdminError, AdminService } from './domain/admin/admin-service.js';
import { OutboxRepository } from './domain/notify/outbox-repository.js';
import { bcryptHasher } from './domain/users/passwords.js';
import { UserRepository } from './domain/users/user-repository.js';
import { newId, systemClock } from './ids.js';
import { openMigratedDatabase } from './runtime.js';

export class UsageError extends Error {}

/** `--help`: the text goes to stdout and the exit code is 0. */
export class HelpRequested extends Error {}

const USAGE = `usage: npm run -s cli -- <command> [options] [--pretty]
       npm run -s cli -- <command> --help
       npm run -s cli -- --version

commands:
  migrate
  org add --name N [--scoped-usernames] [--domain D]...
  user add --org ID --username U --given-name G --family-name F --email E [--email-verified]
           [--phone P] [--phone-verified] [--password PW] [--change-required]
           [--state initial|active|inactive|locked]
  user get --id ID
  machine add --org ID --username U
  role add --user ID --role ROLE [--org ID]
  token add --user ID [--expires-in 24h]
  token revoke (--token T | --id ID)
  token list --user ID
  policy set --org ID [--min-length N] [--no-lower] [--no-upper] [--no-number] [--no-symbol]
             [--max-password-attempts N]
  outbox list [--status pending|sending|sent|dead]
  outbox retry --id ID`;

type Options = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;

function parse(argv: string[], options: Options) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<
      string,
      string | boolean | string[] | undefined
    >;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

function integer(values: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

/** "90s", "15m", "24h", "7d" → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)(s|m|h|d)$/.exec(text);
  if (!match) throw new UsageError(`invalid duration ${JSON.stringify(text)}; use e.g. 90s, 15m, 24h, 7d`);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

const STATES = ['initial', 'active', 'inactive', 'locked'] as const;

/** The usage lines of one command (its entry in USAGE, continuation lines included). */
export function helpFor(command: string): string {
  const lines = USAGE.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`  ${command} `) || line === `  ${command}`);
  if (start < 0) return USAGE;
  const entry = [lines[start] as string];
  for (const line of lines.slice(start + 1)) {
    if (!/^ {4,}/.test(line)) break;
    entry.push(line);
  }
  return `usage: npm run -s cli -- ${entry.map((l) => l.trim()).join(' ')}\n\nPrints one JSON object on stdout (--pretty: readable text).`;
}

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** `--pretty`: nested objects as indented `key: value` lines. */
export function pretty(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return `${indent}(none)`;
    return value.map((item) => `${indent}-\n${pretty(item, `${indent}  `)}`).join('\n');
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) =>
        v !== null && typeof v === 'object'
          ? `${indent}${k}:\n${pretty(v, `${indent}  `)}`
          : `${indent}${k}: ${String(v)}`,
      )
      .join('\n');
  }
  return `${indent}${String(value)}`;
}

export async function runCli(argv: string[], env: Record<string, string | undefined> = process.env): Promise<unknown> {
  const [group, action, ...rest] = argv;
  if (group === '--version' || group === 'version') return { version: version() };
  if (!group || group === '--help' || group === 'help') throw new HelpRequested(USAGE);
  const command = group === 'migrate' ? 'migrate' : `${group} ${action ?? ''}`.trim();
  const args = group === 'migrate' ? argv.slice(1) : rest;
  const known = [
    'migrate',
    'org add',
    'user add',
    'user get',
    'machine add',
    'role add',
    'token add',
    'token revoke',
    'token list',
    'policy set',
    'outbox list',
    'outbox retry',
  ];
  if (!known.includes(command)) throw new UsageError(`unknown command: ${command}\n\n${USAGE}`);
  if (args.includes('--help') || args.includes('-h')) throw new HelpRequested(helpFor(command));

  const config = loadConfig(env);
  const { database, applied } = await openMigratedDatabase(config);
  const repository = new UserRepository(database.db, newId);
  const admin = new AdminService({
    db: database.db,
    clock: systemClock,
    newId,
    hasher: bcryptHasher(config.passwordHashCost),
    repository,
  });
  const dispatch = async (): Promise<unknown> => {
    switch (command) {
      case 'migrate':
        parse(args, {});
        return { applied };
      case 'org add': {
        const v = parse(args, {
          name: { type: 'string' },
          'scoped-usernames': { type: 'boolean' },
          domain: { type: 'string', multiple: true },
        });
        return admin.addOrganization({
          name: required(v, 'name'),
          scopedUsernames: Boolean(v['scoped-usernames']),
          domains: (v.domain as string[] | undefined) ?? [],
        });
      }
      case 'user add': {
        const v = parse(args, {
          org: { type: 'string' },
          username: { type: 'string' },
          'given-name': { type: 'string' },
          'family-name': { type: 'string' },
          email: { type: 'string' },
          'email-verified': { type: 'boolean' },
          phone: { type: 'string' },
          'phone-verified': { type: 'boolean' },
          password: { type: 'string' },
          'change-required': { type: 'boolean' },
          state: { type: 'string' },
        });
        const state = v.state as string | undefined;
        if (state !== undefined && !(STATES as readonly string[]).includes(state)) {
          throw new UsageError(`--state must be one of ${STATES.join(', ')}`);
        }
        return admin.addHuman({
          orgId: required(v, 'org'),
          username: required(v, 'username'),
          givenName: required(v, 'given-name'),
          familyName: required(v, 'family-name'),
          email: required(v, 'email'),
          emailVerified: Boolean(v['email-verified']),
          ...(v.phone ? { phone: v.phone as string } : {}),
          phoneVerified: Boolean(v['phone-verified']),
          ...(v.password ? { password: v.password as string } : {}),
          changeRequired: Boolean(v['change-required']),
          ...(state ? { state: state as (typeof STATES)[number] } : {}),
        });
      }
      case 'user get': {
        const v = parse(args, { id: { type: 'string' } });
        const user = await repository.findUser(required(v, 'id'));
        if (!user) throw new AdminError(`user ${v.id} does not exist`);
        const { passwordHash, ...visible } = user;
        return { ...visible, hasPassword: passwordHash !== null };
      }
      case 'machine add': {
        const v = parse(args, { org: { type: 'string' }, username: { type: 'string' } });
        return admin.addMachine({ orgId: required(v, 'org'), username: required(v, 'username') });
      }
      case 'role add': {
        const v = parse(args, { user: { type: 'string' }, role: { type: 'string' }, org: { type: 'string' } });
        return admin.addRole({
          userId: required(v, 'user'),
          role: required(v, 'role'),
          ...(v.org ? { orgId: v.org as string } : {}),
        });
      }
      case 'token add': {
        const v = parse(args, { user: { type: 'string' }, 'expires-in': { type: 'string' } });
        const expiresIn = v['expires-in'] as string | undefined;
        return admin.addToken({
          userId: required(v, 'user'),
          ...(expiresIn ? { expiresInMs: parseDuration(expiresIn) } : {}),
        });
      }
      case 'token revoke': {
        const v = parse(args, { token: { type: 'string' }, id: { type: 'string' } });
        return admin.revokeToken({
          ...(v.token ? { token: v.token as string } : {}),
          ...(v.id ? { id: v.id as string } : {}),
        });
      }
      case 'token list': {
        const v = parse(args, { user: { type: 'string' } });
        return { tokens: await admin.listTokens(required(v, 'user')) };
      }
      case 'policy set': {
        const v = parse(args, {
          org: { type: 'string' },
          'min-length': { type: 'string' },
          'no-lower': { type: 'boolean' },
          'no-upper': { type: 'boolean' },
          'no-number': { type: 'boolean' },
          'no-symbol': { type: 'boolean' },
          'max-password-attempts': { type: 'string' },
        });
        const minLength = integer(v, 'min-length', 1, 72);
        const maxAttempts = integer(v, 'max-password-attempts', 0, 1000);
        return admin.setPolicy(required(v, 'org'), {
          ...(minLength !== undefined ? { minLength } : {}),
          ...(v['no-lower'] ? { hasLowercase: false } : {}),
          ...(v['no-upper'] ? { hasUppercase: false } : {}),
          ...(v['no-number'] ? { hasNumber: false } : {}),
          ...(v['no-symbol'] ? { hasSymbol: false } : {}),
          ...(maxAttempts !== undefined ? { maxPasswordAttempts: maxAttempts } : {}),
        });
      }
      case 'outbox list': {
        const v = parse(args, { status: { type: 'string' } });
        const status = v.status as string | undefined;
        if (status !== undefined && !['pending', 'sending', 'sent', 'dead'].includes(status)) {
          throw new UsageError('--status must be one of pending, sending, sent, dead');
        }
        let query = database.db.selectFrom('notification_outbox').selectAll().orderBy('created_at');
        if (status) query = query.where('status', '=', status as 'pending');
        const rows = await query.execute();
        return {
          messages: rows.map((row) => {
            const payload = JSON.parse(row.payload) as { code?: string; url?: string };
            const mask = (s: string | undefined) => (s && payload.code ? s.split(payload.code).join('******') : s);
            return {
              id: row.id,
              userId: row.user_id,
              kind: row.kind,
              channel: row.channel,
              recipient: row.recipient,
              status: row.status,
              attempts: Number(row.attempts),
              createdAt: row.created_at,
              code: payload.code ? '******' : undefined,
              url: mask(payload.url),
              lastError: row.last_error,
            };
          }),
        };
      }
      case 'outbox retry': {
        // A dead (or waiting) message becomes due now with a fresh attempt budget.
        const v = parse(args, { id: { type: 'string' } });
        const id = required(v, 'id');
        const result = await new OutboxRepository(database.db).retryNow(id, systemClock.now());
        if (!result.ok) {
          throw new AdminError(
            result.reason === 'not_found'
              ? `message ${id} does not exist`
              : `message ${id} is ${result.reason === 'sent' ? 'already sent' : 'being sent right now'}`,
          );
        }
        return { id, status: 'pending' };
      }
    }
    throw new UsageError(`unknown command: ${command}`);
  };
  try {
    return await dispatch();
  } finally {
    await database.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const readable = argv.includes('--pretty');
  runCli(argv.filter((a) => a !== '--pretty'))
    .then((result) => {
      process.stdout.write(`${readable ? pretty(result) : JSON.stringify(result)}\n`);
    })
    .catch((error: unknown) => {
      if (error instanceof HelpRequested) {
        process.stdout.write(`${error.message}\n`);
        return;
      }
      if (error instanceof UsageError || error instanceof ConfigError || error instanceof AdminError) {
        process.stderr.write(`${error.message}\n`);
        process.exit(2);
      }
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
