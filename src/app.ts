// createApp(deps) → the yoga instance serving /graphql, the REST routes, /health and /ready.
// It never listens; src/main.ts does.

import { type ExecutionArgs, Kind, type OperationDefinitionNode, type SelectionNode } from 'graphql';
import { createYoga, type Plugin, useReadinessCheck } from 'graphql-yoga';
import type { Config } from './config.js';
import { createContext, type GraphQLContext, type Services } from './context.js';
import type { DatabaseHandle } from './db/connection.js';
import { Authenticator } from './domain/auth/authenticate.js';
import { DomainError } from './domain/errors.js';
import { workerBcryptHasher } from './domain/users/hash-workers.js';
import type { PasswordHasher } from './domain/users/passwords.js';
import { UserRepository } from './domain/users/user-repository.js';
import { UserService } from './domain/users/user-service.js';
import { createGrpcPlugin } from './grpc/grpc-plugin.js';
import { useCredentialCheckRateLimit } from './http/rate-limit.js';
import { corsOptions, graphqlPosturePlugins, useSecurityHeaders } from './http/security.js';
import { type Clock, newId as defaultNewId, type IdGenerator, systemClock } from './ids.js';
import type { Logger } from './logger.js';
import { createMetrics, useObservability } from './observability/observability.js';
import { useOpenApi } from './openapi/openapi.js';
import { createRestPlugin } from './rest/rest-plugin.js';
import { createMaskError, domainToGraphQLError, useRequestErrorCodes } from './schema/errors.js';
import { schema } from './schema/index.js';

export interface AppDeps {
  database: DatabaseHandle;
  config: Config;
  logger: Logger;
  clock?: Clock;
  newId?: IdGenerator;
  hasher?: PasswordHasher;
  sleep?: (ms: number) => Promise<void>;
}

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

/** Spec §2.1: authentication is the first check, before any shape validation. */
function useAuthenticationFirst(): Plugin<GraphQLContext> {
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      if (!needsViewer(args)) return;
      try {
        await (args.contextValue as GraphQLContext).viewer();
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        setResultAndStopExecution({ errors: [domainToGraphQLError(error)], data: null });
      }
    },
  };
}

export function createApp(deps: AppDeps) {
  const { database, config, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const newId = deps.newId ?? defaultNewId;
  const ownHasher = deps.hasher
    ? undefined
    : workerBcryptHasher(config.passwordHashCost, { threads: config.passwordHashThreads });
  const hasher = deps.hasher ?? (ownHasher as PasswordHasher);
  const repository = new UserRepository(database.db, newId, database.transact);
  const metrics = createMetrics(database.db, { processMetrics: config.nodeEnv !== 'test' });
  const services: Services = {
    users: new UserService({
      repository,
      hasher,
      clock,
      observer: metrics.observer,
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
    }),
    authenticator: new Authenticator(database.db, clock),
  };
  const onUnexpected = (error: unknown) => logger.error({ err: error }, 'unexpected error');

  const yoga = createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    // Inline the GraphiQL bundle instead of loading it from a CDN, so the playground works offline.
    // Loaded on first use: the bundle costs ~45 MB of memory, wasted where GraphiQL is off.
    renderGraphiQL: (options) => import('@graphql-yoga/render-graphiql').then((m) => m.renderGraphiQL(options)),
    batching: false,
    maxRequestBodySize: config.maxRequestBodyBytes,
    cors: corsOptions(config.corsOrigins),
    graphiql: config.graphiql && {
      title: 'user-gateway',
      headers: JSON.stringify({ Authorization: 'Bearer <token>' }),
      defaultQuery: `mutation Rename {
  updateHumanUser(input: { userId: "<user id>", profile: { givenName: "Ada", familyName: "Lovelace" } }) {
    details { sequence changeDate resourceOwner }
  }
}`,
    },
    maskedErrors: { maskError: createMaskError(onUnexpected) },
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(' ')),
      info: (...args) => logger.info(args.map(String).join(' ')),
      warn: (...args) => logger.warn(args.map(String).join(' ')),
      // yoga reports every GraphQL error here, expected ones included; unexpected errors are
      // logged at error level by the maskError hook instead.
      error: (...args) => logger.debug(args.map(String).join(' ')),
    },
    context: ({ request }) => createContext(services, request),
    plugins: [
      useObservability(logger, metrics),
      useOpenApi(),
      useAuthenticationFirst(),
      useRequestErrorCodes(),
      createRestPlugin(onUnexpected, { maxBodyBytes: config.maxRequestBodyBytes }),
      createGrpcPlugin(onUnexpected, { maxBodyBytes: config.maxRequestBodyBytes }),
      useSecurityHeaders(),
      ...graphqlPosturePlugins({ introspection: config.introspection }),
      useCredentialCheckRateLimit({
        perUser: config.credentialChecksPerUserPerMinute,
        perIp: config.credentialChecksPerIpPerMinute,
        now: () => clock.now().getTime(),
      }),
      useReadinessCheck({
        endpoint: '/ready',
        check: async () => {
          try {
            await database.ping();
            return true;
          } catch {
            return false;
          }
        },
      }),
    ],
  });
  /** Releases what the app started itself (the hashing threads); the database stays open. */
  const close = async () => {
    await ownHasher?.close();
  };
  return { yoga, services, repository, metrics, close };
}

export type App = ReturnType<typeof createApp>;
