// Environment → validated, frozen configuration. Fails fast with one clear message per bad value.
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseUrlTemplate } from './domain/users/url-template.js';
import { loadManifest, type TrustedDocuments } from './http/trusted-documents.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A Go-style URL template with only {{.UserID}}, {{.Code}} and {{.OrgID}} (spec §2.3). */
const urlTemplate = z.string().refine(
  (value) => {
    try {
      parseUrlTemplate(value);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a URL template using only {{.UserID}}, {{.Code}} and {{.OrgID}}' },
);

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z.string().min(1).default('./data/user-gateway.sqlite'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  PASSWORD_HASH_COST: z.coerce.number().int().min(4).max(16).default(12),
  PASSWORD_HASH_THREADS: z.coerce.number().int().min(1).max(256).default(availableParallelism()),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  SQLITE_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).default('FULL'),
  MAX_REQUEST_BODY_BYTES: z.coerce.number().int().min(1).default(1_048_576),
  REQUEST_BODY_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  HTTP2_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).default(60_000),
  HTTP2_MAX_CONCURRENT_STREAMS: z.coerce.number().int().min(1).max(10_000).default(100),
  HTTP2_MAX_SESSIONS: z.coerce.number().int().min(1).max(100_000).default(500),
  // Live user events (subscription userEvents over SSE and WebSocket).
  SUBSCRIPTIONS_MAX: z.coerce.number().int().min(1).max(1_000_000).default(1_000),
  SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).max(1_000).default(10),
  SUBSCRIPTION_POLL_MS: z.coerce.number().int().min(50).max(600_000).default(2_000),
  WEBSOCKET_KEEPALIVE_MS: z.coerce.number().int().min(100).max(600_000).default(12_000),
  WEBSOCKET_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
  GRAPHIQL: z.enum(['true', 'false']).optional(),
  INTROSPECTION: z.enum(['true', 'false']).optional(),
  CORS_ORIGINS: z.string().default(''),
  GRAPHQL_FEDERATION: z.enum(['true', 'false']).default('false'),
  // A persisted-operations manifest (hash → document); read and checked here, at start.
  TRUSTED_DOCUMENTS: z
    .string()
    .transform((path, ctx) => {
      try {
        return loadManifest(path);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
  CREDENTIAL_CHECKS_PER_USER_PER_MINUTE: z.coerce.number().int().min(0).default(30),
  CREDENTIAL_CHECKS_PER_IP_PER_MINUTE: z.coerce.number().int().min(0).default(300),
  AUTH_FAILURES_PER_IP_PER_MINUTE: z.coerce.number().int().min(0).default(100),
  // Notification delivery (src/domain/notify): no SMTP_URL / SMS_WEBHOOK_URL = that channel is off.
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  SMTP_FROM: z.string().min(3).default('user-gateway <no-reply@localhost>'),
  SMS_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  SMS_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  EMAIL_VERIFY_URL_TEMPLATE: urlTemplate.default(
    'http://localhost:8080/ui/login/mail/verification?userID={{.UserID}}&code={{.Code}}&orgID={{.OrgID}}',
  ),
  PASSWORD_RESET_URL_TEMPLATE: urlTemplate.default(
    'http://localhost:8080/ui/login/password/init?userID={{.UserID}}&code={{.Code}}&orgID={{.OrgID}}',
  ),
  OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  OUTBOX_BACKOFF_BASE_MS: z.coerce.number().int().min(1).default(5_000),
  OUTBOX_BACKOFF_MAX_MS: z.coerce.number().int().min(1).default(3_600_000),
  OUTBOX_LEASE_MS: z.coerce.number().int().min(1_000).default(120_000),
  OUTBOX_POLL_MS: z.coerce.number().int().min(10).default(1_000),
  NOTIFY_LOG_CODES: z.enum(['true', 'false']).default('false'),
});

/** Every environment variable the gateway reads (the README's configuration table lists them all). */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(schema.shape));

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  /** PostgreSQL: connections in this instance's pool (ignored for SQLite). */
  readonly databasePoolSize: number;
  /** PostgreSQL bounds, so a hanging database answers in seconds (src/db/connection.ts). */
  readonly databaseTimeouts: PostgresTimeouts;
  readonly passwordHashCost: number;
  /** Low-priority threads that hash and verify passwords (src/domain/users/hash-workers.ts). */
  readonly passwordHashThreads: number;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly sqliteSynchronous: 'FULL' | 'NORMAL';
  /** Larger request bodies get 413 on both faces. */
  readonly maxRequestBodyBytes: number;
  /** A request whose body has not arrived in this time: 408 on HTTP/1.1, stream reset on HTTP/2. */
  readonly requestBodyTimeoutMs: number;
  /** An HTTP/2 session without any frame for this long is closed. */
  readonly http2IdleTimeoutMs: number;
  readonly http2MaxConcurrentStreams: number;
  /** h2c sessions open at once; more connections are refused with GOAWAY (ENHANCE_YOUR_CALM). */
  readonly http2MaxSessions: number;
  /** GraphiQL and introspection: on unless NODE_ENV=production, where GRAPHIQL/INTROSPECTION=true re-enable them. */
  readonly graphiql: boolean;
  readonly introspection: boolean;
  /** Origins allowed by CORS; empty (the default) means no cross-origin access. */
  readonly corsOrigins: readonly string[];
  /** Serve /graphql as a Federation v2 subgraph (`_service`, `_entities`; README "Federation"). */
  readonly federation: boolean;
  /** TRUSTED_DOCUMENTS: /graphql runs only these documents (key → text); undefined = any document. */
  readonly trustedDocuments: TrustedDocuments | undefined;
  /** Password/code checks allowed per user and per client IP in a sliding minute (0 = unlimited). */
  readonly credentialChecksPerUserPerMinute: number;
  readonly credentialChecksPerIpPerMinute: number;
  /** Failed authentications per client IP in a fixed minute before 429 (0 = unlimited). */
  readonly authFailuresPerIpPerMinute: number;
  /** Notification delivery; see src/domain/notify and the README's "Notifications" section. */
  readonly notify: NotifyConfig;
  /** Live user events; see the README's "Live user events" section. */
  readonly subscriptions: SubscriptionConfig;
}

