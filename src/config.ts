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
  MAX_REQUEST_BODY_BYTES: z.coerce.number().int().min(1).default(1_048_576),
  GRAPHIQL: z.enum(['true', 'false']).optional(),
  INTROSPECTION: z.enum(['true', 'false']).optional(),
  CORS_ORIGINS: z.string().default(''),
  CREDENTIAL_CHECKS_PER_USER_PER_MINUTE: z.coerce.number().int().min(0).default(30),
  CREDENTIAL_CHECKS_PER_IP_PER_MINUTE: z.coerce.number().int().min(0).default(300),
});

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  readonly passwordHashCost: number;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly sqliteSynchronous: 'FULL' | 'NORMAL';
  /** Larger request bodies get 413 on both faces. */
  readonly maxRequestBodyBytes: number;
  /** GraphiQL and introspection: on unless NODE_ENV=production, where GRAPHIQL/INTROSPECTION=true re-enable them. */
  readonly graphiql: boolean;
  readonly introspection: boolean;
  /** Origins allowed by CORS; empty (the default) means no cross-origin access. */
  readonly corsOrigins: readonly string[];
  /** Password/code checks allowed per user and per client IP in a sliding minute (0 = unlimited). */
  readonly credentialChecksPerUserPerMinute: number;
  readonly credentialChecksPerIpPerMinute: number;
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
    maxRequestBodyBytes: v.MAX_REQUEST_BODY_BYTES,
    graphiql: v.GRAPHIQL ? v.GRAPHIQL === 'true' : v.NODE_ENV !== 'production',
    introspection: v.INTROSPECTION ? v.INTROSPECTION === 'true' : v.NODE_ENV !== 'production',
    corsOrigins: Object.freeze(
      v.CORS_ORIGINS.split(',')
        .map((o) => o.trim())
        .filter((o) => o !== ''),
    ),
    credentialChecksPerUserPerMinute: v.CREDENTIAL_CHECKS_PER_USER_PER_MINUTE,
    credentialChecksPerIpPerMinute: v.CREDENTIAL_CHECKS_PER_IP_PER_MINUTE,
  });
}
