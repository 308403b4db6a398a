// UpdateUser (issue 15) on GraphQL (`updateUser`), REST (`PATCH /v2/users/{userId}`) and Connect
// (connect-node over HTTP/1.1 with the gateway's generated UserService), plus the official SDK
// (@zitadel/client's createUserServiceClient on connect-node's Connect transport). Every face
// answers the same normalized outcome for the same case; changes are read back.
import { fromJson } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { createUserServiceClient } from '@zitadel/client/v2';
import { UserServiceDefinition } from '@zitadel/node/dist/api/generated/zitadel/user/v2/user_service.js';
import { createChannel, createClientFactory, Metadata } from 'nice-grpc';
import { describe, expect, it } from 'vitest';
import { CredentialsCheckErrorSchema, ErrorDetailSchema } from '../../src/grpc/gen/zitadel/message_pb.js';
import { UpdateUserRequestSchema, UserService } from '../../src/grpc/gen/zitadel/user/v2/user_service_pb.js';
import { GRPC_CODES, type GrpcCode, httpStatusOf } from '../../src/grpc-status.js';
import { type Harness, snapshot, UPDATE, type World } from '../support/harness.js';
import { type Served, servedWorldEach } from '../support/serve.js';

let h: Harness;
let w: World;
let served: Served;
let baseUrl: string;
// A fresh gateway and world per test, listening on a loopback port.
servedWorldEach({ h2c: true }, (fresh) => {
  ({ h, w, served } = fresh);
  baseUrl = served.base;
});

type Input = Record<string, unknown>;
type Face = 'graphql' | 'rest' | 'connect';
const FACES: Face[] = ['graphql', 'rest', 'connect'];

type Outcome =
  | { ok: { changeDate: string; emailCode?: string; phoneCode?: string } }
  | { error: { code: number; message: string; id?: string } };

const UPDATE_USER = `mutation UpdateUser($input: UpdateUserInput!) {
  updateUser(input: $input) { changeDate emailCode phoneCode }
}`;

const READ = `query Read($userId: ID!) {
  userById(userId: $userId) {
    username
    profile { givenName familyName nickName displayName preferredLanguage gender }
    email { email isVerified } phone { phone isVerified }
  }
}`;

/** GraphQL input → ZITADEL's JSON: Boolean flags that are empty messages on the wire become `{}`. */
function toWire(input: Input): Input {
  const body: Input = structuredClone(input);
  const human = body.human as Input | undefined;
  const flags: [Input | undefined, string[]][] = [
    [human?.email as Input | undefined, ['returnCode']],
    [human?.phone as Input | undefined, ['returnCode', 'sendCode']],
  ];
  for (const [member, names] of flags) for (const flag of names) if (member && member[flag] != null) member[flag] = {};
  return body;
}

const iso = (value: string) => new Date(value).toISOString();

/** One UpdateUser through one face, normalized; HTTP faces also check the status against the code. */
async function updateUser(face: Face, token: string | null, userId: string, input: Input = {}): Promise<Outcome> {
  if (face === 'graphql') {
    const res = await h.gql(UPDATE_USER, { input: { userId, ...input } }, token);
    const error = res.body.errors?.[0];
    if (error) {
      const ext = error.extensions ?? {};
      const code = GRPC_CODES[ext.code as keyof typeof GRPC_CODES];
      expect(res.status).toBe(httpStatusOf(code));
      return { error: { code, message: error.message, ...(ext.id ? { id: ext.id as string } : {}) } };
    }
    const p = res.body.data?.updateUser as Record<string, string | null>;
    return {
      ok: {
        changeDate: iso(p.changeDate as string),
        ...(p.emailCode ? { emailCode: p.emailCode } : {}),
        ...(p.phoneCode ? { phoneCode: p.phoneCode } : {}),
      },
    };
  }
  if (face === 'rest') {
    const res = await h.rest('PATCH', `/v2/users/${encodeURIComponent(userId)}`, toWire(input), token);
    if (res.status === 200) {
      const { changeDate, ...codes } = res.body as Record<string, string>;
      return { ok: { changeDate: iso(changeDate as string), ...codes } };
    }
    const code = res.body.code as GrpcCode;
    expect(res.status).toBe(httpStatusOf(code));
    const detail = (res.body.details as { id: string; message: string }[] | undefined)?.[0];
    return {
      error: detail ? { code, message: detail.message, id: detail.id } : { code, message: res.body.message as string },
    };
  }
  const client = createClient(UserService, createConnectTransport({ baseUrl, httpVersion: '1.1' }));
  const request = fromJson(UpdateUserRequestSchema, { ...toWire(input), userId } as never);
  try {
    const res = await client.updateUser(request, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    return {
      ok: {
        changeDate: timestampDate(res.changeDate as never).toISOString(),
        ...(res.emailCode !== undefined ? { emailCode: res.emailCode } : {}),
        ...(res.phoneCode !== undefined ? { phoneCode: res.phoneCode } : {}),
      },
    };
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectError);
    const e = error as ConnectError;
    // ZITADEL sends a failed credential check as a CredentialsCheckError instead of an ErrorDetail.
    const detail = e.findDetails(ErrorDetailSchema)[0] ?? e.findDetails(CredentialsCheckErrorSchema)[0];
    return {
      error: detail
        ? { code: e.code as number, message: detail.message, id: detail.id }
        : { code: e.code as number, message: e.rawMessage },
    };
  }
}

