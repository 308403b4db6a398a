// ZITADEL's official SDKs against the gateway, for the code flows of issue 15: @zitadel/client
// (Connect JSON over connect-node, and its own gRPC server transport) and @zitadel/node (nice-grpc,
// its v2 UserService definition) call ResendEmailCode, VerifyEmail and VerifyPhone.
import { createConnectTransport } from '@connectrpc/connect-node';
import { createServerTransport } from '@zitadel/client/node';
import { createUserServiceClient } from '@zitadel/client/v2';
import { UserServiceDefinition } from '@zitadel/node/dist/api/generated/zitadel/user/v2/user_service.js';
import { createChannel, createClientFactory, Metadata } from 'nice-grpc';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../support/bearer.js';
import { createHarness, type Harness, UPDATE, type World } from '../support/harness.js';
import { listen } from '../support/listen.js';

let h: Harness;
let w: World;
let server: Awaited<ReturnType<typeof listen>>;
let baseUrl: string;

beforeEach(async () => {
  h = await createHarness();
  w = await h.seed();
  server = await listen(h);
  baseUrl = server.baseUrl;
});
afterEach(async () => {
  await server.close();
  await h.close();
});

const CODE = /^[A-Z0-9]{6}$/;

/** Gives alice a new, unverified email address and phone number (codes pending). */
async function pendingAddresses() {
  const res = await h.gql(
    UPDATE,
    {
      input: {
        userId: w.alice.id,
        email: { email: 'alice.sdk@example.com', returnCode: true },
        phone: { phone: '+41 79 111 22 33', returnCode: true },
      },
    },
    w.orgOwner.token,
  );
  const data = res.body.data?.updateHumanUser as { emailCode: string; phoneCode: string };
  expect(data.emailCode).toMatch(CODE);
  return data;
}

async function verifiedState() {
  const res = await h.gql(
    'query($id: ID!) { userById(userId: $id) { email { isVerified } phone { isVerified } } }',
    { id: w.alice.id },
    w.iamOwner.token,
  );
  return res.body.data?.userById;
}

describe('@zitadel/client', () => {
  it('Connect JSON: ResendEmailCode (returnCode), VerifyEmail with the new code, VerifyPhone', async () => {
    const { phoneCode } = await pendingAddresses();
    const asAdmin = createUserServiceClient(
      createConnectTransport({ baseUrl, httpVersion: '1.1', interceptors: [bearer(w.orgOwner.token)] }),
    );
    const asAlice = createUserServiceClient(
      createConnectTransport({ baseUrl, httpVersion: '1.1', interceptors: [bearer(w.alice.token)] }),
    );
    const resent = await asAdmin.resendEmailCode({
      userId: w.alice.id,
      verification: { case: 'returnCode', value: {} },
    });
    expect(resent.verificationCode).toMatch(CODE);
    expect(resent.details?.resourceOwner).toBe(w.orgs.acme);
    const email = await asAlice.verifyEmail({
      userId: w.alice.id,
      verificationCode: resent.verificationCode as string,
    });
    expect(email.details?.sequence).toBe(7n);
    const phone = await asAlice.verifyPhone({ userId: w.alice.id, verificationCode: phoneCode });
    expect(phone.details?.sequence).toBe(8n);
    expect(await verifiedState()).toEqual({ email: { isVerified: true }, phone: { isVerified: true } });
  });

  it('gRPC (createServerTransport): VerifyEmail and a wrong code', async () => {
    const { emailCode } = await pendingAddresses();
    const client = createUserServiceClient(createServerTransport(w.alice.token, { baseUrl }));
    const wrong = emailCode === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA';
    const failure = await client.verifyEmail({ userId: w.alice.id, verificationCode: wrong }).catch((e: unknown) => e);
    // the SDK's typings declare a ConnectError export its JavaScript lacks: compare the numeric code
    expect((failure as { code?: number }).code).toBe(3);
    expect((failure as Error).message).toContain('COMMAND-eis9R');
    const ok = await createUserServiceClient(createServerTransport(w.alice.token, { baseUrl })).verifyEmail({
      userId: w.alice.id,
      verificationCode: emailCode,
    });
    expect(ok.details?.resourceOwner).toBe(w.orgs.acme);
    expect(await verifiedState()).toMatchObject({ email: { isVerified: true } });
  });
});

describe('@zitadel/node', () => {
  it('nice-grpc over h2c: ResendEmailCode, VerifyEmail, VerifyPhone', async () => {
    const { phoneCode } = await pendingAddresses();
    const channel = createChannel(baseUrl);
    try {
      const client = createClientFactory().create(UserServiceDefinition, channel);
      const as = (token: string) => ({ metadata: Metadata({ authorization: `Bearer ${token}` }) });
      const resent = await client.resendEmailCode({ userId: w.alice.id, returnCode: {} }, as(w.orgOwner.token));
      expect(resent.verificationCode).toMatch(CODE);
      await client.verifyEmail({ userId: w.alice.id, verificationCode: resent.verificationCode }, as(w.alice.token));
      const phone = await client.verifyPhone({ userId: w.alice.id, verificationCode: phoneCode }, as(w.alice.token));
      expect(phone.details?.resourceOwner).toBe(w.orgs.acme);
      expect(await verifiedState()).toEqual({ email: { isVerified: true }, phone: { isVerified: true } });
    } finally {
      channel.close();
    }
  });
});
