// createApp(deps) → the yoga instance serving /graphql, the REST routes, /health and /ready.
// It never listens; src/main.ts does.

import { type ExecutionArgs, Kind, type OperationDefinitionNode, type SelectionNode } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import type { Config } from './config.js';
import { createContext, type GraphQLContext, localOperationsFactory, type OperationsFactory } from './context.js';
import type { DatabaseHandle } from './db/connection.js';
import { AuthRepository } from './domain/auth/auth-repository.js';
import { Authenticator } from './domain/auth/authenticate.js';
import { DomainError } from './domain/errors.js';
import { OutboxRepository } from './domain/notify/outbox-repository.js';
import { UserEventBus } from './domain/users/event-bus.js';
import { UserEventFeed } from './domain/users/event-feed.js';
import { workerBcryptHasher } from './domain/users/hash-workers.js';
import type { PasswordHasher } from './domain/users/passwords.js';
import { UserRepository } from './domain/users/user-repository.js';
import { UserService } from './domain/users/user-service.js';
import { createGrpcPlugin } from './grpc/grpc-plugin.js';
import { FailedAuthenticationLimit } from './http/auth-limit.js';
import { useRequestBodyLimit } from './http/body-limit.js';
import { clientIp, useCredentialCheckRateLimit, WINDOW_MS } from './http/rate-limit.js';
import { corsOptions, graphqlPosturePlugins, useSecurityHeaders } from './http/security.js';
import { useTrustedDocuments } from './http/trusted-documents.js';
import { MemoryWindowCounter, windowCounterFor } from './http/window-counter.js';
import { type Clock, createIdGenerator, type IdGenerator, systemClock } from './ids.js';
import { type Logger, unexpectedErrorLogger, yogaLogging } from './logger.js';
import { createMetrics, type Metrics, RequestLog, useObservability } from './observability/observability.js';
import { useOpenApi } from './openapi/openapi.js';
import type { LocalBackend } from './operations.js';
import { createRestPlugin } from './rest/rest-plugin.js';
import { createMaskError, domainToGraphQLError, useRequestErrorCodes, useTranslatedErrors } from './schema/errors.js';
import { schema, subgraphSchema } from './schema/index.js';
import { forwardedHeaders, UpstreamClient, type UpstreamClientOptions } from './upstream/client.js';
import type { UpstreamSettings } from './upstream/config.js';
import { combineObservers, upstreamLogObserver, upstreamMetrics } from './upstream/metrics.js';
import { UpstreamUserOperations } from './upstream/operations.js';

export interface AppDeps {
  database: DatabaseHandle;
  config: Config;
  logger: Logger;
  clock?: Clock;
  newId?: IdGenerator;
  hasher?: PasswordHasher;
  sleep?: (ms: number) => Promise<void>;
  /** Parts of the request pipeline left out — for test/bench/layers.ts only, which measures each one's cost. */
  without?: ReadonlySet<FramePart>;
}

/** The request pipeline's optional parts, as test/bench/layers.ts toggles them. */
export type FramePart = 'observability' | 'security-headers' | 'csrf' | 'armor' | 'masking' | 'rate-limits';

/** Every operation needs a caller, except introspection (so GraphiQL can load the schema). */
function needsViewer(args: ExecutionArgs): boolean {
  const operations = args.document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = args.operationName ? operations.find((o) => o.name?.value === args.operationName) : operations[0];
  if (!operation) return false;
  const introspection = (s: SelectionNode) =>
    s.kind === Kind.FIELD &&
    (s.name.value === '__schema' || s.name.value === '__type' || s.name.value === '__typename');
  const selections = operation.selectionSet.selections;
  return (
    operation.operation !== 'query' ||
    !selections.every(introspection) ||
    !selections.some((s) => s.kind === Kind.FIELD && s.name.value !== '__typename')
  );
}

/**
 * Spec §2.1: authentication is the first check, before any shape validation. An address past its
 * limit of failed authentications is answered 429 before the token is looked up (issue 16.8).
 */
