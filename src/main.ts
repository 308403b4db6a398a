// The process: load config → open db → migrate → listen → graceful stop.
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createNotifier } from './domain/notify/notifier.js';
import { createGatewayServer } from './grpc/server.js';
import { createLogger, unexpectedErrorLogger } from './logger.js';
import { openMigratedDatabase } from './runtime.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
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
  const { database, applied } = await openMigratedDatabase(config);
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  const app = createApp({ database, config, logger });
  const { yoga } = app;
  const notifier = createNotifier({ db: database.db, config, logger });
  notifier.start();
  // HTTP/1.1 and (for plain gRPC) prior-knowledge h2c on one port, every wait bounded (src/grpc/server.ts).
  const server = createGatewayServer(yoga, {
    maxBodyBytes: config.maxRequestBodyBytes,
    onUnexpected: unexpectedErrorLogger(logger),
    bodyTimeoutMs: config.requestBodyTimeoutMs,
    idleTimeoutMs: config.http2IdleTimeoutMs,
    maxConcurrentStreams: config.http2MaxConcurrentStreams,
    maxSessions: config.http2MaxSessions,
  });
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info(
      { port, host: config.host, database: database.engine },
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
    // The delivery worker finishes (or releases) the message it is sending while requests drain.
    const notifierStopped = notifier.stop(8_000);
    server.close(async () => {
      await notifierStopped;
      await app.close();
      await database.close();
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

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
