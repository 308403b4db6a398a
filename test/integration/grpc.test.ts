// The gRPC face with real clients: @connectrpc/connect-node over gRPC (HTTP/2, h2c), gRPC-Web and
// Connect (JSON and binary, HTTP/1.1 and HTTP/2) against the gateway listening on a loopback port.
// Every answer is compared with the REST face's answer for the same case.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:http2';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, createClient, type Transport } from '@connectrpc/connect';
import {
  compressionGzip,
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from '@connectrpc/connect-node';
import { describe, expect, it } from 'vitest';
import { CredentialsCheckErrorSchema, ErrorDetailSchema } from '../../src/grpc/gen/zitadel/message_pb.js';
import { Gender, UserState } from '../../src/grpc/gen/zitadel/user/v2/user_pb.js';
import { UserService } from '../../src/grpc/gen/zitadel/user/v2/user_service_pb.js';
import { renamedService, V2BETA_USER_SERVICE } from '../../src/grpc/grpc-plugin.js';
import { type Harness, PASSWORD, snapshot, type World } from '../support/harness.js';
import { type Served, servedWorldEach } from '../support/serve.js';

let h: Harness;
let w: World;
let served: Served;
let baseUrl: string;
// A fresh gateway and world per test, listening on a loopback port.
servedWorldEach({ h2c: true, gateway: true }, (fresh) => {
  ({ h, w, served } = fresh);
  baseUrl = served.base;
});

const TRANSPORTS: [string, () => Transport][] = [
  ['gRPC (HTTP/2)', () => createGrpcTransport({ baseUrl })],
  ['gRPC-Web (HTTP/1.1)', () => createGrpcWebTransport({ baseUrl, httpVersion: '1.1' })],
  ['Connect JSON (HTTP/1.1)', () => createConnectTransport({ baseUrl, httpVersion: '1.1' })],
  ['Connect binary (HTTP/1.1)', () => createConnectTransport({ baseUrl, httpVersion: '1.1', useBinaryFormat: true })],
  ['gRPC-Web (HTTP/2)', () => createGrpcWebTransport({ baseUrl, httpVersion: '2' })],
  ['Connect JSON (HTTP/2)', () => createConnectTransport({ baseUrl, httpVersion: '2' })],
];

function client(transport: () => Transport) {
  return createClient(UserService, transport());
}

const auth = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

/** What a failed call answered: code, the raw message and the ErrorDetail, comparable with REST's body. */
async function failure(call: Promise<unknown>) {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectError);
  const e = error as ConnectError;
  const details = e.findDetails(ErrorDetailSchema).map(({ id, message }) => ({ id, message }));
  return { code: e.code as number, message: e.rawMessage, details };
}

/** REST's error body in the same shape. */
async function restFailure(method: string, path: string, body: unknown, token: string | null) {
  const res = await h.rest(method, path, body, token);
  const details = ((res.body.details ?? []) as { '@type': string; id: string; message: string }[])
    .filter((d) => d['@type'] === 'type.googleapis.com/zitadel.v1.ErrorDetail')
    .map(({ id, message }) => ({ id, message }));
  return { code: res.body.code as number, message: res.body.message as string, details };
}

