// Environment → validated, frozen configuration. Fails fast with one clear message per bad value.
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z.string().min(1).default('./data/user-gateway.sqlite'),
  PASSWORD_HASH_COST: z.coerce.number().int().min(4).max(16).default(12),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  SQLITE_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).default('FULL'),
});

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  readonly passwordHashCost: number;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly sqliteSynchronous: 'FULL' | 'NORMAL';
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Treat empty variables as unset, as shells and .env files commonly produce them.
  const cleaned = Object.fromEntries(
    Object.keys(schema.shape).map((key) => [key, env[key] === '' ? undefined : env[key]]),
  );
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `  ${issue.path.join('.')}=${JSON.stringify(cleaned[String(issue.path[0])])}: ${issue.message}`,
    );
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const v = parsed.data;
  return Object.freeze({
    port: v.PORT,
    host: v.HOST,
    databaseUrl: v.DATABASE_URL,
    passwordHashCost: v.PASSWORD_HASH_COST,
    logLevel: v.LOG_LEVEL,
    nodeEnv: v.NODE_ENV,
    sqliteSynchronous: v.SQLITE_SYNCHRONOUS,
  });
}