function useAuthenticationFirst(limit: FailedAuthenticationLimit): Plugin<GraphQLContext> {
  const plugin: Plugin<GraphQLContext> = {
    async onExecute({ args, setResultAndStopExecution }) {
      if (!needsViewer(args)) return;
      const context = args.contextValue as GraphQLContext;
      const ip = clientIp(context as unknown as Record<string, unknown>);
      try {
        limit.check(ip);
        await context.operations.authenticate();
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        setResultAndStopExecution({ errors: [domainToGraphQLError(await limit.failed(ip, error))], data: null });
      }
    },
  };
  // Subscriptions (live user events, over SSE and WebSocket) too: their hook has the same members.
  return { ...plugin, onSubscribe: plugin.onExecute as unknown as Plugin<GraphQLContext>['onSubscribe'] };
}

/** A probe that has not answered in this time counts as down: /ready answers within 2 s. */
export const READY_TIMEOUT_MS = 1_500;

/**
 * GET /ready: 200 when the database answers within READY_TIMEOUT_MS, 503 when not (a hanging
 * database included). (yoga's useReadinessCheck also tests every other request against a
 * URLPattern — a polyfill on Node 20 that cost ~40 µs per request.)
 */
function useReadiness(ping: () => Promise<void>): Plugin {
  return {
    onRequest({ url, endResponse }) {
      if (url.pathname !== '/ready') return;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('readiness probe timed out')), READY_TIMEOUT_MS);
      });
      return Promise.race([ping(), late])
        .then(
          () => endResponse(new Response(null, { status: 200 })),
          () => endResponse(new Response(null, { status: 503 })),
        )
        .finally(() => clearTimeout(timer));
    },
  };
}

export interface FrameDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  /** The app's per-request log context (the context adds the caller to it). */
  requestLog?: RequestLog;
  onUnexpected: (error: unknown) => void;
  /** Parts left out (benchmark only: test/bench/layers.ts). */
  without?: ReadonlySet<FramePart>;
}

/**
 * The request pipeline's settings around any schema: endpoints, body limit, CORS, masked errors,
 * logging. With `framePlugins`, this is everything a request passes through that is not the
 * gateway's own domain — the benchmark's baseline (test/bench/baseline-server.ts) serves its echo
 * mutation through exactly this, so `graphql_update_rps / echo_rps` measures what the domain costs.
 */
export function requestFrame({ config, logger, onUnexpected, without }: FrameDeps) {
  return {
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    batching: false,
    // Checked by useRequestBodyLimit (src/http/body-limit.ts): yoga's check piped every body through a stream.
    maxRequestBodySize: false,
    cors: corsOptions(config.corsOrigins),
    maskedErrors: without?.has('masking') ? (false as const) : { maskError: createMaskError(onUnexpected) },
    // Structured, values redacted; GraphQL errors at debug (src/logger.ts).
    logging: yogaLogging(logger),
  } as const;
}

/**
 * The frame's plugins, in order, with the domain's plugins in their slots: `execution` hooks run
 * before the request-error normalization, `routes` (REST, gRPC) answer before GraphQL's own
 * request checks (CSRF prevention, limits), `late` come last.
 */
export function framePlugins(
  { config, logger, metrics, requestLog, without = new Set() }: Omit<FrameDeps, 'onUnexpected'>,
  // biome-ignore lint/suspicious/noExplicitAny: plugins of any context type
  slots: { execution?: Plugin<any>[]; routes?: Plugin<any>[]; late?: Plugin<any>[] } = {},
  // biome-ignore lint/suspicious/noExplicitAny: plugins of any context type
): Plugin<any>[] {
  return [
    ...(without.has('observability') ? [] : [useObservability(logger, metrics, requestLog)]),
    useRequestBodyLimit(config.maxRequestBodyBytes),
    useOpenApi(),
    ...(slots.execution ?? []),
    useRequestErrorCodes(),
    ...(slots.routes ?? []),
    ...(without.has('security-headers') ? [] : [useSecurityHeaders()]),
    ...graphqlPosturePlugins({
      introspection: config.introspection,
      csrf: !without.has('csrf'),
      limits: !without.has('armor'),
    }),
    ...(slots.late ?? []),
  ];
}

