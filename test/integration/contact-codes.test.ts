// Issue 15: VerifyEmail, ResendEmailCode, VerifyPhone and ResendPhoneCode on GraphQL, REST and
// Connect (gRPC and gRPC-Web share Connect's table: one round trip each at the end). Every case
// runs for both channels; codes come from updateHumanUser's returnCode or from the outbox.
import { createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codeMatches } from '../../src/domain/users/codes.js';
import { UserService } from '../../src/grpc/gen/zitadel/user/v2/user_service_pb.js';
import {
  type Channel,
  CODE_FACES,
  type CodeFace,
  type CodeRpc,
  codeCall,
  resendRpc,
  verifyRpc,
} from '../support/code-faces.js';
import { details, fail, type Input, ok } from '../support/faces.js';
import { createHarness, type Harness, snapshot, UPDATE, type World } from '../support/harness.js';
import { listen } from '../support/listen.js';
import { THROUGH_UPSTREAM } from '../support/upstream-front.js';

let h: Harness;
let w: World;
let server: Awaited<ReturnType<typeof listen>> | undefined;
let baseUrl: string;

async function start(env: Record<string, string> = {}) {
  h = await createHarness(env);
  w = await h.seed();
  server = await listen(h);
  baseUrl = server.baseUrl;
}

async function stop() {
  await server?.close();
  server = undefined;
  await h.close();
}

beforeEach(() => start());
afterEach(() => stop());

const connectJson = () => createConnectTransport({ baseUrl, httpVersion: '1.1' });

const call = (face: CodeFace, rpc: CodeRpc, token: string | null, userId: string, input: Input = {}) =>
  codeCall(h, face, rpc, token, userId, input, connectJson);

const CODE = /^[A-Z0-9]{6}$/;
const HOUR = 60 * 60 * 1000;
const NEW_ADDRESS: Record<Channel, Input> = {
  email: { email: { email: 'alice.new@example.com', returnCode: true } },
  phone: { phone: { phone: '+41 79 123 45 67', returnCode: true } },
};
const RECIPIENT: Record<Channel, string> = { email: 'alice.new@example.com', phone: '+41791234567' };

const E = {
  notFound: {
    email: fail(404, 5, 'Email not found', 'COMMAND-ieJ2e'),
    phone: fail(404, 5, 'Phone not found', 'COMMAND-ieJ2e'),
  },
  codeEmpty: {
    email: fail(400, 9, 'Code is empty', 'EMAIL-5w5ilin4yt'),
    phone: fail(400, 9, 'Code is empty', 'PHONE-5xrra88eq8'),
  },
  notInitialized: fail(400, 9, 'User is not yet initialized', 'COMMAND-uz0Uu'),
  codeInvalid: fail(400, 3, 'Code is invalid', 'COMMAND-eis9R'),
  membership: fail(404, 5, 'membership not found', 'AUTHZ-cdgFk'),
  denied: fail(403, 7, 'No matching permissions found', 'AUTH-AWfge'),
  rateLimited: fail(429, 8, 'Too many password or code checks; try again later', 'GATEWAY-RATE429'),
};

/** Gives alice a new, unverified address of `channel` and returns its pending code (sequence 2). */
async function pendingCode(channel: Channel, userId = w.alice.id): Promise<string> {
  const res = await h.gql(UPDATE, { input: { userId, ...NEW_ADDRESS[channel] } }, w.orgOwner.token);
  const data = res.body.data?.updateHumanUser as Input | undefined;
  const code = data?.[channel === 'email' ? 'emailCode' : 'phoneCode'];
  expect(code, JSON.stringify(res.body)).toMatch(CODE);
  return code as string;
}

async function readBack(userId: string) {
  const res = await h.gql(
    'query($id: ID!) { userById(userId: $id) { email { email isVerified } phone { phone isVerified } } }',
    { id: userId },
    w.iamOwner.token,
  );
  return res.body.data?.userById as Record<Channel, Input>;
}