const failure = (code: number, message: string, id?: string): Outcome => ({
  error: { code, message, ...(id ? { id } : {}) },
});
const C = GRPC_CODES;
const NOT_FOUND = failure(C.NOT_FOUND, 'User could not be found', 'COMMAND-ugjs0upun6');
const MEMBERSHIP = failure(C.NOT_FOUND, 'membership not found', 'AUTHZ-cdgFk');
const DENIED = failure(C.PERMISSION_DENIED, 'No matching permissions found', 'AUTH-AWfge');

async function read(userId: string) {
  const res = await h.gql(READ, { userId }, w.iamOwner.token);
  expect(res.body.errors).toBeUndefined();
  return res.body.data?.userById as {
    username: string;
    profile: Record<string, string>;
    email: { email: string; isVerified: boolean };
    phone: { phone: string; isVerified: boolean };
  };
}

/** The events written after `before` (a snapshot), as {type, payload}. */
async function newEvents(userId: string, before: Awaited<ReturnType<typeof snapshot>>) {
  const after = await snapshot(h, userId);
  return after.events.slice(before.events.length).map((e) => ({ type: e.type, payload: JSON.parse(e.payload) }));
}

async function givePhone(userId: string, phone: string, verified: boolean) {
  const res = await h.gql(
    UPDATE,
    { input: { userId, phone: verified ? { phone, isVerified: true } : { phone, returnCode: true } } },
    w.orgOwner.token,
  );
  expect(res.body.errors).toBeUndefined();
}

const START_ISO = '2026-11-23T10:00:00.000Z';

