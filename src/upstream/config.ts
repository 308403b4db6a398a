// Upstream mode's settings: environment → validated, frozen settings, or undefined when
// ZITADEL_URL is unset (embedded mode). Fails fast with one clear line per bad value, like
// src/config.ts, whose ConfigError it throws so main reports both the same way.
import { z } from 'zod';
import { ConfigError } from '../config.js';

const flag = z.enum(['true', 'false']).default('false');
const int = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

const schema = z.object({
  /** The ZITADEL instance, e.g. https://my-instance.example (a path prefix is allowed). */
  ZITADEL_URL: z.url({ protocol: /^https?$/, error: 'must be an https:// URL (http:// needs ZITADEL_INSECURE=true)' }),
  /** Allows http:// (h2c, no TLS): for development against a local stand-in only. */
  ZITADEL_INSECURE: flag,
  /** A PEM file of extra trusted CAs (e.g. a private CA); the system CAs are always trusted. */
  ZITADEL_CA_FILE: z.string().min(1).optional(),
  /** Deadline of one upstream call, connection set-up included. */
  UPSTREAM_TIMEOUT_MS: int(1, 600_000, 5_000),
  /** HTTP/2 connections kept to upstream; calls are spread over them round-robin. */
  UPSTREAM_POOL_SIZE: int(1, 64, 2),
  /** PING interval that keeps idle connections alive (and detects dead ones). */
  UPSTREAM_KEEPALIVE_MS: int(1_000, 7_200_000, 30_000),
  /** Extra attempts of an idempotent read (GetUserByID) after a transport failure. */
  UPSTREAM_RETRIES: int(0, 10, 2),
  UPSTREAM_RETRY_BASE_MS: int(1, 60_000, 50),
  UPSTREAM_RETRY_MAX_MS: int(1, 60_000, 1_000),
  /** Consecutive transport failures that open the circuit breaker. */
  UPSTREAM_BREAKER_FAILURES: int(1, 1_000, 5),
  /** How long an open breaker fails fast before it lets one probe call through. */
  UPSTREAM_BREAKER_RESET_MS: int(100, 3_600_000, 10_000),
});

/** Every environment variable of upstream mode (the README's configuration table must list them). */
export const UPSTREAM_CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(schema.shape));

export interface BreakerSettings {
  readonly failureThreshold: number;
  readonly resetTimeoutMs: number;
}

export interface RetrySettings {
  /** Extra attempts after the first. */
  readonly retries: number;
  readonly baseMs: number;
  readonly maxMs: number;
}

export interface UpstreamSettings {
  /** Base URL without a trailing slash. */
  readonly url: string;
  /** true for http:// (cleartext HTTP/2), only allowed with ZITADEL_INSECURE=true. */
  readonly insecure: boolean;
  readonly caFile: string | undefined;
  readonly timeoutMs: number;
  readonly poolSize: number;
  readonly keepAliveMs: number;
  readonly retry: RetrySettings;
  readonly breaker: BreakerSettings;
}

/** Upstream mode's settings from the environment; undefined when ZITADEL_URL is not set. */
export function loadUpstreamSettings(
  env: Record<string, string | undefined> = process.env,
): UpstreamSettings | undefined {
  const cleaned = Object.fromEntries(
    Object.keys(schema.shape).map((key) => [key, env[key] === '' ? undefined : env[key]]),
  );
  if (cleaned.ZITADEL_URL === undefined) return undefined;
  const parsed = schema.safeParse(cleaned);
  const problems =
    parsed.error?.issues.map(
      (issue) => `  ${issue.path.join('.')}=${JSON.stringify(cleaned[String(issue.path[0])])}: ${issue.message}`,
    ) ?? [];
  if (parsed.success) {
    const url = new URL(parsed.data.ZITADEL_URL);
    if (url.username || url.password) problems.push('  ZITADEL_URL: must not carry credentials');
    if (url.search || url.hash) problems.push('  ZITADEL_URL: must not carry a query or fragment');
    if (url.protocol === 'http:' && parsed.data.ZITADEL_INSECURE !== 'true') {
      problems.push(
        `  ZITADEL_URL=${JSON.stringify(cleaned.ZITADEL_URL)}: http:// sends tokens in clear text; use https:// or set ZITADEL_INSECURE=true (development only)`,
      );
    }
    if (url.protocol === 'https:' && parsed.data.ZITADEL_INSECURE === 'true') {
      problems.push('  ZITADEL_INSECURE=true: only applies to an http:// ZITADEL_URL; https:// always verifies TLS');
    }
    if (parsed.data.UPSTREAM_RETRY_MAX_MS < parsed.data.UPSTREAM_RETRY_BASE_MS) {
      problems.push('  UPSTREAM_RETRY_MAX_MS: must be at least UPSTREAM_RETRY_BASE_MS');
    }
  }
  if (!parsed.success || problems.length > 0) {
    throw new ConfigError(`invalid upstream configuration:\n${problems.join('\n')}`);
  }
  const v = parsed.data;
  const url = new URL(v.ZITADEL_URL);
  return Object.freeze({
    url: `${url.origin}${url.pathname.replace(/\/+$/, '')}`,
    insecure: url.protocol === 'http:',
    caFile: v.ZITADEL_CA_FILE,
    timeoutMs: v.UPSTREAM_TIMEOUT_MS,
    poolSize: v.UPSTREAM_POOL_SIZE,
    keepAliveMs: v.UPSTREAM_KEEPALIVE_MS,
    retry: Object.freeze({
      retries: v.UPSTREAM_RETRIES,
      baseMs: v.UPSTREAM_RETRY_BASE_MS,
      maxMs: v.UPSTREAM_RETRY_MAX_MS,
    }),
    breaker: Object.freeze({
      failureThreshold: v.UPSTREAM_BREAKER_FAILURES,
      resetTimeoutMs: v.UPSTREAM_BREAKER_RESET_MS,
    }),
  });
}