async function codeRow(userId: string, channel: Channel) {
  return h.db
    .selectFrom('verification_codes')
    .selectAll()
    .where('user_id', '=', userId)
    .where('kind', '=', channel)
    .executeTakeFirst();
}

async function outbox(userId: string) {
  const rows = await h.db.selectFrom('notification_outbox').selectAll().where('user_id', '=', userId).execute();
  return rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) as Record<string, string> }));
}

const eventTypes = async (userId: string) => (await h.repository.events(userId)).map((e) => e.type);

const CHANNELS: Channel[] = ['email', 'phone'];
const CASES = CHANNELS.flatMap((channel) => CODE_FACES.map((face) => [channel, face] as const));

describe.each(CASES)('%s verify via %s', (channel, face) => {
  const verify = verifyRpc(channel);

  it('the pending code verifies the address (self, no role), is gone, and is read back verified', async () => {
    const code = await pendingCode(channel);
    h.clock.advance(1000);
    const res = ok(await call(face, verify, w.alice.token, w.alice.id, { verificationCode: code }));
    // sequence 2 and 3: the address and its code (pendingCode)
    expect(res).toEqual({ details: details(4, w.orgs.acme, '2026-11-23T10:00:01.000Z') });
    expect((await readBack(w.alice.id))[channel]).toEqual({
      [channel]: RECIPIENT[channel],
      isVerified: true,
    });
    expect(await codeRow(w.alice.id, channel)).toBeUndefined();
    expect((await eventTypes(w.alice.id)).slice(-1)).toEqual([`${channel}.verified`]);
  });

  it('a code works once', async () => {
    const code = await pendingCode(channel);
    ok(await call(face, verify, w.alice.token, w.alice.id, { verificationCode: code }));
    const before = await snapshot(h, w.alice.id);
    expect(await call(face, verify, w.alice.token, w.alice.id, { verificationCode: code })).toEqual(E.codeInvalid);
    // only the failure event was added
    const after = await snapshot(h, w.alice.id);
    expect(after.events.slice(before.events.length).map((e) => e.type)).toEqual([`${channel}.verification.failed`]);
    expect((await readBack(w.alice.id))[channel]?.isVerified).toBe(true);
  });

  it('a wrong code fails (COMMAND-eis9R), leaves a failure event, and the right code still works', async () => {
    const code = await pendingCode(channel);
    const wrong = code === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA';
    expect(await call(face, verify, w.alice.token, w.alice.id, { verificationCode: wrong })).toEqual(E.codeInvalid);
    expect((await eventTypes(w.alice.id)).slice(-1)).toEqual([`${channel}.verification.failed`]);
    expect((await readBack(w.alice.id))[channel]?.isVerified).toBe(false);
    expect(await codeRow(w.alice.id, channel)).toBeDefined();
    // another request: the per-request budget allows one check
    ok(await call(face, verify, w.alice.token, w.alice.id, { verificationCode: code }));
  });

  it('an expired code (after 1 hour) fails like a wrong one', async () => {
    const code = await pendingCode(channel);
    h.clock.advance(HOUR);
    expect(await call(face, verify, w.alice.token, w.alice.id, { verificationCode: code })).toEqual(E.codeInvalid);
    expect((await readBack(w.alice.id))[channel]?.isVerified).toBe(false);
  });

  it('no pending code fails like a wrong one', async () => {
    expect(
      await call(face, verify, w.alice.token, w.alice.id, {
        verificationCode: 'ABC123',
      }),
    ).toEqual(E.codeInvalid);
  });

  it('permissions: user.write may verify for another user; a viewer, a stranger, another organization may not', async () => {
    const code = await pendingCode(channel);
    const before = await snapshot(h, w.alice.id);
    for (const token of [w.bob.token, w.otherOwner.token]) {
      expect(await call(face, verify, token, w.alice.id, { verificationCode: code })).toEqual(E.membership);
    }
    expect(await call(face, verify, w.orgViewer.token, w.alice.id, { verificationCode: code })).toEqual(E.denied);
    expect(await snapshot(h, w.alice.id)).toEqual(before);
    ok(await call(face, verify, w.orgOwner.token, w.alice.id, { verificationCode: code }));
    expect((await readBack(w.alice.id))[channel]?.isVerified).toBe(true);
  });

  it('missing, machine and initial users', async () => {
    expect(await call(face, verify, w.orgOwner.token, '123456789', { verificationCode: 'ABC123' })).toEqual(
      E.notFound[channel],
    );
    expect(await call(face, verify, w.orgOwner.token, w.machine.id, { verificationCode: 'ABC123' })).toEqual(
      E.notFound[channel],
    );
    expect(await call(face, verify, w.orgOwner.token, w.initial.id, { verificationCode: 'ABC123' })).toEqual(
      E.notInitialized,
    );
  });

  it('shape: verificationCode 1–20 characters (400, code 3, no id), nothing written', async () => {
    const before = await snapshot(h, w.alice.id);
    const root = channel === 'email' ? 'VerifyEmailRequest' : 'VerifyPhoneRequest';
    for (const verificationCode of ['', 'X'.repeat(21)]) {
      const res = await call(face, verify, w.alice.token, w.alice.id, { verificationCode });
      expect(res).toEqual(
        fail(400, 3, `invalid ${root}.VerificationCode: value length must be between 1 and 20 runes, inclusive`),
      );
    }
    expect(await snapshot(h, w.alice.id)).toEqual(before);
  });

  it('without a token → 401', async () => {
    const res = await call(face, verify, null, w.alice.id, { verificationCode: 'ABC123' });
    expect(res.status).toBe(401);
    expect('error' in res && res.error.code).toBe(16);
  });
});

