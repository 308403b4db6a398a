// A harness's app served by node:http on a loopback port (HTTP/1.1, and h2c when asked, as
// src/main.ts serves it), for tests that need real connections: parallel clients, gRPC, browsers.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach } from 'vitest';
import { enableH2c } from '../../src/grpc/server.js';
import { createHarness, type Harness, type World } from './harness.js';

export interface Served {
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** The listening server, for tests about shutdown itself. */
  server: Server;
  /** Drops open connections and stops listening (also after the server was closed by the test). */
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Also answer HTTP/2 without TLS (gRPC), as src/main.ts does. */
  h2c?: boolean;
  /** Serve `h.gateway` (the upstream-mode front where the harness has one) instead of `h.app`. */
  gateway?: boolean;
}

export async function serve(h: Harness, options: ServeOptions = {}): Promise<Served> {
  const yoga = options.gateway ? h.gateway.yoga : h.app.yoga;
  const server = createServer(yoga);
  if (options.h2c) {
    enableH2c(server, yoga, { maxBodyBytes: h.config.maxRequestBodyBytes, onUnexpected: () => {} });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A fresh harness and world for every test of the calling file, served on a loopback port and
 * closed after it: `servedWorldEach({ h2c: true }, (fresh) => ({ h, w, served } = fresh));`.
 */
export function servedWorldEach(options: ServeOptions, set: (fresh: { h: Harness; w: World; served: Served }) => void) {
  let current: { h: Harness; served: Served } | undefined;
  beforeEach(async () => {
    const h = await createHarness();
    const w = await h.seed();
    const served = await serve(h, options);
    current = { h, served };
    set({ h, w, served });
  });
  afterEach(async () => {
    await current?.served.close();
    await current?.h.close();
  });
}
