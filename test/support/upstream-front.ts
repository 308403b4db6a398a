// Upstream mode in tests: a gateway's yoga served on a loopback port (HTTP/1.1 and h2c, as
// src/main.ts serves it), and an upstream-mode gateway in front of it. With TEST_GATEWAY=upstream
// the harness (test/support/harness.ts) sends its GraphQL and REST calls through such a front,
// so the contract files run unchanged against upstream mode (vitest.config.ts, project "upstream").
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type UpstreamApp } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { enableH2c } from '../../src/grpc/server.js';
import type { Logger } from '../../src/logger.js';
import { loadUpstreamSettings, type UpstreamSettings } from '../../src/upstream/config.js';

/** Whether this test run sends the harness's calls through an upstream-mode gateway. */
export const THROUGH_UPSTREAM = process.env.TEST_GATEWAY === 'upstream';

export interface Served {
  port: number;
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Serves a yoga instance on 127.0.0.1 (a free port), HTTP/1.1 and prior-knowledge h2c. */
export async function serveOnLoopback(yoga: Parameters<typeof enableH2c>[1], maxBodyBytes: number): Promise<Served> {
  // yoga is a request listener as well as a fetch handler.
  const server: Server = createServer(yoga as unknown as Parameters<typeof createServer>[1]);
  enableH2c(server, yoga, { maxBodyBytes, onUnexpected: () => {} });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Upstream settings for a loopback URL (h2c allowed), with environment-style overrides. */
export function settingsFor(url: string, env: Record<string, string> = {}): UpstreamSettings {
  const settings = loadUpstreamSettings({
    ZITADEL_URL: url,
    ZITADEL_INSECURE: String(url.startsWith('http:')),
    ...env,
  });
  if (!settings) throw new Error('no settings');
  return settings;
}

export interface UpstreamFront {
  app: UpstreamApp;
  /** The stand-in's listener. */
  standIn: Served;
  close(): Promise<void>;
}

/** Serves the stand-in's yoga on loopback and builds an upstream-mode gateway pointed at it. */
export async function upstreamFront(
  // biome-ignore lint/suspicious/noExplicitAny: any gateway's yoga
  standInYoga: any,
  config: Config,
  logger: Logger,
  env: Record<string, string> = {},
): Promise<UpstreamFront> {
  const standIn = await serveOnLoopback(standInYoga, config.maxRequestBodyBytes);
  const app = createApp({ upstream: settingsFor(standIn.url, env), config, logger });
  return {
    app,
    standIn,
    async close() {
      await app.close();
      await standIn.close();
    },
  };
}
