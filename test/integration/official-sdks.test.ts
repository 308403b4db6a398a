// Issue 14 "Done when": the official ZITADEL SDKs, clients no one here wrote, against the gateway on
// a loopback port. `@zitadel/client` (protobuf-es) over gRPC (`createServerTransport`, h2c), gRPC-Web
// (`createClientTransport`) and Connect JSON (connect-node's transport + its `createUserServiceClient`);
// `@zitadel/node` (nice-grpc, ts-proto) with its v2 definition and its `createUserClient()` (v2beta).
// Each SDK sits behind one small adapter so that every case runs, with the same values, on all of them.
import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { Interceptor, Transport } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { createServerTransport } from '@zitadel/client/node';
import { createUserServiceClient } from '@zitadel/client/v2';
import { createClientTransport } from '@zitadel/client/web';
import { createUserClient } from '@zitadel/node/dist/api/clients.js';
import { UserServiceDefinition } from '@zitadel/node/dist/api/generated/zitadel/user/v2/user_service.js';
import { createAccessTokenInterceptor } from '@zitadel/node/dist/api/interceptors.js';
import { createChannel, createClientFactory } from 'nice-grpc';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codeMatches } from '../../src/domain/users/codes.js';
import { freshWorld } from '../support/faces.js';
import { type Harness, PASSWORD, storedCodeHash, type World } from '../support/harness.js';
import { type Served, serve } from '../support/serve.js';

let h: Harness;
let w: World;
let server: Served;
/** Whatever a case opened (nice-grpc channels), closed after it. */
let opened: (() => void)[] = [];

beforeEach(async () => {
  ({ h, w } = await freshWorld());
  server = await serve(h, { h2c: true });
});
afterEach(async () => {
  for (const close of opened) close();
  opened = [];
  await server.close();
  await h.close();
});

interface Details {
  sequence: string;
  changeDate: string;
  resourceOwner: string;
}
/** What GetUserByID read back, in one shape for every SDK. */
interface ReadBack {
  sequence: string;
  username: string;
  givenName: string;
  familyName: string;
  email: string;
  emailVerified: boolean;
}
/** The SDK calls under test, one adapter per SDK and transport; answers normalized. */
interface Sdk {
  rename(userId: string, givenName: string, familyName: string): Promise<Details>;
  changeEmail(userId: string, email: string): Promise<{ details: Details; emailCode?: string }>;
  changePassword(userId: string, password: string, proof: { current: string } | { code: string }): Promise<Details>;
  passwordReset(userId: string): Promise<{ details: Details; verificationCode?: string }>;
  getUser(userId: string): Promise<ReadBack>;
}
type SdkFor = (token: string) => Sdk;

/** A failed SDK call: the gRPC code and the message without any SDK prefix. Fails on success. */
async function failure(call: Promise<unknown>): Promise<{ code: number; message: string }> {
  const error = (await call.then(
    (answer) => {
      throw new Error(
        `expected a failure, got ${JSON.stringify(answer, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`,
      );
    },
    (e: unknown) => e,
  )) as { code: number; rawMessage?: string; details?: string };
  // Connect's ConnectError carries rawMessage; nice-grpc's ClientError the status message as `details`.
  return { code: Number(error.code), message: error.rawMessage ?? (error.details as string) };
}

// --- @zitadel/client (protobuf-es messages: oneofs as {case, value}, uint64 as bigint) -----------

type ConnectDetails = { sequence: bigint; changeDate?: Parameters<typeof timestampDate>[0]; resourceOwner: string };
const connectDetails = (d: ConnectDetails | undefined): Details => ({
  sequence: String(d?.sequence),
  changeDate: d?.changeDate ? timestampDate(d.changeDate).toISOString() : '',
  resourceOwner: d?.resourceOwner ?? '',
});