describe.each(TRANSPORTS)('%s', (_name, transport) => {
  it('UpdateHumanUser: renames, answers details like REST and writes the same event', async () => {
    const users = client(transport);
    const res = await users.updateHumanUser(
      {
        userId: w.alice.id,
        profile: { givenName: 'Alicia', familyName: 'Test', nickName: 'Ali', gender: Gender.FEMALE },
      },
      auth(w.orgOwner.token),
    );
    expect(res.details?.sequence).toBe(2n);
    expect(res.details?.resourceOwner).toBe(w.orgs.acme);
    expect(res.details?.changeDate && timestampDate(res.details.changeDate).toISOString()).toBe(
      '2026-11-23T10:00:00.000Z',
    );
    expect(res.emailCode).toBeUndefined();
    expect(res.phoneCode).toBeUndefined();

    const rest = await h.rest(
      'PUT',
      `/v2/users/human/${w.bob.id}`,
      { profile: { givenName: 'Alicia', familyName: 'Test', nickName: 'Ali', gender: 'GENDER_FEMALE' } },
      w.orgOwner.token,
    );
    expect(rest.body).toEqual({
      details: { sequence: '2', changeDate: '2026-11-23T10:00:00Z', resourceOwner: w.orgs.acme },
    });
    const viaGrpc = (await h.repository.events(w.alice.id)).at(-1);
    const viaRest = (await h.repository.events(w.bob.id)).at(-1);
    expect(viaGrpc?.type).toBe('profile.changed');
    expect(viaGrpc?.type).toBe(viaRest?.type);
    expect(viaGrpc?.payload).toEqual(viaRest?.payload);
    expect(viaGrpc?.payload).toMatchObject({ givenName: 'Alicia', nickName: 'Ali' });
    expect(viaGrpc?.creator).toBe(w.orgOwner.id);
    expect(viaGrpc?.sequence).toBe(viaRest?.sequence);
  });

  it('UpdateHumanUser: email with return_code returns the code, as REST does', async () => {
    const users = client(transport);
    const res = await users.updateHumanUser(
      {
        userId: w.alice.id,
        email: { email: 'alicia@example.com', verification: { case: 'returnCode', value: {} } },
      },
      auth(w.orgOwner.token),
    );
    expect(res.emailCode).toMatch(/^\S{6,}$/);
    const rest = await h.rest(
      'PUT',
      `/v2/users/human/${w.bob.id}`,
      { email: { email: 'alicia@example.com', returnCode: {} } },
      w.orgOwner.token,
    );
    expect(res.details?.sequence).toBe(BigInt(String((rest.body.details as { sequence: string }).sequence)));
    expect(typeof rest.body.emailCode).toBe('string');
    const viaGrpc = await h.repository.events(w.alice.id);
    const viaRest = await h.repository.events(w.bob.id);
    expect(viaGrpc.map((e) => e.type)).toEqual(viaRest.map((e) => e.type));
    expect(viaGrpc.at(-1)?.type).not.toBe('user.created');
  });

  it('UpdateHumanUser: a validation error → INVALID_ARGUMENT like REST, nothing changed', async () => {
    const before = await snapshot(h, w.alice.id);
    const grpc = await failure(
      client(transport).updateHumanUser({ userId: w.alice.id, username: '' }, auth(w.orgOwner.token)),
    );
    const rest = await restFailure('PUT', `/v2/users/human/${w.alice.id}`, { username: '' }, w.orgOwner.token);
    expect(grpc.code).toBe(Code.InvalidArgument);
    expect(grpc).toEqual(rest);
    expect(await snapshot(h, w.alice.id)).toEqual(before);
  });

  it('UpdateHumanUser: an unknown user → NOT_FOUND "User could not be found (COMMAND-ugjs0upun6)"', async () => {
    const grpc = await failure(
      client(transport).updateHumanUser(
        { userId: 'no-such-user', profile: { givenName: 'A', familyName: 'B' } },
        auth(w.iamOwner.token),
      ),
    );
    expect(grpc).toEqual({
      code: Code.NotFound,
      message: 'User could not be found (COMMAND-ugjs0upun6)',
      details: [{ id: 'COMMAND-ugjs0upun6', message: 'User could not be found' }],
    });
    expect(grpc).toEqual(
      await restFailure(
        'PUT',
        '/v2/users/human/no-such-user',
        { profile: { givenName: 'A', familyName: 'B' } },
        w.iamOwner.token,
      ),
    );
  });

  it('UpdateHumanUser: a read-only caller → PERMISSION_DENIED (AUTH-AWfge), nothing changed', async () => {
    const before = await snapshot(h, w.alice.id);
    const grpc = await failure(
      client(transport).updateHumanUser(
        { userId: w.alice.id, profile: { givenName: 'V', familyName: 'W' } },
        auth(w.orgViewer.token),
      ),
    );
    expect(grpc).toEqual({
      code: Code.PermissionDenied,
      message: 'No matching permissions found (AUTH-AWfge)',
      details: [{ id: 'AUTH-AWfge', message: 'No matching permissions found' }],
    });
    expect(await snapshot(h, w.alice.id)).toEqual(before);
  });

  it('UpdateHumanUser: no authorization metadata → UNAUTHENTICATED "auth header missing", no detail', async () => {
    const before = await snapshot(h, w.alice.id);
    const grpc = await failure(
      client(transport).updateHumanUser({ userId: w.alice.id, profile: { givenName: 'A', familyName: 'B' } }),
    );
    expect(grpc).toEqual({ code: Code.Unauthenticated, message: 'auth header missing', details: [] });
    expect(grpc).toEqual(await restFailure('PUT', `/v2/users/human/${w.alice.id}`, {}, null));
    expect(await snapshot(h, w.alice.id)).toEqual(before);
  });

  it('UpdateHumanUser: an unknown token → UNAUTHENTICATED (AUTH-7fs1e)', async () => {
    const grpc = await failure(client(transport).updateHumanUser({ userId: w.alice.id }, auth('not-a-real-token')));
    expect(grpc).toEqual({
      code: Code.Unauthenticated,
      message: 'Errors.Token.Invalid (AUTH-7fs1e)',
      details: [{ id: 'AUTH-7fs1e', message: 'Errors.Token.Invalid' }],
    });
  });

  it('PasswordReset with return_code, then UpdateHumanUser sets the password with that code', async () => {
    const users = client(transport);
    const reset = await users.passwordReset(
      { userId: w.alice.id, medium: { case: 'returnCode', value: {} } },
      auth(w.orgOwner.token),
    );
    expect(reset.details?.sequence).toBe(2n);
    expect(reset.verificationCode).toEqual(expect.any(String));
    const set = await users.updateHumanUser(
      {
        userId: w.alice.id,
        password: {
          passwordType: { case: 'password', value: { password: 'N3w-Passw0rd!', changeRequired: false } },
          verification: { case: 'verificationCode', value: reset.verificationCode as string },
        },
      },
      auth(w.alice.token),
    );
    expect(set.details?.sequence).toBe(3n);
    expect((await h.repository.events(w.alice.id)).map((e) => e.type).slice(-2)).toEqual([
      'password.code.added',
      'password.changed',
    ]);
  });

  it('UpdateHumanUser: a wrong current password → only the CredentialsCheckError detail, as REST', async () => {
    const error = await client(transport)
      .updateHumanUser(
        {
          userId: w.alice.id,
          password: {
            passwordType: { case: 'password', value: { password: 'N3w-Passw0rd!' } },
            verification: { case: 'currentPassword', value: `${PASSWORD}-wrong` },
          },
        },
        auth(w.alice.token),
      )
      .catch((e: unknown) => e as ConnectError);
    expect(error).toBeInstanceOf(ConnectError);
    const e = error as ConnectError;
    expect(e.code).toBe(Code.InvalidArgument);
    expect(e.rawMessage).toBe('Password is invalid (COMMAND-3M0fs)');
    expect(e.details).toHaveLength(1);
    expect(e.findDetails(ErrorDetailSchema)).toEqual([]);
    const [credentials] = e.findDetails(CredentialsCheckErrorSchema);
    expect({ ...credentials }).toMatchObject({
      id: 'COMMAND-3M0fs',
      message: 'Password is invalid',
      failedAttempts: 1,
    });
    const rest = await h.rest(
      'PUT',
      `/v2/users/human/${w.alice.id}`,
      { password: { password: { password: 'N3w-Passw0rd!' }, currentPassword: `${PASSWORD}-wrong` } },
      w.alice.token,
    );
    expect(rest).toMatchObject({
      status: 400,
      body: {
        code: 3,
        message: 'Password is invalid (COMMAND-3M0fs)',
        details: [
          {
            '@type': 'type.googleapis.com/zitadel.v1.CredentialsCheckError',
            id: 'COMMAND-3M0fs',
            message: 'Password is invalid',
            failedAttempts: 2,
          },
        ],
      },
    });
    expect(rest.body.details).toHaveLength(1);
  });

  it('GetUserByID answers the user like REST', async () => {
    const res = await client(transport).getUserByID({ userId: w.alice.id }, auth(w.orgOwner.token));
    const rest = await h.rest('GET', `/v2/users/${w.alice.id}`, undefined, w.orgOwner.token);
    const restUser = rest.body.user as { userId: string; username: string; human: { email: { email: string } } };
    expect(res.user?.userId).toBe(restUser.userId);
    expect(res.user?.username).toBe('alice');
    expect(res.user?.state).toBe(UserState.ACTIVE);
    expect(res.user?.loginNames).toEqual(['alice']);
    expect(res.details?.sequence).toBe(1n);
    expect(res.user?.type.case).toBe('human');
    const human = res.user?.type.case === 'human' ? res.user.type.value : undefined;
    expect(human?.profile?.givenName).toBe('alice');
    expect(human?.profile?.familyName).toBe('Test');
    expect(human?.profile?.gender).toBe(Gender.UNSPECIFIED);
    expect(human?.email).toMatchObject({ email: restUser.human.email.email, isVerified: false });
  });

  it('GetUserByID: an unknown user → NOT_FOUND like REST', async () => {
    const grpc = await failure(client(transport).getUserByID({ userId: 'no-such-user' }, auth(w.iamOwner.token)));
    expect(grpc.code).toBe(Code.NotFound);
    expect(grpc).toEqual(await restFailure('GET', '/v2/users/no-such-user', undefined, w.iamOwner.token));
  });
});

