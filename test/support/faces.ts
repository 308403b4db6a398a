// Both faces of updateHumanUser for contract tests: one call through GraphQL or REST, with the
// answer normalized to {status, ok} or {status, error: {status, code, message, id, failedAttempts}}.
import { afterEach, beforeEach, expect } from 'vitest';
import { GRPC_CODES } from '../../src/grpc-status.js';
import { createHarness, type GraphQLResponse, type Harness, type RestResponse, UPDATE, type World } from './harness.js';

export type Face = 'graphql' | 'rest';
export const FACES: Face[] = ['graphql', 'rest'];
export type Input = Record<string, unknown>;
export interface Failure {
  status: number;
  code: number;
  message: string;
  id?: string;
  failedAttempts?: number;
}
export type Outcome = { status: number; ok: Record<string, unknown> } | { status: number; error: Failure };

export const CREDENTIALS_CHECK_ERROR = 'type.googleapis.com/zitadel.v1.CredentialsCheckError';

/** GraphQL input → ZITADEL's JSON: the Boolean flags that are empty messages on the wire become `{}`. */
export function toRest(input: Input): Input {
  const body: Input = structuredClone(input);
  const flags: [Input | undefined, string[]][] = [
    [body, ['returnCode']],
    [body.email as Input | undefined, ['returnCode']],
    [body.phone as Input | undefined, ['returnCode', 'sendCode']],
  ];
  for (const [member, names] of flags) for (const flag of names) if (member && member[flag] != null) member[flag] = {};
  return body;
}

/** A GraphQL error or a ZITADEL REST error body, normalized to {status, code, message, id, failedAttempts}. */
export function graphqlFailure(
  status: number,
  error: { message: string; extensions?: Record<string, unknown> },
): Failure {
  const ext = error.extensions ?? {};
  const code = GRPC_CODES[ext.code as keyof typeof GRPC_CODES];
  expect(code, `unknown extensions.code ${String(ext.code)}`).toBeTypeOf('number');
  return {
    status,
    code,
    message: error.message,
    ...(ext.id ? { id: ext.id as string } : {}),
    ...(ext.failedAttempts !== undefined ? { failedAttempts: ext.failedAttempts as number } : {}),
  };
}

export function restFailure(status: number, body: Record<string, unknown>): Failure {
  const details = body.details as ({ '@type': string; id: string; message: string } & Input)[] | undefined;
  if (!details) return { status, code: body.code as number, message: body.message as string };
  // ZITADEL's error body: the message carries the id, the one detail repeats both — an ErrorDetail,
  // or for a credential check only the CredentialsCheckError (upstream's shape).
  expect(details).toHaveLength(1);
  expect(body.message).toBe(`${details[0]?.message} (${details[0]?.id})`);
  const credentials = details[0]?.['@type'] === CREDENTIALS_CHECK_ERROR ? details[0] : undefined;
  if (!credentials) expect(details[0]?.['@type']).toBe('type.googleapis.com/zitadel.v1.ErrorDetail');
  return {
    status,
    code: body.code as number,
    message: details[0]?.message as string,
    id: details[0]?.id as string,
    // protojson leaves out a zero failedAttempts
    ...(credentials ? { failedAttempts: (credentials.failedAttempts as number | undefined) ?? 0 } : {}),
  };
}

/**
 * REST's protojson Timestamp leaves out a zero fraction ("…10:00:00Z"); GraphQL's DateTime always
 * has milliseconds ("…10:00:00.000Z"). Same instant: compared in GraphQL's form.
 */
export function asGraphQLDetails(details: unknown): unknown {
  const d = details as Input | undefined;
  if (typeof d?.changeDate !== 'string') return details;
  return { ...d, changeDate: new Date(d.changeDate).toISOString() };
}

export const withoutNulls = (data: Input) => Object.fromEntries(Object.entries(data).filter(([, v]) => v !== null));

