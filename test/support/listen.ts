// The harness's gateway on a loopback port (HTTP/1.1 and h2c), for real gRPC/Connect clients.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { enableH2c } from '../../src/grpc/server.js';
import type { Harness } from './harness.js';

export async function listen(h: Harness): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server = createServer(h.app.yoga);
  enableH2c(server, h.app.yoga, { maxBodyBytes: h.config.maxRequestBodyBytes, onUnexpected: () => {} });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
