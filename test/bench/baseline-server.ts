// The benchmark's baseline: the gateway's yoga configuration (endpoints, masked errors with the
// same maskError hook, request-error codes, request logging and metrics) serving one trivial
// `echo` mutation that takes the same input shape as a profile update and touches no database.
// It is the ceiling the gateway's updateHumanUser is compared with. Started by run.ts:
//   PORT=… node --import tsx test/bench/baseline-server.ts
import { createServer } from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';
import { openSqlite } from '../../src/db/connection.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics, useObservability } from '../../src/observability/observability.js';
import { createMaskError, useRequestErrorCodes } from '../../src/schema/errors.js';

const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
// createMetrics needs a database only for the outbox gauge, read when /metrics is scraped
// (never during the benchmark): an empty in-memory one keeps requests database-free.
const metrics = createMetrics(openSqlite(':memory:').db, { processMetrics: true });

const schema = createSchema({
  typeDefs: /* GraphQL */ `
    input EchoProfileInput { givenName: String! familyName: String! }
    input EchoInput { userId: ID! profile: EchoProfileInput }
    type Details { sequence: String! changeDate: String! resourceOwner: ID! }
    type EchoPayload { details: Details! }
    type Query { ok: Boolean! }
    type Mutation { echo(input: EchoInput!): EchoPayload! }
  `,
  resolvers: {
    Query: { ok: () => true },
    Mutation: {
      echo: (_root: unknown, args: { input: { userId: string } }) => ({
        details: { sequence: '2', changeDate: new Date().toISOString(), resourceOwner: args.input.userId },
      }),
    },
  },
});

const yoga = createYoga({
  schema,
  graphqlEndpoint: '/graphql',
  healthCheckEndpoint: '/health',
  landingPage: false,
  batching: false,
  graphiql: false,
  maskedErrors: { maskError: createMaskError((error) => logger.error({ err: error }, 'unexpected error')) },
  logging: {
    debug: (...args) => logger.debug(args.map(String).join(' ')),
    info: (...args) => logger.info(args.map(String).join(' ')),
    warn: (...args) => logger.warn(args.map(String).join(' ')),
    error: (...args) => logger.debug(args.map(String).join(' ')),
  },
  plugins: [useObservability(logger, metrics), useRequestErrorCodes()],
});

const server = createServer(yoga);
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