/** What createApp needs in upstream mode: upstream's settings instead of a database (issue 18). */
export interface UpstreamAppDeps {
  upstream: UpstreamSettings;
  config: Config;
  logger: Logger;
  /** Client options for tests (clock, randomness, extra CAs); the app adds its metrics and log observer. */
  upstreamOptions?: UpstreamClientOptions;
}

interface GatewayParts {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  requestLog: RequestLog;
  operationsFor: OperationsFactory;
  /** Failed authentications per client IP (429 past the limit; off in upstream mode, where upstream decides). */
  authFailures: FailedAuthenticationLimit;
  /** The backend's own plugins, after the frame's (rate limits, the readiness probe). */
  // biome-ignore lint/suspicious/noExplicitAny: plugins of any context type
  late: Plugin<any>[];
  without?: ReadonlySet<FramePart>;
}

/** The yoga instance around a backend: GraphQL, REST, gRPC, GraphiQL, the frame's plugins. */
function gatewayYoga({
  config,
  logger,
  metrics,
  requestLog,
  operationsFor,
  authFailures,
  late,
  without,
}: GatewayParts) {
  const onUnexpected = unexpectedErrorLogger(logger);
  return createYoga<Record<string, unknown>, GraphQLContext>({
    ...requestFrame({ config, logger, metrics, onUnexpected, ...(without ? { without } : {}) }),
    // GRAPHQL_FEDERATION=true: the same schema as a Federation v2 subgraph (src/schema/federation.ts).
    schema: config.federation ? subgraphSchema() : schema,
    // Inline the GraphiQL bundle instead of loading it from a CDN, so the playground works offline.
    // Loaded on first use: the bundle costs ~45 MB of memory, wasted where GraphiQL is off.
    renderGraphiQL: (options) => import('@graphql-yoga/render-graphiql').then((m) => m.renderGraphiQL(options)),
    graphiql: config.graphiql && {
      title: 'user-gateway',
      // Subscriptions (userEvents) over SSE by POST: a GET would need the CSRF-prevention header.
      method: 'POST',
      headers: JSON.stringify({ Authorization: 'Bearer <token>' }),
      defaultQuery: `mutation Rename {
  updateHumanUser(input: { userId: "<user id>", profile: { givenName: "Ada", familyName: "Lovelace" } }) {
    details { sequence changeDate resourceOwner }
  }
}`,
    },
    context: ({ request }) => createContext(operationsFor, request),
    plugins: framePlugins(
      { config, logger, metrics, requestLog, ...(without ? { without } : {}) },
      {
        execution: [useAuthenticationFirst(authFailures), useTranslatedErrors()],
        routes: [
          createRestPlugin(onUnexpected, { maxBodyBytes: config.maxRequestBodyBytes }),
          createGrpcPlugin(onUnexpected, { maxBodyBytes: config.maxRequestBodyBytes }),
        ],
        // TRUSTED_DOCUMENTS: /graphql runs listed documents only (REST and gRPC never pass onParams).
        late: [...(config.trustedDocuments ? useTrustedDocuments(config.trustedDocuments) : []), ...late],
      },
    ),
  });
}

/**
 * The gateway on a backend: the local domain on `database` (embedded SQLite or PostgreSQL), or,
 * with `upstream`, an existing ZITADEL's UserService (no database). Nothing in src/schema,
 * src/rest, src/grpc or src/wire knows which: they see `ctx.operations`.
 */
export function createApp(deps: UpstreamAppDeps): UpstreamApp;
export function createApp(deps: AppDeps): App;
export function createApp(deps: AppDeps | UpstreamAppDeps): App | UpstreamApp {
  return 'upstream' in deps ? createUpstreamApp(deps) : createLocalApp(deps);
}