export interface SubscriptionConfig {
  /** Live subscriptions open at once in this instance (SSE and WebSocket together). */
  readonly max: number;
  /** Subscriptions one WebSocket connection may hold at once (an SSE request is one subscription). */
  readonly perConnection: number;
  /** The log is read at least this often (a lost notification loses nothing) and the token re-checked. */
  readonly pollMs: number;
  /** WebSocket ping interval (graphql-ws keep-alive); a peer that misses one pong is dropped. */
  readonly keepAliveMs: number;
  /** A WebSocket connection without a subscription for this long is closed (also: no connection_init). */
  readonly idleTimeoutMs: number;
}

export interface PostgresTimeouts {
  /** Opening a connection, or waiting for a free one in the pool. */
  readonly connectMs: number;
  /** One statement, on the server and (a little later) on the client, which also catches a silent server. */
  readonly statementMs: number;
  /** A transaction left idle (a stuck client) is ended by the server. */
  readonly idleInTransactionMs: number;
}

export interface NotifyConfig {
  /** SMTP server for e-mail (undefined = e-mail delivery off). */
  readonly smtpUrl: string | undefined;
  readonly smtpFrom: string;
  /** HTTP endpoint receiving `{to, text, messageId}` (undefined = SMS delivery off). */
  readonly smsWebhookUrl: string | undefined;
  readonly smsWebhookTimeoutMs: number;
  /** Default link templates when the caller gave none. */
  readonly emailVerifyUrlTemplate: string;
  readonly passwordResetUrlTemplate: string;
  readonly maxAttempts: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** A claimed row whose worker did not finish within this time is taken over by another. */
  readonly leaseMs: number;
  readonly pollMs: number;
  /**
   * With a channel off, log each undelivered message's text (link or code included) instead.
   * Off unless NOTIFY_LOG_CODES=true: whoever reads such a log can verify addresses and reset passwords.
   */
  readonly logCodes: boolean;
}

export class ConfigError extends Error {}

