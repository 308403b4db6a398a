// The command line: `npm run -s cli -- <command>` on the database named by DATABASE_URL.
// Every command prints exactly one JSON object on stdout; bad arguments exit 2 with a message
// on stderr. Secrets are printed only where the command creates them (`token add`).
// The commands are one table (COMMANDS): name, options, usage and what it runs; the overall usage
// text, each command's `--help` and the option parsing are all derived from it.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { AdminRepository } from './domain/admin/admin-repository.js';
import { AdminError, AdminService } from './domain/admin/admin-service.js';
import { OutboxRepository, type OutboxStatus } from './domain/notify/outbox-repository.js';
import { bcryptHasher } from './domain/users/passwords.js';
import { UserRepository } from './domain/users/user-repository.js';
import { createIdGenerator, systemClock } from './ids.js';
import { openMigratedDatabase } from './runtime.js';

export class UsageError extends Error {}

/** `--help`: the text goes to stdout and the exit code is 0. */
export class HelpRequested extends Error {}

type Options = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;

type Values = Record<string, string | boolean | string[] | undefined>;

function parse(argv: string[], options: Options): Values {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Values;
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

/** An optional option restricted to a few values. */
function oneOf<T extends string>(values: Values, name: string, allowed: readonly T[]): T | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** An optional string option, left out when absent or empty. */
function optional<K extends string>(values: Values, name: string, key: K): { [P in K]?: string } {
  const value = values[name];
  return (typeof value === 'string' && value !== '' ? { [key]: value } : {}) as { [P in K]?: string };
}

const STATES = ['initial', 'active', 'inactive', 'locked'] as const;
const OUTBOX_STATUSES: readonly OutboxStatus[] = ['pending', 'sending', 'sent', 'dead'];

/** What a command runs against: one database, opened (and migrated) for the run. */
interface CliContext {
  admin: AdminService;
  users: UserRepository;
  outbox: OutboxRepository;
  /** Migrations applied when the database was opened. */
  applied: readonly string[];
}

interface Command {
  /** One or two words: `migrate`, `user add`. */
  name: string;
  /** The options' synopsis; a line break continues it on an indented line of the overall usage. */
  usage?: string;
  options: Options;
  run(values: Values, cli: CliContext): Promise<unknown>;
}

const string = { type: 'string' } as const;
const flag = { type: 'boolean' } as const;

const COMMANDS: readonly Command[] = [
  {
    name: 'migrate',
    options: {},
    run: async (_v, cli) => ({ applied: cli.applied }),
  },
  {
    name: 'org add',
    usage: '--name N [--scoped-usernames] [--domain D]...',
    options: { name: string, 'scoped-usernames': flag, domain: { type: 'string', multiple: true } },
    run: (v, cli) =>
      cli.admin.addOrganization({
        name: required(v, 'name'),
        scopedUsernames: Boolean(v['scoped-usernames']),
        domains: (v.domain as string[] | undefined) ?? [],
      }),
  },
  {
    name: 'user add',
    usage: `--org ID --username U --given-name G --family-name F --email E [--email-verified]
[--phone P] [--phone-verified] [--password PW] [--change-required]
[--state initial|active|inactive|locked]`,
    options: {
      org: string,
      username: string,
      'given-name': string,
      'family-name': string,
      email: string,
      'email-verified': flag,
      phone: string,
      'phone-verified': flag,
      password: string,
      'change-required': flag,
      state: string,
    },
    run: (v, cli) => {
      // As upstream's v2 AddHumanUser: active with or without a password; `initial` only when asked for.
      const state = oneOf(v, 'state', STATES) ?? 'active';
      return cli.admin.addHuman({
        orgId: required(v, 'org'),
        username: required(v, 'username'),
        givenName: required(v, 'given-name'),
        familyName: required(v, 'family-name'),
        email: required(v, 'email'),
        emailVerified: Boolean(v['email-verified']),
        ...optional(v, 'phone', 'phone'),
        phoneVerified: Boolean(v['phone-verified']),
        ...optional(v, 'password', 'password'),
        changeRequired: Boolean(v['change-required']),
        state,
      });
    },
  },
  {
    name: 'user get',
    usage: '--id ID',
    options: { id: string },
    run: async (v, cli) => {
      const user = await cli.users.findUser(required(v, 'id'));
      if (!user) throw new AdminError(`user ${v.id} does not exist`);
      const { passwordHash, ...visible } = user;
      return { ...visible, hasPassword: passwordHash !== null };
    },
  },
  {
    name: 'machine add',
    usage: '--org ID --username U',
    options: { org: string, username: string },
    run: (v, cli) => cli.admin.addMachine({ orgId: required(v, 'org'), username: required(v, 'username') }),
  },
  {
    name: 'role add',
    usage: '--user ID --role ROLE [--org ID]',
    options: { user: string, role: string, org: string },
    run: (v, cli) =>
      cli.admin.addRole({ userId: required(v, 'user'), role: required(v, 'role'), ...optional(v, 'org', 'orgId') }),
  },
  {
    name: 'token add',
    usage: '--user ID [--expires-in 24h]',
    options: { user: string, 'expires-in': string },
    run: (v, cli) => {
      const expiresIn = v['expires-in'] as string | undefined;
      return cli.admin.addToken({
        userId: required(v, 'user'),
        ...(expiresIn ? { expiresInMs: parseDuration(expiresIn) } : {}),
      });
    },
  },
  {
    name: 'token revoke',
    usage: '(--token T | --id ID)',
    options: { token: string, id: string },
    run: (v, cli) => cli.admin.revokeToken({ ...optional(v, 'token', 'token'), ...optional(v, 'id', 'id') }),
  },
  {
    name: 'token list',
    usage: '--user ID',
    options: { user: string },
    run: async (v, cli) => ({ tokens: await cli.admin.listTokens(required(v, 'user')) }),
  },
  {
    name: 'policy set',
    usage: `--org ID [--min-length N] [--no-lower] [--no-upper] [--no-number] [--no-symbol]
[--max-password-attempts N]`,
    options: {
      org: string,
      'min-length': string,
      'no-lower': flag,
      'no-upper': flag,
      'no-number': flag,
      'no-symbol': flag,
      'max-password-attempts': string,
    },
    run: (v, cli) => {
      const minLength = integer(v, 'min-length', 1, 72);
      const maxAttempts = integer(v, 'max-password-attempts', 0, 1000);
      return cli.admin.setPolicy(required(v, 'org'), {
        ...(minLength !== undefined ? { minLength } : {}),
        ...(v['no-lower'] ? { hasLowercase: false } : {}),
        ...(v['no-upper'] ? { hasUppercase: false } : {}),
        ...(v['no-number'] ? { hasNumber: false } : {}),
        ...(v['no-symbol'] ? { hasSymbol: false } : {}),
        ...(maxAttempts !== undefined ? { maxPasswordAttempts: maxAttempts } : {}),
      });
    },
  },
  {
    name: 'outbox list',
    usage: `[--status ${OUTBOX_STATUSES.join('|')}]`,
    options: { status: string },
    run: async (v, cli) => ({ messages: await cli.outbox.list(oneOf(v, 'status', OUTBOX_STATUSES)) }),
  },
  {
    name: 'outbox retry',
    usage: '--id ID',
    options: { id: string },
    run: async (v, cli) => {
      // A dead (or waiting) message becomes due now with a fresh attempt budget.
      const id = required(v, 'id');
      const result = await cli.outbox.retryNow(id, systemClock.now());
      if (!result.ok) {
        throw new AdminError(
          result.reason === 'not_found'
            ? `message ${id} does not exist`
            : `message ${id} is ${result.reason === 'sent' ? 'already sent' : 'being sent right now'}`,
        );
      }
      return { id, status: 'pending' };
    },
  },
];

/** A command's synopsis lines: name and usage, continuation lines aligned after the name. */
function synopsis(command: Command): string[] {
  const [first, ...more] = (command.usage ?? '').split('\n');
  const indent = ' '.repeat(command.name.length + 1);
  return [`${command.name}${first ? ` ${first}` : ''}`, ...more.map((line) => `${indent}${line}`)];
}

const USAGE = `usage: npm run -s cli -- <command> [options] [--pretty]
       npm run -s cli -- <command> --help
       npm run -s cli -- --version

commands:
${COMMANDS.flatMap(synopsis)
  .map((line) => `  ${line}`)
  .join('\n')}`;

/** The usage of one command (continuation lines joined); the overall usage for an unknown one. */
export function helpFor(name: string): string {
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) return USAGE;
  const line = synopsis(command)
    .map((l) => l.trim())
    .join(' ');
  return `usage: npm run -s cli -- ${line}\n\nPrints one JSON object on stdout (--pretty: readable text).`;
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
  const name = group === 'migrate' ? 'migrate' : `${group} ${action ?? ''}`.trim();
  const args = group === 'migrate' ? argv.slice(1) : rest;
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command: ${name}\n\n${USAGE}`);
  if (args.includes('--help') || args.includes('-h')) throw new HelpRequested(helpFor(name));

  if (env.ZITADEL_URL) {
    // Upstream mode (issue 18): users, tokens, roles and notifications live in the upstream ZITADEL.
    throw new UsageError(
      `${name}: refused in upstream mode (ZITADEL_URL is set): users, tokens, roles and notifications live in the upstream ZITADEL; manage them there. Unset ZITADEL_URL to work on the local database.`,
    );
  }
  const config = loadConfig(env);
  const { database, applied } = await openMigratedDatabase(config);
  try {
    const values = parse(args, command.options);
    const newId = createIdGenerator();
    const users = new UserRepository(database.db, newId);
    const admin = new AdminService({
      repository: new AdminRepository(database.db),
      users,
      clock: systemClock,
      newId,
      hasher: bcryptHasher(config.passwordHashCost),
    });
    return await command.run(values, { admin, users, outbox: new OutboxRepository(database.db), applied });
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
