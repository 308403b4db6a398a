// The upstream ZITADEL's zitadel.user.v2.UserService over gRPC (HTTP/2): TLS with the trusted CAs
// for https://, cleartext h2c for http:// (ZITADEL_INSECURE=true). A bounded pool of HTTP/2
// connections kept alive with PING frames; every call has a deadline, passes the circuit breaker,
// forwards the caller's identity headers unchanged, and reports to the observer. Errors leave as
// the gateway's DomainError (src/upstream/errors.ts).
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { type CallOptions, type Client, Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import type { DomainError } from '../domain/errors.js';
import {
  type GetUserByIDRequestSchema,
  type GetUserByIDResponse,
  type PasswordResetRequestSchema,
  type PasswordResetResponse,
  type ResendEmailCodeRequestSchema,
  type ResendEmailCodeResponse,
  type ResendPhoneCodeRequestSchema,
  type ResendPhoneCodeResponse,
  type UpdateHumanUserRequestSchema,
  type UpdateHumanUserResponse,
  type UpdateUserRequestSchema,
  type UpdateUserResponse,
  UserService,
  type VerifyEmailRequestSchema,
  type VerifyEmailResponse,
  type VerifyPhoneRequestSchema,
  type VerifyPhoneResponse,
} from '../grpc/gen/zitadel/user/v2/user_service_pb.js';
import { grpcCodeName } from '../grpc-status.js';
import type { UpstreamSettings } from './config.js';
import { fromUpstreamError, isTransportFailure } from './errors.js';
import { type BreakerState, CircuitBreaker, type ResilienceClock, systemClock, withRetries } from './resilience.js';

/** What the gateway passes on from the caller's request. Absent values are not sent. */
export interface ForwardedHeaders {
  /** The caller's Authorization header, unchanged: upstream authenticates and authorizes. */
  authorization?: string | null;
  orgId?: string | null;
  acceptLanguage?: string | null;
  /** The gateway's request id, sent as x-request-id so both sides' logs can be joined. */
  requestId?: string | null;
}

/** The headers to forward from the caller's request (GraphQL, REST, or gRPC metadata as headers). */
export function forwardedHeaders(request: { headers: Headers }, requestId?: string): ForwardedHeaders {
  return {
    authorization: request.headers.get('authorization'),
    orgId: request.headers.get('x-zitadel-orgid'),
    acceptLanguage: request.headers.get('accept-language'),
    requestId: requestId ?? request.headers.get('x-request-id'),
  };
}

export type UpstreamMethod =
  | 'UpdateHumanUser'
  | 'PasswordReset'
  | 'GetUserByID'
  | 'UpdateUser'
  | 'VerifyEmail'
  | 'ResendEmailCode'
  | 'VerifyPhone'
  | 'ResendPhoneCode';

export interface UpstreamCallRecord {
  method: UpstreamMethod | 'ReadyProbe';
  durationMs: number;
  /** The gRPC code name of the outcome as the gateway answers it (OK, NOT_FOUND, UNAVAILABLE…). */
  code: string;
  /** The gateway's error id when the call failed (e.g. GATEWAY-UPSTREAM503, COMMAND-ugjs0upun6). */
  errorId?: string;
  requestId?: string;
  /** 1 for the first try, more for retries of an idempotent read. */
  attempt: number;
}

/** Told about every upstream call and breaker transition (logs, /metrics). Must not throw. */
export interface UpstreamObserver {
  onCall(record: UpstreamCallRecord): void;
  onBreakerState(state: BreakerState): void;
}

export interface UpstreamClientOptions {
  observer?: UpstreamObserver;
  clock?: ResilienceClock;
  random?: () => number;
  /** Extra trusted CA certificates (PEM), in addition to the default roots; defaults to settings.caFile's content. */
  ca?: string | Buffer;
}

type UserServiceClient = Client<typeof UserService>;
type Call<Req, Res> = (client: UserServiceClient, req: Req, options: CallOptions) => Promise<Res>;

export class UpstreamClient {
  private readonly sessions: Http2SessionManager[];
  private readonly clients: UserServiceClient[];
  private next = 0;
  private readonly breaker: CircuitBreaker;
  private readonly observer: UpstreamObserver | undefined;
  private readonly clock: ResilienceClock;
  private readonly random: () => number;

  constructor(
    readonly settings: UpstreamSettings,
    options: UpstreamClientOptions = {},
  ) {
    this.observer = options.observer;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.breaker = new CircuitBreaker(settings.breaker, this.clock, (state) => this.observer?.onBreakerState(state));
    const ca = options.ca ?? (settings.caFile ? readFileSync(settings.caFile) : undefined);
    // The default roots stay trusted when extra CAs are given (Node replaces them otherwise).
    const tls = ca ? { ca: [...rootCertificates, ca.toString()] } : {};
    this.sessions = Array.from(
      { length: settings.poolSize },
      () =>
        new Http2SessionManager(
          settings.url,
          // PINGs while calls are open, and before reusing a connection idle for longer than the
          // interval. Not on idle connections: connect-node 2.1's idle PING timer can fire on a
          // destroyed session and throw outside any call (seen in test/upstream/faults.test.ts).
          { pingIntervalMs: settings.keepAliveMs, pingIdleConnection: false, pingTimeoutMs: settings.timeoutMs },
          settings.insecure ? {} : tls,
        ),
    );
    this.clients = this.sessions.map((sessionManager) =>
      createClient(
        UserService,
        createGrpcTransport({ baseUrl: settings.url, sessionManager, defaultTimeoutMs: settings.timeoutMs }),
      ),
    );
  }

  updateHumanUser(
    req: MessageInitShape<typeof UpdateHumanUserRequestSchema>,
    headers: ForwardedHeaders,
  ): Promise<UpdateHumanUserResponse> {
    return this.once('UpdateHumanUser', (c, r, o) => c.updateHumanUser(r, o), req, headers);
  }

  passwordReset(
    req: MessageInitShape<typeof PasswordResetRequestSchema>,
    headers: ForwardedHeaders,
  ): Promise<PasswordResetResponse> {
    return this.once('PasswordReset', (c, r, o) => c.passwordReset(r, o), req, headers);
  }

  updateUser(
    req: MessageInitShape<typeof UpdateUserRequestSchema>,
    headers: ForwardedHeaders,
  ): Promise<UpdateUserResponse> {
    return this.once('UpdateUser', (c, r, o) => c.updateUser(r, o), req, headers);
  }

  /** A code check is a write (the code is consumed, failures are counted): never retried. */
  verifyEmail(
    req: MessageInitShape<typeof VerifyEmailRequestSchema>,
    headers: ForwardedHeaders,
  ): Promise<VerifyEmailResponse> {
    return this.once('VerifyEmail', (c, r, o) => c.verifyEmail(r, o), req, headers);
  }

  resendEmailCode(
    req: MessageInitShape<typeof ResendEmailCodeRequestSchema>,
    headers: ForwardedHeaders,
  ): Promise<ResendEmailCodeResponse> {
    return this.once('ResendEmailCode', (c, r, o) => c.resendEmailCode(r, o), req, headers);
  }

  verifyPhone(
    req: MessageInitShape<typeof VerifyPhoneRequestSchema>,
    headers: ForwardedHeaders,
  ): Promise<VerifyPhoneResponse> {
    return this.once('VerifyPhone', (c, r, o) => c.verifyPhone(r, o), req, headers);
  }

  resendPhoneCode(
    req: MessageInitShape<typeof ResendPhoneCodeRequestSchema>,
    headers: ForwardedHeaders,
  ): Promise<ResendPhoneCodeResponse> {
    return this.once('ResendPhoneCode', (c, r, o) => c.resendPhoneCode(r, o), req, headers);
  }

  /** An idempotent read: retried after transport failures, within one overall deadline. */
  async getUserById(
    req: MessageInitShape<typeof GetUserByIDRequestSchema>,
    headers: ForwardedHeaders,
  ): Promise<GetUserByIDResponse> {
    const deadline = this.clock.now() + this.settings.timeoutMs;
    let attempt = 0;
    try {
      return await withRetries(
        () => {
          attempt++;
          const left = Math.ceil(deadline - this.clock.now());
          if (left <= 0) throw new ConnectError('deadline spent on retries', Code.DeadlineExceeded);
          return this.attempt('GetUserByID', (c, r, o) => c.getUserByID(r, o), req, headers, left, attempt);
        },
        this.settings.retry,
        this.clock,
        this.random,
      );
    } catch (error) {
      throw fromUpstreamError(error);
    }
  }

  /** For /ready: true when upstream answers at all (any application answer, even 401, proves it is up). */
  async ready(): Promise<boolean> {
    try {
      await this.attempt('ReadyProbe', (c, r, o) => c.getUserByID(r, o), { userId: 'ready-probe' }, {}, 0, 1);
      return true;
    } catch (error) {
      return !isTransportFailure(error);
    }
  }

  breakerState(): BreakerState {
    return this.breaker.state();
  }

  /** Closes the pooled connections (in-flight calls fail). */
  close(): void {
    for (const session of this.sessions) session.abort();
  }

  private async once<Req, Res>(
    method: UpstreamMethod,
    call: Call<Req, Res>,
    req: Req,
    headers: ForwardedHeaders,
  ): Promise<Res> {
    try {
      return await this.attempt(method, call, req, headers, this.settings.timeoutMs, 1);
    } catch (error) {
      throw fromUpstreamError(error);
    }
  }

  /** One try through the breaker on the next pooled connection; throws upstream's raw error. */
  private async attempt<Req, Res>(
    method: UpstreamCallRecord['method'],
    call: Call<Req, Res>,
    req: Req,
    headers: ForwardedHeaders,
    timeoutMs: number,
    attempt: number,
  ): Promise<Res> {
    const client = this.clients[this.next++ % this.clients.length] as UserServiceClient;
    const started = this.clock.now();
    const timeout = timeoutMs || this.settings.timeoutMs;
    let outcome: DomainError | undefined;
    try {
      return await this.breaker.run(() =>
        withDeadline(call(client, req, { timeoutMs: timeout, headers: outgoingHeaders(headers) }), timeout),
      );
    } catch (error) {
      outcome = fromUpstreamError(error);
      throw error;
    } finally {
      this.observer?.onCall({
        method,
        durationMs: this.clock.now() - started,
        code: outcome ? grpcCodeName(outcome.code) : 'OK',
        ...(outcome?.id ? { errorId: outcome.id } : {}),
        ...(headers.requestId ? { requestId: headers.requestId } : {}),
        attempt,
      });
    }
  }
}

function outgoingHeaders(forwarded: ForwardedHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  if (forwarded.authorization) headers.authorization = forwarded.authorization;
  if (forwarded.orgId) headers['x-zitadel-orgid'] = forwarded.orgId;
  if (forwarded.acceptLanguage) headers['accept-language'] = forwarded.acceptLanguage;
  if (forwarded.requestId) headers['x-request-id'] = forwarded.requestId;
  return headers;
}

/**
 * A safety net over Connect's own deadline: if a connection attempt ignores the abort, the call
 * still ends shortly after its deadline instead of hanging.
 */
function withDeadline<T>(call: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ConnectError('upstream deadline passed', Code.DeadlineExceeded)),
      timeoutMs + 250,
    );
    timer.unref();
  });
  return Promise.race([call, late]).finally(() => clearTimeout(timer));
}
