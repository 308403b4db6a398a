// Request logs (pino, one line per request with a request id) and Prometheus metrics at /metrics.
// Logs carry method, route, status, duration and the caller's user id — never bodies or secrets.
import { randomUUID } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { UpdateObserver } from '../domain/users/user-service.js';
import type { Logger } from '../logger.js';
import { matchPath, routeLabel } from '../rest/routes.js';

interface RequestInfo {
  id: string;
  start: number;
  /** The URL's path, as parsed once when the request came in. */
  pathname?: string;
  userId?: string;
}

/**
 * Per-request facts for the request log line, kept by the app instance that serves the request
 * (the context records the authenticated caller). Entries go with their requests.
 */
export class RequestLog {
  private readonly infos = new WeakMap<Request, RequestInfo>();

  info(request: Request): RequestInfo {
    let info = this.infos.get(request);
    if (!info) {
      info = { id: randomUUID(), start: performance.now() };
      this.infos.set(request, info);
    }
    return info;
  }
}

/** Messages not yet sent, by status (OutboxRepository.backlog). */
export type BacklogReader = () => Promise<readonly { status: string; count: number }[]>;

/** Routes with their ids replaced, so logs and metric labels stay bounded. */
export function routeOf(pathname: string): string {
  if (pathname === '/graphql' || pathname === '/health' || pathname === '/ready' || pathname === '/metrics') {
    return pathname;
  }
  const rest = matchPath(pathname);
  if (rest) return routeLabel(rest.path);
  if (pathname.startsWith('/zitadel.')) return pathname.split('/').slice(0, 3).join('/');
  return 'other';
}

export function createMetrics(
  backlog: BacklogReader,
  options: {
    processMetrics: boolean;
    /** Live user-event streams open now (local mode): the gauge gateway_live_subscriptions. */
    liveStreams?: () => number;
  },
) {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'gateway_http_requests_total',
    help: 'HTTP requests by route, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'gateway_http_request_duration_seconds',
    help: 'HTTP request latency by route and outcome (ok = 2xx, client_error = 4xx, server_error = 5xx).',
    labelNames: ['route', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const updates = new Counter({
    name: 'gateway_user_updates_total',
    help: 'Committed user updates by section changed (username, profile, email, phone, password).',
    labelNames: ['section'] as const,
    registers: [registry],
  });
  const failedChecks = new Counter({
    name: 'gateway_password_checks_failed_total',
    help: 'Failed current-password checks.',
    registers: [registry],
  });
  new Gauge({
    name: 'gateway_outbox_backlog',
    help: 'Notification outbox messages not yet sent, by status (pending, sending).',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await backlog()) this.set({ status: row.status }, row.count);
    },
  });
  const { liveStreams } = options;
  if (liveStreams) {
    new Gauge({
      name: 'gateway_live_subscriptions',
      help: 'Live user-event subscriptions (userEvents, SSE and WebSocket) open in this instance.',
      registers: [registry],
      collect() {
        this.set(liveStreams());
      },
    });
  }
  const observer: UpdateObserver = {
    onUpdate(sections) {
      for (const section of sections) updates.inc({ section });
    },
    onPasswordCheckFailed() {
      failedChecks.inc();
    },
  };
  return { registry, requests, duration, observer };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Metric children by label values, so a request's counter and histogram updates allocate nothing
 * (prom-client otherwise builds and hashes a label object on every call). Bounded: past `max`
 * distinct label sets (e.g. made-up methods) the direct, allocating call is used.
 */
function childCache<T>(make: (...labels: string[]) => T, max = 512) {
  const children = new Map<string, T>();
  return (...labels: string[]): T => {
    const key = labels.join('\u0000');
    let child = children.get(key);
    if (!child) {
      child = make(...labels);
      if (children.size < max) children.set(key, child);
    }
    return child;
  };
}

export function useObservability(logger: Logger, metrics: Metrics, log: RequestLog = new RequestLog()): Plugin {
  const requests = childCache((route, method, status) => metrics.requests.labels(route, method, status));
  const duration = childCache((route, outcome) => metrics.duration.labels(route, outcome));
  // The request line's fields are fixed and never secret: no redaction pass over each line.
  const requestLogger = logger.child({}, { redact: [] });
  return {
    onRequest({ request, url, endResponse }) {
      const info = log.info(request);
      info.pathname = url.pathname;
      const given = request.headers.get('x-request-id');
      if (given && /^[\w.:-]{1,128}$/.test(given)) info.id = given;
      if (url.pathname === '/metrics' && request.method === 'GET') {
        return metrics.registry.metrics().then((text) => {
          endResponse(new Response(text, { headers: { 'content-type': metrics.registry.contentType } }));
        });
      }
    },
    onResponse({ request, response }) {
      const info = log.info(request);
      const seconds = (performance.now() - info.start) / 1000;
      const route = routeOf(info.pathname ?? new URL(request.url).pathname);
      const status = response.status;
      response.headers.set('x-request-id', info.id);
      if (route !== '/metrics') {
        requests(route, request.method, String(status)).inc();
        const outcome = status >= 500 ? 'server_error' : status >= 400 ? 'client_error' : 'ok';
        duration(route, outcome).observe(seconds);
      }
      requestLogger.info(
        {
          reqId: info.id,
          method: request.method,
          route,
          status,
          durationMs: Math.round(seconds * 10_000) / 10,
          ...(info.userId ? { userId: info.userId } : {}),
        },
        'request',
      );
    },
  };
}
