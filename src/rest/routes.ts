// The one REST route table: the router (src/rest/rest-plugin.ts), the log and metric route labels
// (routeOf in src/observability/observability.ts) and the OpenAPI paths (src/openapi/openapi.ts)
// are all derived from it. Adding an RPC to the REST face is adding one row.
import type { RpcName } from '../wire/index.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RestRoute {
  method: HttpMethod;
  /** ZITADEL's path template; `{name}` segments are percent-decoded parameters. */
  path: string;
  rpc: RpcName;
  /** Whether a body is read (its JSON is translated as the RPC's request). */
  body: boolean;
  /** Whether `If-Match: "<sequence>"` becomes the operation's expectedSequence. */
  ifMatch?: boolean;
  /** OpenAPI: a one-line summary, and the request body's description when there is one. */
  summary: string;
  bodyDescription?: string;
}

export const REST_ROUTES: readonly RestRoute[] = [
  {
    method: 'PUT',
    path: '/v2/users/human/{userId}',
    rpc: 'updateHumanUser',
    body: true,
    ifMatch: true,
    summary: 'Update a human user (username, profile, email, phone, password) in one atomic write.',
    bodyDescription: 'What to change; empty = nothing.',
  },
  {
    method: 'POST',
    path: '/v2/users/{userId}/password_reset',
    rpc: 'passwordReset',
    body: true,
    summary: 'Create a password-reset code (valid 1 hour), replacing any earlier one.',
    bodyDescription: 'How to deliver the code.',
  },
  {
    method: 'GET',
    path: '/v2/users/{userId}',
    rpc: 'getUserByID',
    body: false,
    summary: 'Read a human user.',
  },
  {
    method: 'PATCH',
    path: '/v2/users/{userId}',
    rpc: 'updateUser',
    body: true,
    summary:
      'Update a user (username; for a human user profile, email, phone, password) in one atomic write; an empty phone removes it.',
    bodyDescription: 'What to change; every member optional.',
  },
  // Issue 15: the code flows.
  {
    method: 'POST',
    path: '/v2/users/{userId}/email/verify',
    rpc: 'verifyEmail',
    body: true,
    summary: 'Verify the email address with the pending code (single use, valid 1 hour).',
    bodyDescription: 'The code.',
  },
  {
    method: 'POST',
    path: '/v2/users/{userId}/email/resend',
    rpc: 'resendEmailCode',
    body: true,
    summary: 'Replace the pending email code with a new one (the old one stops working).',
    bodyDescription: 'How to deliver the new code.',
  },
  {
    method: 'POST',
    path: '/v2/users/{userId}/phone/verify',
    rpc: 'verifyPhone',
    body: true,
    summary: 'Verify the phone number with the pending code (single use, valid 1 hour).',
    bodyDescription: 'The code.',
  },
  {
    method: 'POST',
    path: '/v2/users/{userId}/phone/resend',
    rpc: 'resendPhoneCode',
    body: true,
    summary: 'Replace the pending phone code with a new one (the old one stops working).',
    bodyDescription: 'How to deliver the new code.',
  },
];

export interface PathMatch {
  /** The path template, e.g. `/v2/users/{userId}`. */
  path: string;
  /** Its routes, one per method. */
  routes: RestRoute[];
  /** The raw (still percent-encoded) parameters, by name. */
  params: Record<string, string>;
}

interface CompiledPath {
  path: string;
  pattern: RegExp;
  names: string[];
  routes: RestRoute[];
}

const PATHS: CompiledPath[] = [];
for (const route of REST_ROUTES) {
  let compiled = PATHS.find((p) => p.path === route.path);
  if (!compiled) {
    const names = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
    const pattern = new RegExp(`^${route.path.replace(/\{[^}]+\}/g, '([^/]+)')}$`);
    compiled = { path: route.path, pattern, names, routes: [] };
    PATHS.push(compiled);
  }
  compiled.routes.push(route);
}

/** The table's path matching `pathname`, with its routes and parameters; undefined when none does. */
export function matchPath(pathname: string): PathMatch | undefined {
  for (const { path, pattern, names, routes } of PATHS) {
    const match = pattern.exec(pathname);
    if (match) return { path, routes, params: Object.fromEntries(names.map((n, i) => [n, match[i + 1] as string])) };
  }
  return undefined;
}

/** A bounded label for logs and metrics: the template with `:name` parameters. */
export function routeLabel(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ':$1');
}