/** A fresh harness with its seeded world (for `beforeEach(async () => ({ h, w } = await freshWorld()))`). */
export async function freshWorld(env?: Record<string, string>): Promise<{ h: Harness; w: World }> {
  const h = await createHarness(env);
  return { h, w: await h.seed() };
}

/**
 * A fresh harness and world for every test of the calling file, closed after it:
 * `freshWorldEach((fresh) => ({ h, w } = fresh));`. A test that replaces `h` closes its own.
 */
export function freshWorldEach(set: (fresh: { h: Harness; w: World }) => void): void {
  let current: Harness | undefined;
  beforeEach(async () => {
    const fresh = await freshWorld();
    current = fresh.h;
    set(fresh);
  });
  afterEach(() => current?.close());
}

/** The event types of a user, oldest first, in the harness `current()` returns. */
export function eventTypesIn(current: () => Harness): (userId: string) => Promise<string[]> {
  return async (userId) => (await current().repository.events(userId)).map((e) => e.type);
}

/** updateHumanUser through one face, the raw answer: GraphQL's body or ZITADEL's REST JSON. */
export function sendThrough(
  h: Harness,
  face: 'graphql',
  token: string | null,
  userId: string,
  input: Input,
): Promise<GraphQLResponse>;
export function sendThrough(
  h: Harness,
  face: 'rest',
  token: string | null,
  userId: string,
  input: Input,
): Promise<RestResponse>;
export function sendThrough(h: Harness, face: Face, token: string | null, userId: string, input: Input) {
  if (face === 'graphql') return h.gql(UPDATE, { input: { userId, ...input } }, token);
  return h.rest('PUT', `/v2/users/human/${encodeURIComponent(userId)}`, toRest(input), token);
}

/** One updateHumanUser through one face: the success body (nulls dropped) or the normalized error. */
export async function updateThrough(
  h: Harness,
  face: Face,
  token: string | null,
  userId: string,
  input: Input = {},
): Promise<Outcome> {
  if (face === 'graphql') {
    const res = await sendThrough(h, face, token, userId, input);
    const error = res.body.errors?.[0];
    if (error) return { status: res.status, error: graphqlFailure(res.status, error) };
    return { status: res.status, ok: withoutNulls(res.body.data?.updateHumanUser as Input) };
  }
  const res = await sendThrough(h, face, token, userId, input);
  if (res.status === 200) return { status: 200, ok: { ...res.body, details: asGraphQLDetails(res.body.details) } };
  return { status: res.status, error: restFailure(res.status, res.body) };
}

/** `update(face, token, userId, input)` on the harness `harness()` answers at call time. */
export const updater =
  (harness: () => Harness) =>
  (face: Face, token: string | null, userId: string, input: Input = {}): Promise<Outcome> =>
    updateThrough(harness(), face, token, userId, input);

/** The normalized failure an Outcome carries (one shape for both faces). */
export const fail = (
  status: number,
  code: number,
  message: string,
  id?: string,
  extra: Partial<Failure> = {},
): Outcome => ({
  status,
  error: { status, code, message, ...(id ? { id } : {}), ...extra },
});

/** The success body, failing the test with the error when there is none. */
export function ok(outcome: Outcome): Record<string, unknown> {
  if (!('ok' in outcome)) throw new Error(`expected success, got ${JSON.stringify(outcome)}`);
  expect(outcome.status).toBe(200);
  return outcome.ok;
}

/** `details` of a success at the harness's start time unless given. */
export const details = (sequence: number, resourceOwner: string, at = '2026-11-23T10:00:00.000Z') => ({
  sequence: String(sequence),
  changeDate: at,
  resourceOwner,
});

/** A success Outcome: `details` (see above) plus any codes in `extra`. */
export const success = (sequence: number, resourceOwner: string, at?: string, extra: Input = {}): Outcome => ({
  status: 200,
  ok: { details: details(sequence, resourceOwner, at), ...extra },
});
