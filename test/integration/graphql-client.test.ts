// A mainstream GraphQL client (graphql-request) with typed documents against a listening gateway.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { ClientError, GraphQLClient } from 'graphql-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, type World } from '../support/harness.js';
import { type Served, serve } from '../support/serve.js';

interface UpdateResult {
  updateHumanUser: {
    details: { sequence: string; changeDate: string; resourceOwner: string };
    emailCode: string | null;
  };
}
interface UpdateVariables {
  input: { userId: string; username?: string; email?: { email: string; returnCode?: boolean } };
}
const UpdateHumanUser: TypedDocumentNode<UpdateResult, UpdateVariables> = parse(`
  mutation UpdateHumanUser($input: UpdateHumanUserInput!) {
    updateHumanUser(input: $input) { details { sequence changeDate resourceOwner } emailCode }
  }`);

interface UserResult {
  user: { username: string; email: { email: string; isVerified: boolean } } | null;
}
const User: TypedDocumentNode<UserResult, { userId: string }> = parse(`
  query User($userId: ID!) { user(userId: $userId) { username email { email isVerified } } }`);

let h: Harness;
let w: World;
let served: Served;
let client: GraphQLClient;

beforeAll(async () => {
  h = await createHarness();
  w = await h.seed();
  served = await serve(h);
  client = new GraphQLClient(`${served.base}/graphql`, { headers: { authorization: `Bearer ${w.orgOwner.token}` } });
});
afterAll(async () => {
  await served.close();
  await h.close();
});

describe('graphql-request client', () => {
  it('updates a user and reads it back through typed documents', async () => {
    const result = await client.request(UpdateHumanUser, {
      input: { userId: w.alice.id, username: 'alice.client', email: { email: 'client@example.com', returnCode: true } },
    });
    expect(result.updateHumanUser.details).toEqual({
      sequence: '4', // created = 1, then username.changed, email.changed, email.code.added
      changeDate: '2026-11-23T10:00:00.000Z',
      resourceOwner: w.orgs.acme,
    });
    expect(result.updateHumanUser.emailCode).toMatch(/^[A-Z0-9]{6}$/);
    const read = await client.request(User, { userId: w.alice.id });
    expect(read.user).toEqual({ username: 'alice.client', email: { email: 'client@example.com', isVerified: false } });
  });

  it('surfaces contract errors with code and id to the client', async () => {
    const error = await client
      .request(UpdateHumanUser, { input: { userId: 'does-not-exist', username: 'x' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    const { response } = error as ClientError;
    expect(response.status).toBe(404);
    expect(response.errors?.[0]?.message).toBe('User could not be found');
    expect(response.errors?.[0]?.extensions).toEqual({ code: 'NOT_FOUND', id: 'COMMAND-ugjs0upun6' });
  });
});
