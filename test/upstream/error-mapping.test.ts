// Upstream's error bodies → the gateway's DomainError, pinned to recorded bodies. The fixtures in
// test/upstream/fixtures/upstream-errors.json are Connect-protocol error bodies (HTTP status + JSON
// with the binary ErrorDetail / CredentialsCheckError details) RECORDED FROM THE STAND-IN — the
// embedded gateway answering as ZITADEL's UserService — not from a ZITADEL instance (no internet
// here). The first test re-records them and fails when the stand-in's answers drift; run it with
// RECORD_UPSTREAM_FIXTURES=1 to rewrite the file after an intended change.
import { readFileSync, writeFileSync } from 'node:fs';
import type { JsonValue } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { errorFromJson } from '@connectrpc/connect/protocol-connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { fromUpstreamError, isTransportFailure, UpstreamTransportError } from '../../src/upstream/errors.js';
import { PASSWORD } from '../support/harness.js';
import { type StandIn, startStandIn } from './stand-in.js';

const FIXTURES = new URL('./fixtures/upstream-errors.json', import.meta.url);

interface Fixture {
  /** HTTP status of the Connect answer. */
  status: number;
  body: JsonValue;
}

/** One request per error family: [family, token of (world) or null, request]. */
const FAMILIES = {
  notFound: (s: StandIn) => [s.w.iamOwner.token, { userId: 'no-such-user', username: 'x' }],
  permissionDenied: (s: StandIn) => [s.w.orgViewer.token, { userId: s.w.bob.id, username: 'x' }],
  membershipNotFound: (s: StandIn) => [s.w.otherOwner.token, { userId: s.w.bob.id, username: 'x' }],
  alreadyExists: (s: StandIn) => [s.w.iamOwner.token, { userId: s.w.bob.id, username: 'alice' }],
  wrongCurrentPassword: (s: StandIn) => [
    s.w.alice.token,
    { userId: s.w.alice.id, password: { password: { password: 'An0ther-One!' }, currentPassword: `${PASSWORD}x` } },
  ],
  notInitialized: (s: StandIn) => [
    s.w.iamOwner.token,
    { userId: s.w.initial.id, password: { password: { password: 'An0ther-One!' } } },
  ],
  shape: (s: StandIn) => [s.w.iamOwner.token, { userId: s.w.bob.id, username: '' }],
  authHeaderMissing: (s: StandIn) => [null, { userId: s.w.bob.id, username: 'x' }],
  tokenInvalid: (s: StandIn) => [`not-a-token`, { userId: s.w.bob.id, username: 'x' }],
} satisfies Record<string, (s: StandIn) => [string | null, Record<string, unknown>]>;

type Family = keyof typeof FAMILIES;

describe('recorded upstream error bodies', () => {
  let s: StandIn;
  beforeAll(async () => {
    s = await startStandIn();
  });
  afterAll(async () => {
    await s.close();
  });

  it('are what the stand-in answers on UpdateHumanUser over Connect', async () => {
    const recorded: Record<string, Fixture> = {};
    for (const [family, request] of Object.entries(FAMILIES)) {
      const [token, body] = request(s);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      const res = await s.h.app.yoga.fetch('http://stand-in/zitadel.user.v2.UserService/UpdateHumanUser', {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
      });
      recorded[family] = { status: res.status, body: (await res.json()) as JsonValue };
    }
    if (process.env.RECORD_UPSTREAM_FIXTURES === '1') writeFileSync(FIXTURES, `${JSON.stringify(recorded, null, 2)}\n`);
    expect(recorded).toEqual(JSON.parse(readFileSync(FIXTURES, 'utf8')));
  });
});

describe('mapping', () => {
  const fixtures = JSON.parse(readFileSync(FIXTURES, 'utf8')) as Record<Family, Fixture>;
  const mapped = (family: Family) => {
    const error = errorFromJson(fixtures[family].body, undefined, new ConnectError('unparsable', Code.Unknown));
    expect(isTransportFailure(error)).toBe(false);
    const domain = fromUpstreamError(error);
    expect(domain).toBeInstanceOf(DomainError);
    return { code: domain.code, id: domain.id, message: domain.message, details: domain.details };
  };

  it.each([
    ['notFound', 5, 'COMMAND-ugjs0upun6', 'User could not be found'],
    ['permissionDenied', 7, 'AUTH-AWfge', 'No matching permissions found'],
    ['membershipNotFound', 5, 'AUTHZ-cdgFk', 'membership not found'],
    ['alreadyExists', 6, 'V3-DKcYh', 'User already exists'],
    ['notInitialized', 9, 'COMMAND-M9dse', 'User is not yet initialized'],
  ] as const)('%s: code, the ErrorDetail id and its message (without the id suffix)', (family, code, id, message) => {
    expect(mapped(family)).toEqual({ code, id, message, details: {} });
  });

  it('a wrong current password keeps failedAttempts from the CredentialsCheckError', () => {
    expect(mapped('wrongCurrentPassword')).toEqual({
      code: 3,
      id: 'COMMAND-3M0fs',
      message: 'Password is invalid',
      details: { failedAttempts: 1 },
    });
  });

  it.each([
    ['shape', 3, 'invalid UpdateHumanUserRequest.Username: value length must be between 1 and 200 runes, inclusive'],
    ['authHeaderMissing', 16, 'auth header missing'],
  ] as const)('%s: without a detail, code and message stay as upstream sent them', (family, code, message) => {
    expect(mapped(family)).toEqual({ code, id: '', message, details: {} });
  });

  it('a token upstream refuses keeps its id', () => {
    expect(mapped('tokenInvalid')).toMatchObject({ code: 16, id: 'AUTH-7fs1e' });
  });

  it.each([
    ['a Node network error', new Error('socket hang up'), 14],
    ['UNAVAILABLE from the transport', new ConnectError('connect ECONNREFUSED', Code.Unavailable), 14],
    ['ABORTED from a reset stream', new ConnectError('stream reset', Code.Aborted), 14],
    [
      'CANCELED from a stream reset on a dying connection',
      new ConnectError('http/2 stream closed with error code CANCEL (0x8)', Code.Canceled),
      14,
    ],
    [
      'INTERNAL caused by a TLS verification error',
      new ConnectError(
        'self-signed',
        Code.Internal,
        undefined,
        undefined,
        Object.assign(new Error('x'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
      ),
      14,
    ],
    ['a deadline', new ConnectError('deadline', Code.DeadlineExceeded), 4],
  ])('%s is a transport failure, never a 500', (_name, error, code) => {
    expect(isTransportFailure(error)).toBe(true);
    const mapped = fromUpstreamError(error);
    expect(mapped).toBeInstanceOf(UpstreamTransportError);
    expect(mapped.code).toBe(code);
    expect((mapped as UpstreamTransportError).httpStatus).toBe(code === 4 ? 504 : 503);
  });

  it('upstream’s own INTERNAL without a Node cause stays upstream’s answer', () => {
    const error = new ConnectError('Errors.Internal', Code.Internal);
    expect(isTransportFailure(error)).toBe(false);
    expect(fromUpstreamError(error)).toMatchObject({ code: 13, id: '', message: 'Errors.Internal' });
  });
});