describe('Connect JSON and REST', () => {
  it('answer GetUserByID and UpdateHumanUser with the same protojson', async () => {
    const connectJson = async (method: string, body: unknown) => {
      const res = await fetch(`${baseUrl}/zitadel.user.v2.UserService/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${w.orgOwner.token}` },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      return res.json();
    };
    const rest = await h.rest('GET', `/v2/users/${w.alice.id}`, undefined, w.orgOwner.token);
    const connect = await connectJson('GetUserByID', { userId: w.alice.id });
    expect(connect).toEqual(rest.body);
    expect(connect).toMatchObject({
      details: { sequence: '1', changeDate: '2026-11-23T10:00:00Z', resourceOwner: w.orgs.acme },
      user: { details: { sequence: '1' }, human: { email: { email: 'alice@example.com' }, phone: {} } },
    });
    expect(JSON.stringify(connect)).not.toMatch(/isVerified|passwordChangeRequired/);
    const update = { profile: { givenName: 'Al', familyName: 'Ice' } };
    const viaConnect = await connectJson('UpdateHumanUser', { userId: w.alice.id, ...update });
    const viaRest = await h.rest('PUT', `/v2/users/human/${w.bob.id}`, update, w.orgOwner.token);
    expect(viaConnect).toEqual({
      details: { sequence: '2', changeDate: '2026-11-23T10:00:00Z', resourceOwner: w.orgs.acme },
    });
    expect(viaRest.body).toEqual(viaConnect);
  });
});

