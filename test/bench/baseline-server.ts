// The benchmark's baseline: the gateway's request frame (src/app.ts `requestFrame` and
// `framePlugins`: endpoints, body limit, CORS, masked errors, request logging and metrics,
// security headers, CSRF prevention, the GraphQL limits) serving one trivial `echo` mutation that
// takes the same input shape as a profile update and touches no database. What the gateway adds
// on top — authentication, the domain rules, the database — is what `graphql_update_rps / echo_rps`
// measures. Configured like the measured gateway (NODE_ENV=production unless set). Started by run.ts:
//   PORT=… node --import tsx test/bench/baseline-server.ts
import { createServer } from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';
import { framePlugins, requestFrame } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/observability/observability.js';

const config = loadConfig({ NODE_ENV: 'production', ...process.env });
const logger = createLogger(config.logLevel);
// The baseline has no outbox: its backlog gauge reads as empty, so requests stay database-free.
const metrics = createMetrics(async () => [], { processMetrics: true });
const onUnexpected = (error: unknown) => logger.error({ err: error }, 'unexpected error');

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
  ...requestFrame({ config, logger, metrics, onUnexpected }),
  schema,
  graphiql: false,
  plugins: framePlugins({ config, logger, metrics }),
});

const server = createServer(yoga);
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
