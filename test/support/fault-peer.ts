// A misbehaving network between the gateway and its upstream, on 127.0.0.1: a TCP proxy to a
// target port whose mode can change at any time — pass bytes through, hang (accept and never
// answer), reset every connection, or answer every HTTP/2 request with 503 like a load balancer
// whose backend is gone. With `tls`, it terminates TLS first (ALPN h2) with the given certificate,
// e.g. a self-signed one from `selfSignedCertificate()`, which clients must refuse unless told to trust it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttp2Server } from 'node:http2';
import { type AddressInfo, connect, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';

export type FaultMode = 'pass' | 'hang' | 'reset' | 'http503';

export interface FaultPeer {
  /** http://127.0.0.1:<port>, or https:// with `tls`. */
  url: string;
  mode: FaultMode;
  /** Connections accepted so far. */
  connections: number;
  /** Ends every open connection (e.g. after switching modes, so clients reconnect). */
  dropConnections(): void;
  close(): Promise<void>;
}

export interface Certificate {
  key: string;
  cert: string;
}

/** A throw-away self-signed certificate for 127.0.0.1 (openssl; valid one day). */
export function selfSignedCertificate(): Certificate {
  const dir = mkdtempSync(join(tmpdir(), 'fault-peer-'));
  try {
    // biome-ignore format: one openssl option per line reads better
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startFaultPeer(targetPort: number, options: { tls?: Certificate } = {}): Promise<FaultPeer> {
  const open = new Set<Socket>();
  const unavailable = createHttp2Server((_req, res) => {
    res.writeHead(503, { 'content-type': 'text/plain' });
    res.end('no healthy upstream');
  });

  const handle = (socket: Socket) => {
    peer.connections++;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => {});
    switch (peer.mode) {
      case 'hang':
        return; // read nothing, answer nothing: the client's deadline must end the call
      case 'reset':
        socket.resetAndDestroy();
        return;
      case 'http503':
        unavailable.emit('connection', socket);
        return;
      case 'pass': {
        const upstream = connect(targetPort, '127.0.0.1');
        open.add(upstream);
        upstream.on('close', () => open.delete(upstream));
        upstream.on('error', () => socket.destroy());
        socket.on('error', () => upstream.destroy());
        socket.pipe(upstream).pipe(socket);
      }
    }
  };

  const server: Server = options.tls
    ? createTlsServer({ ...options.tls, ALPNProtocols: ['h2'] }, handle)
    : createTcpServer(handle);
  // A refused TLS handshake is the expected outcome of some tests, not a failure of the peer.
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const peer: FaultPeer = {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    mode: 'pass',
    connections: 0,
    dropConnections() {
      for (const socket of open) socket.destroy();
    },
    async close() {
      peer.dropConnections();
      unavailable.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return peer;
}

/** A loopback port nothing listens on (bound, then released), for "connection refused". */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