function createLocalApp(deps: AppDeps) {
  const { database, config, logger, without } = deps;
  const limits = !without?.has('rate-limits');
  const clock = deps.clock ?? systemClock;
  const newId = deps.newId ?? createIdGenerator();
  const ownHasher = deps.hasher
    ? undefined
    : workerBcryptHasher(config.passwordHashCost, { threads: config.passwordHashThreads });
  const hasher = deps.hasher ?? (ownHasher as PasswordHasher);
  // Live user events: commits wake the followers here, and on PostgreSQL those of other instances.
  const bus = new UserEventBus();
  const repository = new UserRepository(database.db, newId, database.transact, (id, seq) => bus.committed(id, seq));
  const commits = database.openCommitChannel?.(
    (id, seq) => bus.deliver(id, seq),
    (error) => logger.warn({ err: error }, 'live user events: notification connection lost; reconnecting'),
  );
  if (commits) bus.relay = (id, seq) => commits.publish(id, seq);
  const { pollMs, max } = config.subscriptions;
  const events = new UserEventFeed({ store: repository, bus, pollMs, maxStreams: max });
  const outbox = new OutboxRepository(database.db);
  const metrics = createMetrics(() => outbox.backlog(), {
    processMetrics: config.nodeEnv !== 'test',
    liveStreams: () => events.open,
  });
  const requestLog = new RequestLog();
  const services: LocalBackend = {
    users: new UserService({
      repository,
      hasher,
      clock,
      observer: metrics.observer,
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
    }),
    authenticator: new Authenticator(new AuthRepository(database.db), clock),
    events,
  };
  const operationsFor = localOperationsFactory(services, (request, viewer) => {
    requestLog.info(request).userId = viewer.userId;
  });
  // Rate-limit counters: in the database on PostgreSQL (shared by every instance), else in memory.
  const now = () => clock.now().getTime();
  const counter = windowCounterFor(database, WINDOW_MS, now);
  const yoga = gatewayYoga({
    config,
    logger,
    metrics,
    requestLog,
    operationsFor,
    authFailures: new FailedAuthenticationLimit(limits ? config.authFailuresPerIpPerMinute : 0, counter, now),
    late: [
      ...(limits
        ? [
            useCredentialCheckRateLimit({
              perUser: config.credentialChecksPerUserPerMinute,
              perIp: config.credentialChecksPerIpPerMinute,
              now,
              ...(database.engine === 'postgres' ? { counter } : {}),
            }),
          ]
        : []),
      useReadiness(() => database.ping()),
    ],
    ...(without ? { without } : {}),
  });
  /** Releases what the app started itself (hashing threads, live streams); the database stays open. */
  const close = async () => {
    events.stop();
    await commits?.close();
    await ownHasher?.close();
  };
  /** Ends every live subscription (shutdown: a stream would otherwise hold its connection open). */
  const endSubscriptions = () => events.stop();
  return { mode: 'local' as const, yoga, services, repository, metrics, commits, endSubscriptions, close };
}

/**
 * Upstream mode: every operation is a call to upstream with the caller's Authorization passed
 * through. No local tokens, roles, rate limits or credential budget: upstream decides.
 */
function createUpstreamApp({ upstream, config, logger, upstreamOptions = {} }: UpstreamAppDeps) {
  // No outbox here: upstream delivers its own notifications.
  const metrics = createMetrics(async () => [], { processMetrics: config.nodeEnv !== 'test' });
  const requestLog = new RequestLog();
  const observers = [upstreamMetrics(metrics.registry), upstreamLogObserver(logger)];
  if (upstreamOptions.observer) observers.push(upstreamOptions.observer);
  const client = new UpstreamClient(upstream, { ...upstreamOptions, observer: combineObservers(...observers) });
  const operationsFor: OperationsFactory = (request) =>
    new UpstreamUserOperations(client, forwardedHeaders(request, requestLog.info(request).id));
  // The same builder and the same named dependencies as local mode (hence the alike lines); only limits and operations differ.
  const yoga = gatewayYoga({
    config,
    logger,
    metrics,
    requestLog,
    operationsFor,
    // Upstream authenticates and limits: no local count of failed authentications (limit 0 = off).
    authFailures: new FailedAuthenticationLimit(0, new MemoryWindowCounter(WINDOW_MS, Date.now), Date.now),
    late: [
      useReadiness(async () => {
        if (!(await client.ready())) throw new Error('upstream unreachable');
      }),
    ],
  });
  /** Closes the pooled upstream connections. */
  const close = async () => {
    client.close();
  };
  return { mode: 'upstream' as const, yoga, client, metrics, endSubscriptions: () => {}, close };
}

export type App = ReturnType<typeof createLocalApp>;
export type UpstreamApp = ReturnType<typeof createUpstreamApp>;
