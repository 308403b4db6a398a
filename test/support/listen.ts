// The harness's gateway on a loopback port (HTTP/1.1 and h2c), for real gRPC/Connect clients.
import type { Harness } from './harness.js';
import { serve } from './serve.js';

export async function listen(h: Harness): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const served = await serve(h, { h2c: true });
  return { baseUrl: served.base, close: served.close };
}