describe.each(FACES)('UpdateUser on %s', (face) => {
  it('changes only the named profile fields, in one profile.changed event, and answers the change date', async () => {
    h.clock.advance(60_000);
    const before = await snapshot(h, w.alice.id);
    const outcome = await updateUser(face, w.alice.token, w.alice.id, {
      human: { profile: { nickName: 'Ally', preferredLanguage: 'de-ch' } },
    });
    expect(outcome).toEqual({ ok: { changeDate: '2026-11-23T10:01:00.000Z' } });
    const user = await read(w.alice.id);
    expect(user.profile).toEqual({
      givenName: 'alice',
      familyName: 'Test',
      nickName: 'Ally',
      displayName: '',
      preferredLanguage: 'de-CH',
      gender: 'GENDER_UNSPECIFIED',
    });
    expect(await newEvents(w.alice.id, before)).toEqual([
      { type: 'profile.changed', payload: { nickName: 'Ally', preferredLanguage: 'de-CH' } },
    ]);
  });

  it('changes the username and the given name alone (user.write), and nothing when nothing differs', async () => {
    const renamed = await updateUser(face, w.orgOwner.token, w.alice.id, {
      username: 'alice.renamed',
      human: { profile: { givenName: 'Alicia' } },
    });
    expect(renamed).toEqual({ ok: { changeDate: START_ISO } });
    const user = await read(w.alice.id);
    expect(user.username).toBe('alice.renamed');
    expect(user.profile.givenName).toBe('Alicia');
    expect(user.profile.familyName).toBe('Test');

    h.clock.advance(60_000);
    const before = await snapshot(h, w.alice.id);
    const same = await updateUser(face, w.alice.token, w.alice.id, {
      username: 'alice.renamed',
      human: { profile: { givenName: 'Alicia' } },
    });
    // Nothing changed: the date of the last change, and no event.
    expect(same).toEqual({ ok: { changeDate: START_ISO } });
    expect(await snapshot(h, w.alice.id)).toEqual(before);
  });

  it('removes the phone when it is sent empty without a verification (phone.removed), dropping a pending code', async () => {
    await givePhone(w.alice.id, '+41 79 123 45 67', false);
    expect((await snapshot(h, w.alice.id)).codes.map((c) => c.kind)).toEqual(['phone']);
    const before = await snapshot(h, w.alice.id);
    const removed = await updateUser(face, w.alice.token, w.alice.id, { human: { phone: { phone: '' } } });
    expect('ok' in removed).toBe(true);
    expect((await read(w.alice.id)).phone).toEqual({ phone: '', isVerified: false });
    expect(await newEvents(w.alice.id, before)).toEqual([{ type: 'phone.removed', payload: {} }]);
    expect((await snapshot(h, w.alice.id)).codes).toEqual([]);

    // No number left: removing again changes nothing.
    const again = await snapshot(h, w.alice.id);
    expect('ok' in (await updateUser(face, w.alice.token, w.alice.id, { human: { phone: {} } }))).toBe(true);
    expect(await snapshot(h, w.alice.id)).toEqual(again);
  });

  it('keeps a verified phone when the same number is sent, and sets a new one with returnCode (user.write)', async () => {
    await givePhone(w.bob.id, '+41791234567', true);
    const kept = await updateUser(face, w.orgOwner.token, w.bob.id, { human: { phone: { phone: '+41791234567' } } });
    expect(kept).toEqual({ ok: { changeDate: START_ISO } });
    expect((await read(w.bob.id)).phone).toEqual({ phone: '+41791234567', isVerified: true });

    const changed = await updateUser(face, w.orgOwner.token, w.bob.id, {
      human: {
        email: { email: 'bob.new@example.com', returnCode: true },
        phone: { phone: '+41 79 765 43 21', returnCode: true },
      },
    });
    if (!('ok' in changed)) throw new Error(JSON.stringify(changed));
    expect(changed.ok.emailCode).toMatch(/^[A-Z0-9]{6}$/);
    expect(changed.ok.phoneCode).toMatch(/^[A-Z0-9]{6}$/);
    const user = await read(w.bob.id);
    expect(user.email).toEqual({ email: 'bob.new@example.com', isVerified: false });
    expect(user.phone).toEqual({ phone: '+41797654321', isVerified: false });
    // Codes returned are not mailed or texted.
    expect((await snapshot(h, w.bob.id)).outbox).toEqual([]);
  });

  it('mails the email code by default (one outbox message, no code in the answer)', async () => {
    const outcome = await updateUser(face, w.alice.token, w.alice.id, {
      human: { email: { email: 'alice.new@example.com' } },
    });
    expect(outcome).toEqual({ ok: { changeDate: START_ISO } });
    const { outbox } = await snapshot(h, w.alice.id);
    expect(outbox.map((m) => [m.kind, m.channel, m.recipient])).toEqual([
      ['email_verification', 'email', 'alice.new@example.com'],
    ]);
  });

  it('answers the permission errors: returnCode on oneself, a viewer, another organization, no token', async () => {
    // returnCode needs user.write even on oneself: alice has no role at all, the viewer no write.
    const email = { human: { email: { email: 'x@example.com', returnCode: true } } };
    expect(await updateUser(face, w.alice.token, w.alice.id, email)).toEqual(MEMBERSHIP);
    expect(await updateUser(face, w.orgViewer.token, w.orgViewer.id, email)).toEqual(DENIED);
    const nick = { human: { profile: { nickName: 'n' } } };
    expect(await updateUser(face, w.orgViewer.token, w.alice.id, nick)).toEqual(DENIED);
    expect(await updateUser(face, w.otherOwner.token, w.alice.id, nick)).toEqual(MEMBERSHIP);
    expect(await updateUser(face, null, w.alice.id, nick)).toEqual(failure(C.UNAUTHENTICATED, 'auth header missing'));
    expect((await read(w.alice.id)).profile.nickName).toBe('');
  });

  it('answers the errors of the sections it shares with UpdateHumanUser', async () => {
    expect(await updateUser(face, w.orgOwner.token, 'no-such-user', { username: 'x' })).toEqual(NOT_FOUND);
    expect(await updateUser(face, w.orgOwner.token, w.alice.id, { username: 'BOB' })).toEqual(
      failure(C.ALREADY_EXISTS, 'User already exists', 'V3-DKcYh'),
    );
    const before = await snapshot(h, w.alice.id);
    const wrong = await updateUser(face, w.alice.token, w.alice.id, {
      human: { password: { password: { password: 'N3w-Secret!' }, currentPassword: 'wrong' } },
    });
    expect(wrong).toEqual(failure(C.INVALID_ARGUMENT, 'Password is invalid', 'COMMAND-3M0fs'));
    // Only the failed check is recorded.
    expect((await newEvents(w.alice.id, before)).map((e) => e.type)).toEqual(['password.check.failed']);
  });

  it('answers NOT_FOUND for a branch of the other kind and refuses the machine branch on a machine user', async () => {
    // Human branch on a machine user, machine branch on a human user: upstream's write models are per kind.
    expect(await updateUser(face, w.orgOwner.token, w.machine.id, { human: { profile: { nickName: 'r2' } } })).toEqual(
      NOT_FOUND,
    );
    expect(await updateUser(face, w.orgOwner.token, w.alice.id, { machine: { name: 'Alice' } })).toEqual(NOT_FOUND);
    // Machine branch on a machine user: refused, after the permission check.
    expect(await updateUser(face, w.orgViewer.token, w.machine.id, { machine: { name: 'R2' } })).toEqual(DENIED);
    expect(await updateUser(face, w.orgOwner.token, w.machine.id, { machine: { name: 'R2' } })).toEqual(
      failure(
        C.INVALID_ARGUMENT,
        'Machine users cannot be changed through this gateway; only human users can',
        'GATEWAY-MACHINE400',
      ),
    );
  });

  it('checks the shape: an empty given name, a too long language', async () => {
    expect(await updateUser(face, w.alice.token, w.alice.id, { human: { profile: { givenName: '' } } })).toEqual(
      failure(
        C.INVALID_ARGUMENT,
        'invalid UpdateUserRequest.Human: embedded message failed validation | caused by: invalid UpdateUserRequest_Human.Profile: embedded message failed validation | caused by: invalid UpdateUserRequest_Human_Profile.GivenName: value length must be between 1 and 200 runes, inclusive',
      ),
    );
    expect(
      await updateUser(face, w.alice.token, w.alice.id, { human: { profile: { preferredLanguage: 'x'.repeat(11) } } }),
    ).toEqual(
      failure(
        C.INVALID_ARGUMENT,
        'invalid UpdateUserRequest.Human: embedded message failed validation | caused by: invalid UpdateUserRequest_Human.Profile: embedded message failed validation | caused by: invalid UpdateUserRequest_Human_Profile.PreferredLanguage: value length must be at most 10 runes',
      ),
    );
  });

  it('counts the committed sections in the metrics', async () => {
    await givePhone(w.alice.id, '+41791234567', true);
    await updateUser(face, w.alice.token, w.alice.id, {
      human: { profile: { displayName: 'A.' }, phone: { phone: '' } },
    });
    const text = await (await h.app.yoga.fetch('http://gateway/metrics')).text();
    expect(text).toContain('gateway_user_updates_total{section="profile"} 1');
    // One from the set-up (updateHumanUser), one from the removal.
    expect(text).toContain('gateway_user_updates_total{section="phone"} 2');
  });
});

