// A harness's app served by node:http on a loopback port (HTTP/1.1, and h2c when asked, as
// src/main.ts serves it), for tests that need real connections: parallel clients, gRPC, browsers.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { enableH2c } from '../../src/grpc/server.js';
import type { Harness } from './harness.js';

export interface Served {
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Drops open connections and stops listening. */
  close(): Promise<void>;
}

export async function serve(h: Harness, options: { h2c?: boolean } = {}): Promise<Served> {
  const server = createServer(h.app.yoga);
  if (options.h2c) {
    enableH2c(server, h.app.yoga, { maxBodyBytes: h.config.maxRequestBodyBytes, onUnexpected: () => {} });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