describe.each(CASES)('%s resend via %s', (channel, face) => {
  const verify = verifyRpc(channel);
  const resend = resendRpc(channel);

  it('returnCode (user.write): a new code replaces the old one, which stops working', async () => {
    const old = await pendingCode(channel);
    h.clock.advance(1000);
    const res = ok(await call(face, resend, w.orgOwner.token, w.alice.id, { returnCode: true }));
    expect(res).toEqual({
      details: details(4, w.orgs.acme, '2026-11-23T10:00:01.000Z'),
      verificationCode: expect.stringMatching(CODE),
    });
    const fresh = res.verificationCode as string;
    expect(codeMatches(fresh, (await codeRow(w.alice.id, channel))?.code_hash as string)).toBe(true);
    expect(await outbox(w.alice.id)).toEqual([]);
    expect((await h.repository.events(w.alice.id)).at(-1)).toMatchObject({
      type: `${channel}.code.added`,
      payload: expect.objectContaining({ returnCode: true }),
    });
    if (old !== fresh) {
      expect(await call(face, verify, w.alice.token, w.alice.id, { verificationCode: old })).toEqual(E.codeInvalid);
    }
    ok(await call(face, verify, w.alice.token, w.alice.id, { verificationCode: fresh }));
  });

  it("sendCode (self, no role): queued in the user's language; the sent code verifies", async () => {
    await h.gql(
      UPDATE,
      { input: { userId: w.alice.id, profile: { givenName: 'Alice', familyName: 'Test', preferredLanguage: 'de' } } },
      w.orgOwner.token,
    );
    await pendingCode(channel);
    const input =
      channel === 'email' ? { sendCode: { urlTemplate: 'https://x/{{.UserID}}/{{.Code}}' } } : { sendCode: true };
    const res = ok(await call(face, resend, w.alice.token, w.alice.id, input));
    expect(res).toEqual({ details: details(5, w.orgs.acme) });
    const rows = await outbox(w.alice.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      kind: channel === 'email' ? 'email_verification' : 'phone_verification',
      channel: channel === 'email' ? 'email' : 'sms',
      recipient: RECIPIENT[channel],
      language: 'de',
    });
    const code = rows[0]?.payload.code as string;
    if (channel === 'email') expect(rows[0]?.payload.url).toBe(`https://x/${w.alice.id}/${code}`);
    ok(await call(face, verify, w.alice.token, w.alice.id, { verificationCode: code }));
    expect((await readBack(w.alice.id))[channel]?.isVerified).toBe(true);
  });

  it('no option means sendCode', async () => {
    await pendingCode(channel);
    ok(await call(face, resend, w.alice.token, w.alice.id, {}));
    expect((await outbox(w.alice.id)).map((r) => r.recipient)).toEqual([RECIPIENT[channel]]);
  });

  it('permissions: returnCode needs user.write even for oneself; others need user.write', async () => {
    await pendingCode(channel);
    const before = await snapshot(h, w.alice.id);
    expect(await call(face, resend, w.alice.token, w.alice.id, { returnCode: true })).toEqual(E.membership);
    expect(await call(face, resend, w.bob.token, w.alice.id, {})).toEqual(E.membership);
    expect(await call(face, resend, w.otherOwner.token, w.alice.id, { returnCode: true })).toEqual(E.membership);
    expect(await call(face, resend, w.orgViewer.token, w.alice.id, { returnCode: true })).toEqual(E.denied);
    expect(await snapshot(h, w.alice.id)).toEqual(before);
    ok(await call(face, resend, w.iamOwner.token, w.alice.id, { returnCode: true }));
  });

  it('nothing to verify → Code is empty; missing, machine and initial users', async () => {
    // bob's seeded address is not pending verification (no code)
    const before = await snapshot(h, w.bob.id);
    expect(await call(face, resend, w.orgOwner.token, w.bob.id, { returnCode: true })).toEqual(E.codeEmpty[channel]);
    expect(await snapshot(h, w.bob.id)).toEqual(before);
    // a verified address has no code any more
    const code = await pendingCode(channel);
    ok(await call(face, verify, w.alice.token, w.alice.id, { verificationCode: code }));
    expect(await call(face, resend, w.orgOwner.token, w.alice.id, {})).toEqual(E.codeEmpty[channel]);
    expect(await call(face, resend, w.orgOwner.token, '123456789', {})).toEqual(E.notFound[channel]);
    expect(await call(face, resend, w.orgOwner.token, w.machine.id, {})).toEqual(E.notFound[channel]);
    expect(await call(face, resend, w.orgOwner.token, w.initial.id, {})).toEqual(E.notInitialized);
  });

  it('sendCode and returnCode together → 400 (code 3, no id)', async () => {
    await pendingCode(channel);
    const sendCode = channel === 'email' ? {} : true;
    const res = await call(face, resend, w.orgOwner.token, w.alice.id, { sendCode, returnCode: true });
    if (face === 'connect') {
      // a protobuf oneof cannot carry both: the client sends one of them
      expect(res.status).toBe(200);
      return;
    }
    expect(res.status).toBe(400);
    expect('error' in res && res.error).toMatchObject({ code: 3 });
    expect('error' in res && res.error.id).toBeUndefined();
  });
});