function zitadelClient(transport: (token: string) => Transport): SdkFor {
  return (token) => {
    const users = createUserServiceClient(transport(token));
    return {
      rename: async (userId, givenName, familyName) =>
        connectDetails((await users.updateHumanUser({ userId, profile: { givenName, familyName } })).details),
      changeEmail: async (userId, email) => {
        const res = await users.updateHumanUser({
          userId,
          email: { email, verification: { case: 'returnCode', value: {} } },
        });
        return { details: connectDetails(res.details), emailCode: res.emailCode };
      },
      changePassword: async (userId, password, proof) =>
        connectDetails(
          (
            await users.updateHumanUser({
              userId,
              password: {
                passwordType: { case: 'password', value: { password, changeRequired: false } },
                verification:
                  'current' in proof
                    ? { case: 'currentPassword', value: proof.current }
                    : { case: 'verificationCode', value: proof.code },
              },
            })
          ).details,
        ),
      passwordReset: async (userId) => {
        const res = await users.passwordReset({ userId, medium: { case: 'returnCode', value: {} } });
        return { details: connectDetails(res.details), verificationCode: res.verificationCode };
      },
      getUser: async (userId) => {
        const { user } = await users.getUserByID({ userId });
        if (user?.type.case !== 'human') throw new Error(`not a human user: ${user?.type.case}`);
        const human = user.type.value;
        return {
          sequence: String(user.details?.sequence),
          username: user.username,
          givenName: human.profile?.givenName ?? '',
          familyName: human.profile?.familyName ?? '',
          email: human.email?.email ?? '',
          emailVerified: human.email?.isVerified ?? false,
        };
      },
    };
  };
}

// --- @zitadel/node (ts-proto messages: oneofs as optional members, uint64 as Long, Date) ---------

type NodeDetails = { sequence: { toString(): string }; changeDate?: Date; resourceOwner: string };
const nodeDetails = (d: NodeDetails | undefined): Details => ({
  sequence: String(d?.sequence),
  changeDate: d?.changeDate?.toISOString() ?? '',
  resourceOwner: d?.resourceOwner ?? '',
});

/** The calls the adapter makes, as far as it reads them: the v2 and v2beta clients both fit. */
interface NodeUsers {
  updateHumanUser(request: {
    userId: string;
    profile?: { givenName: string; familyName: string };
    email?: { email: string; returnCode: object };
    password?: {
      password: { password: string; changeRequired: boolean };
      currentPassword?: string;
      verificationCode?: string;
    };
  }): Promise<{ details?: NodeDetails; emailCode?: string }>;
  passwordReset(request: { userId: string; returnCode: object }): Promise<{
    details?: NodeDetails;
    verificationCode?: string;
  }>;
  getUserByID(request: { userId: string }): Promise<{
    user?: {
      username: string;
      details?: NodeDetails;
      human?: { profile?: { givenName: string; familyName: string }; email?: { email: string; isVerified: boolean } };
    };
  }>;
}

function zitadelNode(client: (token: string) => NodeUsers): SdkFor {
  return (token) => {
    const users = client(token);
    return {
      rename: async (userId, givenName, familyName) =>
        nodeDetails((await users.updateHumanUser({ userId, profile: { givenName, familyName } })).details),
      changeEmail: async (userId, email) => {
        const res = await users.updateHumanUser({ userId, email: { email, returnCode: {} } });
        return { details: nodeDetails(res.details), emailCode: res.emailCode };
      },
      changePassword: async (userId, password, proof) =>
        nodeDetails(
          (
            await users.updateHumanUser({
              userId,
              password: {
                password: { password, changeRequired: false },
                ...('current' in proof ? { currentPassword: proof.current } : { verificationCode: proof.code }),
              },
            })
          ).details,
        ),
      passwordReset: async (userId) => {
        const res = await users.passwordReset({ userId, returnCode: {} });
        return { details: nodeDetails(res.details), verificationCode: res.verificationCode };
      },
      getUser: async (userId) => {
        const { user } = await users.getUserByID({ userId });
        if (!user?.human) throw new Error('not a human user');
        return {
          sequence: String(user.details?.sequence),
          username: user.username,
          givenName: user.human.profile?.givenName ?? '',
          familyName: user.human.profile?.familyName ?? '',
          email: user.human.email?.email ?? '',
          emailVerified: user.human.email?.isVerified ?? false,
        };
      },
    };
  };
}

/** The header @zitadel/client's own transports add, for connect-node's Connect transport. */
const bearer =
  (token: string): Interceptor =>
  (next) =>
  (req) => {
    req.header.set('authorization', `Bearer ${token}`);
    return next(req);
  };

const SDKS: [string, SdkFor][] = [
  [
    '@zitadel/client gRPC (createServerTransport)',
    zitadelClient((t) => createServerTransport(t, { baseUrl: server.base })),
  ],
  [
    '@zitadel/client gRPC-Web (createClientTransport)',
    zitadelClient((t) => createClientTransport(t, { baseUrl: server.base })),
  ],
  [
    '@zitadel/client Connect JSON (connect-node createConnectTransport)',
    zitadelClient((t) =>
      createConnectTransport({
        baseUrl: server.base,
        httpVersion: '1.1',
        interceptors: [bearer(t)],
      }),
    ),
  ],
  [
    '@zitadel/node v2 (nice-grpc)',
    zitadelNode((token) => {
      const channel = createChannel(server.base);
      opened.push(() => channel.close());
      return createClientFactory().use(createAccessTokenInterceptor(token)).create(UserServiceDefinition, channel);
    }),
  ],
  // Its own client factory: zitadel.user.v2beta.UserService, on a channel it keeps to itself (the
  // server's close drops the connection).
  [
    '@zitadel/node v2beta (createUserClient)',
    zitadelNode((token) => createUserClient(server.base, createAccessTokenInterceptor(token))),
  ],
];

