// The code flows of issue 15 (VerifyEmail, ResendEmailCode, VerifyPhone, ResendPhoneCode) through
// GraphQL, REST and Connect (connect-node, JSON over HTTP/1.1), each answer normalized to the
// Outcome of test/support/faces.ts so one expectation holds for every face.
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { ConnectError, createClient, type Transport } from '@connectrpc/connect';
import { ErrorDetailSchema } from '../../src/grpc/gen/zitadel/message_pb.js';
import { UserService } from '../../src/grpc/gen/zitadel/user/v2/user_service_pb.js';
import { httpStatusOf } from '../../src/grpc-status.js';
import { asGraphQLDetails, graphqlFailure, type Input, type Outcome, restFailure, withoutNulls } from './faces.js';
import type { Harness } from './harness.js';

export type CodeFace = 'graphql' | 'rest' | 'connect';
export const CODE_FACES: CodeFace[] = ['graphql', 'rest', 'connect'];
export type Channel = 'email' | 'phone';
export type CodeRpc = 'verifyEmail' | 'resendEmailCode' | 'verifyPhone' | 'resendPhoneCode';

const DETAILS = 'details { sequence changeDate resourceOwner }';
const INPUT_TYPES: Record<CodeRpc, string> = {
  verifyEmail: 'VerifyEmailInput',
  resendEmailCode: 'ResendEmailCodeInput',
  verifyPhone: 'VerifyPhoneInput',
  resendPhoneCode: 'ResendPhoneCodeInput',
};
const REST_PATHS: Record<CodeRpc, string> = {
  verifyEmail: 'email/verify',
  resendEmailCode: 'email/resend',
  verifyPhone: 'phone/verify',
  resendPhoneCode: 'phone/resend',
};

export const verifyRpc = (channel: Channel): CodeRpc => (channel === 'email' ? 'verifyEmail' : 'verifyPhone');
export const resendRpc = (channel: Channel): CodeRpc => (channel === 'email' ? 'resendEmailCode' : 'resendPhoneCode');

function document(rpc: CodeRpc): string {
  const fields = rpc.startsWith('verify') ? DETAILS : `${DETAILS} verificationCode`;
  return `mutation Op($input: ${INPUT_TYPES[rpc]}!) { ${rpc}(input: $input) { ${fields} } }`;
}

/** GraphQL's Boolean flags → the empty messages of ZITADEL's JSON. */
function toWire(input: Input): Input {
  const body: Input = { ...input };
  if (body.returnCode != null) body.returnCode = {};
  if (body.sendCode === true) body.sendCode = {};
  return body;
}

/** The request message of a Connect call (oneofs as {case, value}). */
function toMessage(userId: string, input: Input) {
  const { sendCode, returnCode, ...rest } = input;
  const verification =
    returnCode != null
      ? { case: 'returnCode' as const, value: {} }
      : sendCode != null
        ? { case: 'sendCode' as const, value: sendCode === true ? {} : (sendCode as Input) }
        : undefined;
  return { userId, ...rest, ...(verification ? { verification } : {}) };
}

type ConnectClient = ReturnType<typeof createClient<typeof UserService>>;

async function connectCall(client: ConnectClient, rpc: CodeRpc, token: string | null, message: Input) {
  const options = token ? { headers: { authorization: `Bearer ${token}` } } : {};
  // biome-ignore lint/suspicious/noExplicitAny: one call site for four methods of the same shape
  const method = client[rpc] as (req: any, options: object) => Promise<any>;
  return method.call(client, message, options) as Promise<{
    details?: { sequence: bigint; changeDate?: Parameters<typeof timestampDate>[0]; resourceOwner: string };
    verificationCode?: string;
  }>;
}

/** Calls one code RPC through one face. `connect` needs a transport to the listening gateway. */
export async function codeCall(
  h: Harness,
  face: CodeFace,
  rpc: CodeRpc,
  token: string | null,
  userId: string,
  input: Input = {},
  transport?: () => Transport,
): Promise<Outcome> {
  if (face === 'graphql') {
    const res = await h.gql(document(rpc), { input: { userId, ...input } }, token);
    const error = res.body.errors?.[0];
    if (error) return { status: res.status, error: graphqlFailure(res.status, error) };
    return { status: res.status, ok: withoutNulls(res.body.data?.[rpc] as Input) };
  }
  if (face === 'rest') {
    const path = `/v2/users/${encodeURIComponent(userId)}/${REST_PATHS[rpc]}`;
    const res = await h.rest('POST', path, toWire(input), token);
    if (res.status === 200) return { status: 200, ok: { ...res.body, details: asGraphQLDetails(res.body.details) } };
    return { status: res.status, error: restFailure(res.status, res.body) };
  }
  if (!transport) throw new Error('the connect face needs a transport');
  const client = createClient(UserService, transport());
  try {
    const res = await connectCall(client, rpc, token, toMessage(userId, input));
    const d = res.details;
    const details = d && {
      sequence: String(d.sequence),
      changeDate: d.changeDate ? timestampDate(d.changeDate).toISOString() : undefined,
      resourceOwner: d.resourceOwner,
    };
    return {
      status: 200,
      ok: { details, ...(res.verificationCode ? { verificationCode: res.verificationCode } : {}) },
    };
  } catch (error) {
    if (!(error instanceof ConnectError)) throw error;
    const [detail] = error.findDetails(ErrorDetailSchema);
    const code = error.code as number;
    const status = httpStatusOf(code as Parameters<typeof httpStatusOf>[0]);
    return {
      status,
      error: { status, code, message: detail?.message ?? error.rawMessage, ...(detail?.id ? { id: detail.id } : {}) },
    };
  }
}