describe.each(CODE_FACES)('resend urlTemplate via %s', (face) => {
  it('an invalid template → DOMAIN-oGh5e / DOMAIN-ieYa7, nothing written', async () => {
    await pendingCode('email');
    const before = await snapshot(h, w.alice.id);
    expect(
      await call(face, 'resendEmailCode', w.alice.token, w.alice.id, { sendCode: { urlTemplate: '{{.Code' } }),
    ).toEqual(fail(400, 3, 'URL Template is invalid', 'DOMAIN-oGh5e'));
    expect(
      await call(face, 'resendEmailCode', w.alice.token, w.alice.id, { sendCode: { urlTemplate: '{{.Foo}}' } }),
    ).toEqual(fail(400, 3, 'URL Template is invalid', 'DOMAIN-ieYa7'));
    expect(await snapshot(h, w.alice.id)).toEqual(before);
  });
});

describe.each(CASES)('%s rate limit on code checks via %s', (channel, face) => {
  beforeEach(async () => {
    await stop();
    await start({ CREDENTIAL_CHECKS_PER_USER_PER_MINUTE: '2' });
  });

  it('wrong codes count per user: the third check in a minute → 429 GATEWAY-RATE429, even with the right code', async () => {
    const verify = verifyRpc(channel);
    const code = await pendingCode(channel);
    const wrong = code === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA';
    for (let i = 0; i < 2; i++) {
      expect(await call(face, verify, w.alice.token, w.alice.id, { verificationCode: wrong })).toEqual(E.codeInvalid);
    }
    expect(await call(face, verify, w.alice.token, w.alice.id, { verificationCode: code })).toEqual(E.rateLimited);
    expect((await readBack(w.alice.id))[channel]?.isVerified).toBe(false);
    // the window moves with the app's clock
    h.clock.advance(61_000);
    ok(await call(face, verify, w.alice.token, w.alice.id, { verificationCode: code }));
  });
});