const T0 = '2026-11-23T10:00:00.000Z';

describe.each(SDKS)('%s', (_name, sdk) => {
  it('UpdateHumanUser renames; GetUserByID reads the new names and sequence back', async () => {
    const details = await sdk(w.orgOwner.token).rename(w.alice.id, 'Alicia', 'Official');
    expect(details).toEqual({ sequence: '2', changeDate: T0, resourceOwner: w.orgs.acme });
    expect(await sdk(w.orgOwner.token).getUser(w.alice.id)).toEqual({
      sequence: '2',
      username: 'alice',
      givenName: 'Alicia',
      familyName: 'Official',
      email: 'alice@example.com',
      emailVerified: false,
    });
  });

  it('UpdateHumanUser email with returnCode returns the stored code; the new address reads back unverified', async () => {
    const res = await sdk(w.orgOwner.token).changeEmail(w.alice.id, 'alicia@acme.ch');
    expect(res.details).toEqual({ sequence: '3', changeDate: T0, resourceOwner: w.orgs.acme });
    expect(res.emailCode).toMatch(/^[A-Z0-9]{6}$/);
    expect(codeMatches(res.emailCode as string, await storedCodeHash(h, w.alice.id, 'email'))).toBe(true);
    expect(await sdk(w.orgOwner.token).getUser(w.alice.id)).toMatchObject({
      sequence: '3',
      email: 'alicia@acme.ch',
      emailVerified: false,
    });
  });

  it('UpdateHumanUser with a wrong current password → code 3 COMMAND-3M0fs, the failed check recorded', async () => {
    const answer = await failure(
      sdk(w.alice.token).changePassword(w.alice.id, 'N3w-Passw0rd!', { current: `${PASSWORD}-wrong` }),
    );
    expect(answer).toEqual({ code: 3, message: 'Password is invalid (COMMAND-3M0fs)' });
    expect((await h.repository.events(w.alice.id)).map((e) => e.type)).toEqual([
      'user.created',
      'password.check.failed',
    ]);
    // The right current password still works afterwards.
    expect((await sdk(w.alice.token).changePassword(w.alice.id, 'N3w-Passw0rd!', { current: PASSWORD })).sequence).toBe(
      '3',
    );
  });

  it('UpdateHumanUser of a user that does not exist → code 5 COMMAND-ugjs0upun6', async () => {
    expect(await failure(sdk(w.orgOwner.token).rename('no-such-user', 'A', 'B'))).toEqual({
      code: 5,
      message: 'User could not be found (COMMAND-ugjs0upun6)',
    });
  });

  it('PasswordReset with returnCode; the returned code sets a new password once', async () => {
    const reset = await sdk(w.orgOwner.token).passwordReset(w.alice.id);
    expect(reset.details).toEqual({ sequence: '2', changeDate: T0, resourceOwner: w.orgs.acme });
    expect(reset.verificationCode).toMatch(/^[A-Z0-9]{6}$/);
    const code = reset.verificationCode as string;
    expect(await sdk(w.alice.token).changePassword(w.alice.id, 'N3w-Passw0rd!', { code })).toEqual({
      sequence: '3',
      changeDate: T0,
      resourceOwner: w.orgs.acme,
    });
    expect(await h.hasher.verify('N3w-Passw0rd!', await passwordHashOf(w.alice.id))).toBe(true);
    // A code works once: the write cleared it.
    expect(await failure(sdk(w.alice.token).changePassword(w.alice.id, 'Other-Passw0rd!', { code }))).toEqual({
      code: 9,
      message: 'Code not found (COMMAND-2M9fs)',
    });
  });

  it('GetUserByID of a user that does not exist → code 5 QUERY-Dfbg2', async () => {
    expect(await failure(sdk(w.orgOwner.token).getUser('no-such-user'))).toEqual({
      code: 5,
      message: 'User could not be found (QUERY-Dfbg2)',
    });
  });
});

async function passwordHashOf(userId: string): Promise<string> {
  const row = await h.db.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirstOrThrow();
  return row.password_hash as string;
}