/** `smtp://user:secret@host` → `smtp://***@host`: error messages never show credentials. */
function hideUserinfo(value: string | undefined): string | undefined {
  return value?.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Treat empty variables as unset, as shells and .env files commonly produce them.
  const cleaned = Object.fromEntries(
    Object.keys(schema.shape).map((key) => [key, env[key] === '' ? undefined : env[key]]),
  );
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) =>
        `  ${issue.path.join('.')}=${JSON.stringify(hideUserinfo(cleaned[String(issue.path[0])]))}: ${issue.message}`,
    );
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const v = parsed.data;
  return Object.freeze({
    port: v.PORT,
    host: v.HOST,
    databaseUrl: v.DATABASE_URL,
    databasePoolSize: v.DATABASE_POOL_SIZE,
    databaseTimeouts: Object.freeze({
      connectMs: v.DATABASE_CONNECT_TIMEOUT_MS,
      statementMs: v.DATABASE_STATEMENT_TIMEOUT_MS,
      idleInTransactionMs: v.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    }),
    passwordHashCost: v.PASSWORD_HASH_COST,
    passwordHashThreads: v.PASSWORD_HASH_THREADS,
    logLevel: v.LOG_LEVEL,
    nodeEnv: v.NODE_ENV,
    sqliteSynchronous: v.SQLITE_SYNCHRONOUS,
    maxRequestBodyBytes: v.MAX_REQUEST_BODY_BYTES,
    requestBodyTimeoutMs: v.REQUEST_BODY_TIMEOUT_MS,
    http2IdleTimeoutMs: v.HTTP2_IDLE_TIMEOUT_MS,
    http2MaxConcurrentStreams: v.HTTP2_MAX_CONCURRENT_STREAMS,
    http2MaxSessions: v.HTTP2_MAX_SESSIONS,
    graphiql: v.GRAPHIQL ? v.GRAPHIQL === 'true' : v.NODE_ENV !== 'production',
    introspection: v.INTROSPECTION ? v.INTROSPECTION === 'true' : v.NODE_ENV !== 'production',
    corsOrigins: Object.freeze(
      v.CORS_ORIGINS.split(',')
        .map((o) => o.trim())
        .filter((o) => o !== ''),
    ),
    federation: v.GRAPHQL_FEDERATION === 'true',
    trustedDocuments: v.TRUSTED_DOCUMENTS,
    credentialChecksPerUserPerMinute: v.CREDENTIAL_CHECKS_PER_USER_PER_MINUTE,
    credentialChecksPerIpPerMinute: v.CREDENTIAL_CHECKS_PER_IP_PER_MINUTE,
    authFailuresPerIpPerMinute: v.AUTH_FAILURES_PER_IP_PER_MINUTE,
    notify: Object.freeze({
      smtpUrl: v.SMTP_URL,
      smtpFrom: v.SMTP_FROM,
      smsWebhookUrl: v.SMS_WEBHOOK_URL,
      smsWebhookTimeoutMs: v.SMS_WEBHOOK_TIMEOUT_MS,
      emailVerifyUrlTemplate: v.EMAIL_VERIFY_URL_TEMPLATE,
      passwordResetUrlTemplate: v.PASSWORD_RESET_URL_TEMPLATE,
      maxAttempts: v.OUTBOX_MAX_ATTEMPTS,
      backoffBaseMs: v.OUTBOX_BACKOFF_BASE_MS,
      backoffMaxMs: v.OUTBOX_BACKOFF_MAX_MS,
      leaseMs: v.OUTBOX_LEASE_MS,
      pollMs: v.OUTBOX_POLL_MS,
      logCodes: v.NOTIFY_LOG_CODES === 'true',
    }),
    subscriptions: Object.freeze({
      max: v.SUBSCRIPTIONS_MAX,
      perConnection: v.SUBSCRIPTIONS_PER_CONNECTION,
      pollMs: v.SUBSCRIPTION_POLL_MS,
      keepAliveMs: v.WEBSOCKET_KEEPALIVE_MS,
      idleTimeoutMs: v.WEBSOCKET_IDLE_TIMEOUT_MS,
    }),
  });
}