/** Renames alice through `users`: the update's sequence and the given name read back. */
async function renameAndReadBack(users: ReturnType<typeof client>, givenName: string) {
  const updated = await users.updateHumanUser(
    { userId: w.alice.id, profile: { givenName, familyName: 'Tester' } },
    auth(w.orgOwner.token),
  );
  const got = await users.getUserByID({ userId: w.alice.id }, auth(w.orgOwner.token));
  return [updated.details?.sequence, got.user?.type.case === 'human' && got.user.type.value.profile?.givenName];
}

describe('the shared port', () => {
  it('is answered with a trailers-only UNIMPLEMENTED status naming HTTP/2', async () => {
    const res = await fetch(`${baseUrl}/zitadel.user.v2.UserService/UpdateHumanUser`, {
      method: 'POST',
      headers: { 'content-type': 'application/grpc', te: 'trailers' },
      body: new Uint8Array([0, 0, 0, 0, 0]),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('grpc-status')).toBe('12');
    expect(decodeURIComponent(res.headers.get('grpc-message') ?? '')).toMatch(/HTTP\/2/);
  });

  it('an unknown service or method → UNIMPLEMENTED in the protocol (gRPC: HTTP 200, grpc-status 12), not a bare 404', async () => {
    const connectJson = await fetch(`${baseUrl}/zitadel.user.v2.UserService/DeleteUser`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect([connectJson.status, await connectJson.json()]).toEqual([
      404,
      { code: 'unimplemented', message: 'unknown service or method /zitadel.user.v2.UserService/DeleteUser' },
    ]);
    const grpcWeb = await fetch(`${baseUrl}/zitadel.session.v2.SessionService/CreateSession`, {
      method: 'POST',
      headers: { 'content-type': 'application/grpc-web+proto' },
      body: new Uint8Array([0, 0, 0, 0, 0]),
    });
    expect([grpcWeb.status, grpcWeb.headers.get('grpc-status'), grpcWeb.headers.get('content-type')]).toEqual([
      200,
      '12',
      'application/grpc-web+proto',
    ]);
    // A client of another service, over plain gRPC (HTTP/2) and Connect: Code.Unimplemented.
    const other = renamedService(UserService, 'zitadel.nothing.v1.NoService');
    for (const transport of [
      createGrpcTransport({ baseUrl }),
      createConnectTransport({ baseUrl, httpVersion: '1.1' }),
    ]) {
      const call = createClient(other, transport).getUserByID({ userId: w.alice.id }, auth(w.orgOwner.token));
      const error = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as ConnectError).code).toBe(Code.Unimplemented);
    }
  });

  it.each([
    ['gRPC (HTTP/2)', () => createGrpcTransport({ baseUrl, sendCompression: compressionGzip, compressMinBytes: 0 })],
    [
      'gRPC-Web (HTTP/1.1)',
      () =>
        createGrpcWebTransport({ baseUrl, httpVersion: '1.1', sendCompression: compressionGzip, compressMinBytes: 0 }),
    ],
    [
      'Connect JSON (HTTP/1.1)',
      () =>
        createConnectTransport({ baseUrl, httpVersion: '1.1', sendCompression: compressionGzip, compressMinBytes: 0 }),
    ],
  ] as const)('%s: a gzip-compressed request works', async (_, transport) => {
    expect(await renameAndReadBack(createClient(UserService, transport()), 'Gzip')).toEqual([2n, 'Gzip']);
  });

  it.each([
    ['gRPC (HTTP/2)', () => createGrpcTransport({ baseUrl })],
    ['Connect JSON (HTTP/1.1)', () => createConnectTransport({ baseUrl, httpVersion: '1.1' })],
  ] as const)(
    '%s: zitadel.user.v2beta.UserService serves the same methods (as @zitadel/node calls them)',
    async (_, transport) => {
      const beta = createClient(renamedService(UserService, V2BETA_USER_SERVICE), transport());
      expect(await renameAndReadBack(beta, 'Beta')).toEqual([2n, 'Beta']);
    },
  );

  it('HTTP/2 requests that are not for the UserService fall through to yoga (REST here)', async () => {
    const session = connect(baseUrl);
    try {
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = session.request({
          ':path': `/v2/users/${w.alice.id}`,
          authorization: `Bearer ${w.orgOwner.token}`,
        });
        let status = 0;
        let body = '';
        req.setEncoding('utf8');
        req.on('response', (headers) => {
          status = Number(headers[':status']);
        });
        req.on('data', (chunk: string) => {
          body += chunk;
        });
        req.on('end', () => resolve({ status, body }));
        req.on('error', reject);
        req.end();
      });
      expect(answer.status).toBe(200);
      expect((JSON.parse(answer.body) as { user: { userId: string } }).user.userId).toBe(w.alice.id);
    } finally {
      session.close();
    }
  });

  it('a request message over the body limit → RESOURCE_EXHAUSTED, on HTTP/1.1 and HTTP/2', async () => {
    const big = 'x'.repeat(h.config.maxRequestBodyBytes + 1);
    for (const [, transport] of TRANSPORTS) {
      const grpc = await failure(client(transport).updateHumanUser({ userId: big }, auth(w.orgOwner.token)));
      expect(grpc.code).toBe(Code.ResourceExhausted);
      expect(grpc.message).toMatch(/larger than configured readMaxBytes/);
    }
    expect((await h.repository.events(w.alice.id)).length).toBe(1);
  });

  it('shutdown closes an open HTTP/2 session: server.close() completes after closeIdleConnections()', async () => {
    const users = client(TRANSPORTS[0]?.[1] as () => Transport);
    await users.getUserByID({ userId: w.alice.id }, auth(w.orgOwner.token));
    const closed = new Promise((resolve) => served.server.close(resolve));
    served.server.closeIdleConnections();
    await expect(closed).resolves.toBeUndefined();
  });

  it('REST still works on the same port over HTTP/1.1', async () => {
    const res = await fetch(`${baseUrl}/v2/users/${w.alice.id}`, { headers: auth(w.orgOwner.token).headers });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: { username: string } }).user.username).toBe('alice');
  });
});

describe('generated code', () => {
  /** The serialized file descriptors embedded in generated files (formatting-independent). */
  function descriptors(dir: string): string[] {
    return (readdirSync(dir, { recursive: true }) as string[])
      .filter((f) => f.endsWith('_pb.ts'))
      .map((f) => /fileDesc\(\s*["']([^"']+)["']/.exec(readFileSync(join(dir, f), 'utf8'))?.[1] ?? `missing in ${f}`)
      .sort();
  }

  it('src/grpc/gen matches proto/ (run `npm run proto:generate` after editing a .proto)', () => {
    const out = mkdtempSync(join(tmpdir(), 'proto-gen-'));
    try {
      execFileSync('node_modules/.bin/buf', ['generate', 'proto', '--template', 'proto/buf.gen.yaml', '-o', out], {
        stdio: 'pipe',
        // buf runs the local plugin protoc-gen-es from node_modules/.bin.
        env: { ...process.env, PATH: `${join(process.cwd(), 'node_modules/.bin')}${delimiter}${process.env.PATH}` },
      });
      const fresh = descriptors(join(out, 'src/grpc/gen'));
      expect(fresh).toHaveLength(7);
      expect(descriptors('src/grpc/gen')).toEqual(fresh);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 30_000);
});