describe('UpdateUser through the GraphQL oneof', () => {
  it('refuses human and machine together (400, no change)', async () => {
    const before = await snapshot(h, w.alice.id);
    const outcome = await updateUser('graphql', w.orgOwner.token, w.alice.id, {
      human: { profile: { nickName: 'x' } },
      machine: { name: 'x' },
    });
    expect(outcome).toEqual(
      failure(
        C.INVALID_ARGUMENT,
        'invalid UpdateUserRequest.UserType: only one of human, machine may be set, got human and machine',
      ),
    );
    expect(await snapshot(h, w.alice.id)).toEqual(before);
  });
});

describe.each([
  ['gRPC (HTTP/2)', () => createGrpcTransport({ baseUrl })],
  ['gRPC-Web (HTTP/1.1)', () => createGrpcWebTransport({ baseUrl, httpVersion: '1.1' })],
  ['Connect binary (HTTP/2)', () => createConnectTransport({ baseUrl, httpVersion: '2', useBinaryFormat: true })],
])('UpdateUser over %s', (_name, transport) => {
  it('changes a profile field, removes the phone and answers the errors with their details', async () => {
    await givePhone(w.alice.id, '+41791234567', true);
    const users = createClient(UserService, transport());
    const headers = { headers: { authorization: `Bearer ${w.alice.token}` } };
    h.clock.advance(2_000);
    const res = await users.updateUser(
      { userId: w.alice.id, userType: { case: 'human', value: { profile: { displayName: 'A.' }, phone: {} } } },
      headers,
    );
    expect(timestampDate(res.changeDate as never).toISOString()).toBe('2026-11-23T10:00:02.000Z');
    const user = await read(w.alice.id);
    expect(user.profile.displayName).toBe('A.');
    expect(user.phone).toEqual({ phone: '', isVerified: false });

    const error = await users
      .updateUser({ userId: w.machine.id, userType: { case: 'machine', value: { name: 'R2' } } }, headers)
      .then(
        () => undefined,
        (e: unknown) => e as ConnectError,
      );
    expect(error?.code).toBe(C.NOT_FOUND);
    expect(error?.rawMessage).toBe('membership not found (AUTHZ-cdgFk)');
    expect(error?.findDetails(ErrorDetailSchema).map(({ id, message }) => ({ id, message }))).toEqual([
      { id: 'AUTHZ-cdgFk', message: 'membership not found' },
    ]);
  });
});