describe('rate limit per client IP', () => {
  beforeEach(async () => {
    await stop();
    await start({ CREDENTIAL_CHECKS_PER_IP_PER_MINUTE: '2' });
  });

  it.each(CODE_FACES)('%s: checks for different users from one address share the limit', async (face) => {
    await pendingCode('email', w.alice.id);
    await pendingCode('email', w.bob.id);
    expect(await call(face, 'verifyEmail', w.alice.token, w.alice.id, { verificationCode: 'ZZZZZ0' })).toEqual(
      E.codeInvalid,
    );
    expect(await call(face, 'verifyEmail', w.bob.token, w.bob.id, { verificationCode: 'ZZZZZ0' })).toEqual(
      E.codeInvalid,
    );
    expect(await call(face, 'verifyEmail', w.bob.token, w.bob.id, { verificationCode: 'ZZZZZ0' })).toEqual(
      E.rateLimited,
    );
  });
});

describe('one check per GraphQL request', () => {
  it('two aliased verifications in one request: the second check is refused', async () => {
    const code = await pendingCode('email');
    const res = await h.gql(
      `mutation($a: VerifyEmailInput!, $b: VerifyEmailInput!) {
        a: verifyEmail(input: $a) { details { sequence } } b: verifyEmail(input: $b) { details { sequence } } }`,
      { a: { userId: w.alice.id, verificationCode: code }, b: { userId: w.alice.id, verificationCode: 'ZZZZZ0' } },
      w.alice.token,
    );
    // Upstream mode has no local per-request budget (README "In front of an existing ZITADEL"):
    // each alias is its own call upstream, so the second check happens and fails on its wrong code.
    const second = THROUGH_UPSTREAM ? 'COMMAND-eis9R' : 'GATEWAY-PWD429';
    expect((res.body.errors ?? []).map((e) => [e.path, e.extensions?.id])).toEqual([[['b'], second]]);
    expect((await readBack(w.alice.id)).email?.isVerified).toBe(true);
  });
});

describe('gRPC and gRPC-Web (the same table)', () => {
  it.each([
    ['gRPC (HTTP/2)', () => createGrpcTransport({ baseUrl })],
    ['gRPC-Web (HTTP/1.1)', () => createGrpcWebTransport({ baseUrl, httpVersion: '1.1' })],
  ] as const)('%s: resend with returnCode, then verify', async (_name, transport) => {
    await pendingCode('phone');
    const client = createClient(UserService, transport());
    const auth = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
    const resent = await client.resendPhoneCode(
      { userId: w.alice.id, verification: { case: 'returnCode', value: {} } },
      auth(w.orgOwner.token),
    );
    expect(resent.verificationCode).toMatch(CODE);
    expect(resent.details?.sequence).toBe(4n);
    const verified = await client.verifyPhone(
      { userId: w.alice.id, verificationCode: resent.verificationCode as string },
      auth(w.alice.token),
    );
    expect(verified.details).toMatchObject({ sequence: 5n, resourceOwner: w.orgs.acme });
    expect((await readBack(w.alice.id)).phone).toEqual({ phone: '+41791234567', isVerified: true });
  });
});
