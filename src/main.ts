// The process: load config → open db and migrate (or, with ZITADEL_URL, an upstream client) → listen → graceful stop.
import { createApp } from './app.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { createNotifier } from './domain/notify/notifier.js';
import { createGatewayServer } from './grpc/server.js';
import { createLogger, type Logger, unexpectedErrorLogger } from './logger.js';
import { openMigratedDatabase } from './runtime.js';
import { loadUpstreamSettings, type UpstreamSettings } from './upstream/config.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  let upstream: UpstreamSettings | undefined;
  try {
    config = loadConfig();
    upstream = loadUpstreamSettings(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, undefined, {
    pretty: config.nodeEnv === 'development' && process.stdout.isTTY === true,
  });
  const backend = upstream ? await upstreamBackend(upstream, config, logger) : await localBackend(config, logger);
  const { yoga } = backend.app;
  // HTTP/1.1 and (for plain gRPC) prior-knowledge h2c on one port, every wait bounded (src/grpc/server.ts).
  const server = createGatewayServer(yoga, {
    maxBodyBytes: config.maxRequestBodyBytes,
    onUnexpected: unexpectedErrorLogger(logger),
    bodyTimeoutMs: config.requestBodyTimeoutMs,
    idleTimeoutMs: config.http2IdleTimeoutMs,
    maxConcurrentStreams: config.http2MaxConcurrentStreams,
    maxSessions: config.http2MaxSessions,
    websocket: {
      maxSubscriptionsPerConnection: config.subscriptions.perConnection,
      keepAliveMs: config.subscriptions.keepAliveMs,
      idleTimeoutMs: config.subscriptions.idleTimeoutMs,
      trustedDocuments: config.trustedDocuments,
    },
  });
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info(
      { port, host: config.host, ...backend.describe },
      `user-gateway listening; GraphQL on http://localhost:${port}/graphql`,
    );
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.warn('in-flight requests did not finish in time; closing anyway');
      server.closeAllConnections();
    }, 10_000);
    force.unref();
    // Live subscriptions end now (each stream's last item says why), so their connections go idle.
    backend.app.endSubscriptions();
    // The delivery worker finishes (or releases) the message it is sending while requests drain.
    const drained = backend.drain();
    server.close(async () => {
      await drained;
      await backend.close();
      logger.info('stopped');
      process.exit(0);
    });
    // Keep-alive connections become idle once their in-flight response is written: close them
    // as that happens rather than waiting for the force timeout.
    server.closeIdleConnections();
    setInterval(() => server.closeIdleConnections(), 50).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** What runs behind the faces, and how it stops (after the server stopped taking requests). */
interface Backend {
  app: { yoga: Parameters<typeof createGatewayServer>[0]; endSubscriptions(): void };
  describe: Record<string, string>;
  /** Called when stopping begins: background work finishes (or releases) what it does while requests drain. */
  drain(): Promise<void>;
  /** Called once the server has stopped: releases the rest. */
  close(): Promise<void>;
}

async function localBackend(config: Config, logger: Logger): Promise<Backend> {
  const { database, applied } = await openMigratedDatabase(config);
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  const app = createApp({ database, config, logger });
  const notifier = createNotifier({ db: database.db, config, logger });
  notifier.start();
  return {
    app,
    describe: { database: database.engine },
    drain: () => notifier.stop(8_000),
    async close() {
      await app.close();
      await database.close();
    },
  };
}

/** Upstream mode: no database, no outbox (upstream delivers its own notifications). */
async function upstreamBackend(upstream: UpstreamSettings, config: Config, logger: Logger): Promise<Backend> {
  const app = createApp({ upstream, config, logger });
  logger.info(
    { upstream: { url: upstream.url, timeoutMs: upstream.timeoutMs, poolSize: upstream.poolSize } },
    'upstream mode: user operations go to the upstream ZITADEL; no database is opened and the outbox workers do not run',
  );
  return {
    app,
    describe: { mode: 'upstream', upstream: upstream.url },
    drain: async () => {},
    close: () => app.close(),
  };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