describe('the official SDK (@zitadel/client over Connect)', () => {
  it('calls UpdateUser and reads the change back with GetUserByID', async () => {
    const users = createUserServiceClient(createConnectTransport({ baseUrl, httpVersion: '1.1' }));
    const headers = { headers: { authorization: `Bearer ${w.orgOwner.token}` } };
    h.clock.advance(5_000);
    const res = await users.updateUser(
      {
        userId: w.alice.id,
        username: 'alice.sdk',
        userType: { case: 'human', value: { profile: { familyName: 'Sdk' }, phone: {} } },
      },
      headers,
    );
    expect(timestampDate(res.changeDate as never).toISOString()).toBe('2026-11-23T10:00:05.000Z');
    expect(res.emailCode).toBeUndefined();
    const read = await users.getUserByID({ userId: w.alice.id }, headers);
    expect(read.user?.username).toBe('alice.sdk');
    const human = read.user?.type.case === 'human' ? read.user.type.value : undefined;
    expect(human?.profile?.givenName).toBe('alice');
    expect(human?.profile?.familyName).toBe('Sdk');
  });
});

describe('the official SDK (@zitadel/node over gRPC)', () => {
  it('calls UpdateUser over h2c and reads the change back with GetUserByID', async () => {
    const channel = createChannel(baseUrl);
    try {
      const users = createClientFactory().create(UserServiceDefinition, channel);
      const as = { metadata: Metadata({ authorization: `Bearer ${w.orgOwner.token}` }) };
      h.clock.advance(7_000);
      const res = await users.updateUser(
        {
          userId: w.alice.id,
          human: { profile: { nickName: 'Al' }, email: { email: 'al@example.com', returnCode: {} } },
        },
        as,
      );
      expect(res.changeDate?.toISOString()).toBe('2026-11-23T10:00:07.000Z');
      expect(res.emailCode).toMatch(/^[A-Z0-9]{6}$/);
      const read = await users.getUserByID({ userId: w.alice.id }, as);
      expect(read.user?.human?.profile?.nickName).toBe('Al');
      expect(read.user?.human?.profile?.givenName).toBe('alice');
      expect(read.user?.human?.email).toMatchObject({ email: 'al@example.com', isVerified: false });
    } finally {
      channel.close();
    }
  });
});
