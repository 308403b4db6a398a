// Production posture: security headers on every response, the CORS allow-list, CSRF
// prevention on /graphql, and GraphQL's depth/alias/token/cost limits.
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError, NoSchemaIntrospectionCustomRule } from 'graphql';
import type { CORSOptions, Plugin } from 'graphql-yoga';

/** GraphQL limits (graphql-armor). The operations the contract needs stay far below them. */
export const GRAPHQL_LIMITS = { depth: 10, aliases: 15, tokens: 1000, cost: 5000 } as const;

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
};
// GraphiQL's page inlines its scripts and styles; everything else is data and may load nothing.
const CSP_DATA = "default-src 'none'; frame-ancestors 'none'";
const CSP_HTML = "frame-ancestors 'none'; object-src 'none'; base-uri 'none'";

export function useSecurityHeaders(): Plugin {
  const headers = Object.entries(SECURITY_HEADERS);
  return {
    onResponse({ response }) {
      for (const [name, value] of headers) {
        if (!response.headers.has(name)) response.headers.set(name, value);
      }
      const html = response.headers.get('content-type')?.startsWith('text/html') ?? false;
      if (!response.headers.has('content-security-policy')) {
        response.headers.set('content-security-policy', html ? CSP_HTML : CSP_DATA);
      }
      // Identity data must not sit in shared caches.
      if (!response.headers.has('cache-control')) response.headers.set('cache-control', 'no-store');
    },
  };
}

/** CORS for the listed origins only; with an empty list no response carries CORS headers. */
export function corsOptions(origins: readonly string[]): (request: Request) => CORSOptions {
  return (request) => {
    const origin = request.headers.get('origin');
    if (!origin || !origins.includes(origin)) return false;
    return {
      origin: [origin],
      methods: ['GET', 'POST', 'PUT'],
      allowedHeaders: ['authorization', 'content-type', 'if-match', 'x-graphql-yoga-csrf'],
      exposedHeaders: ['etag'],
      credentials: false,
      maxAge: 600,
    };
  };
}

/**
 * yoga's CSRF prevention, with the contract's error shape: a GraphQL request that a browser
 * could send cross-site without a preflight (GET, or a form/text content type) must carry the
 * `x-graphql-yoga-csrf` header, else 403 PERMISSION_DENIED.
 */
function useCsrfPrevention(): Plugin {
  const inner = useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf'] }) as Plugin;
  return {
    onRequestParse(payload) {
      try {
        return inner.onRequestParse?.(payload);
      } catch (error) {
        throw new GraphQLError((error as Error).message, {
          extensions: { code: 'PERMISSION_DENIED', http: { status: 403 } },
        });
      }
    },
  };
}

export interface GraphQLPostureOptions {
  introspection: boolean;
  /** CSRF prevention and the armor limits are on unless false (off only in test/bench/layers.ts). */
  csrf?: boolean;
  limits?: boolean;
}

/** Plugins for the GraphQL face: CSRF prevention, armor limits, introspection switch. */
/** GraphQL's validation message without its "Did you mean …?" hint (locations and path kept). */
function withoutSuggestion(error: Error): Error {
  if (!(error instanceof GraphQLError)) return error;
  const message = error.message.replace(/ ?Did you mean .+\?$/s, '');
  if (message === error.message) return error;
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}

export function graphqlPosturePlugins(options: GraphQLPostureOptions): Plugin[] {
  const plugins: Plugin[] = [
    // GraphQL requests only (REST answers in onRequest, before any GraphQL parsing).
    ...(options.csrf === false ? [] : [useCsrfPrevention()]),
    ...(options.limits === false
      ? []
      : [
          maxTokensPlugin({ n: GRAPHQL_LIMITS.tokens }) as Plugin,
          maxDepthPlugin({ n: GRAPHQL_LIMITS.depth, ignoreIntrospection: true, flattenFragments: true }) as Plugin,
          maxAliasesPlugin({ n: GRAPHQL_LIMITS.aliases }) as Plugin,
          costLimitPlugin({ maxCost: GRAPHQL_LIMITS.cost, ignoreIntrospection: true }) as Plugin,
        ]),
  ];
  if (!options.introspection) {
    plugins.push({
      onValidate({ addValidationRule }) {
        addValidationRule(NoSchemaIntrospectionCustomRule);
        // Without introspection, "Did you mean …" would still spell out the schema, to anyone.
        return ({ valid, result, setResult }) => {
          if (!valid) setResult(result.map(withoutSuggestion));
        };
      },
    });
  }
  return plugins;
}
