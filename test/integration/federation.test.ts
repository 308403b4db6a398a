// Issue 19.1: the gateway as a Federation v2 subgraph, composed with a second tiny subgraph
// (reviews that reference HumanUser) by @theguild/federation-composition and served by Hive
// Gateway's runtime in-process. The gateway forwards the caller's Authorization to our subgraph;
// subgraph URLs are routed to each yoga's fetch (no port). Also run through an upstream-mode gateway
// (vitest project "upstream"), where references resolve through upstream's GetUserByID.
import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { createGatewayRuntime, useCustomFetch } from '@graphql-hive/gateway-runtime';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshWorld } from '../support/faces.js';
import type { Harness, World } from '../support/harness.js';

const USERS_URL = 'http://users.subgraph/graphql';
const REVIEWS_URL = 'http://reviews.subgraph/graphql';

/** The second subgraph: reviews written by users, and `HumanUser.reviews`. */
const REVIEWS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])
  type Review { id: ID! body: String! author: HumanUser }
  type HumanUser @key(fields: "userId") { userId: ID! reviews: [Review!]! }
  type Query { latestReviews: [Review!]! }
`;

interface Review {
  id: string;
  body: string;
  authorId: string;
}

function reviewsSubgraph(reviews: Review[], seen: (authorization: string | null) => void) {
  const schema = buildSubgraphSchema({
    typeDefs: parse(REVIEWS_SDL),
    resolvers: {
      Query: { latestReviews: () => reviews },
      Review: { author: (review: Review) => ({ userId: review.authorId }) },
      HumanUser: {
        __resolveReference: (reference: { userId: string }) => reference,
        reviews: (user: { userId: string }) => reviews.filter((r) => r.authorId === user.userId),
      },
    },
  });
  return createYoga({
    schema,
    logging: false,
    context: ({ request }) => {
      seen(request.headers.get('authorization'));
      return {};
    },
  });
}

let h: Harness;
let w: World;
let gateway: ReturnType<typeof createGatewayRuntime>;
let reviewsAuthorization: (string | null)[] = [];

/** `{ _service { sdl } }` from our subgraph, as a router would fetch it (with a token). */
async function servedSdl(): Promise<string> {
  const served = await h.gql('{ _service { sdl } }', {}, w.orgOwner.token);
  const service = served.body.data?._service as { sdl: string } | undefined;
  if (!service) throw new Error(`no _service: ${JSON.stringify(served.body)}`);
  return service.sdl;
}

beforeAll(async () => {
  ({ h, w } = await freshWorld({ GRAPHQL_FEDERATION: 'true' }));
  const reviews = reviewsSubgraph(
    [
      { id: 'r1', body: 'Clear and kind.', authorId: w.alice.id },
      { id: 'r2', body: 'Would change again.', authorId: w.alice.id },
      { id: 'r3', body: 'From elsewhere.', authorId: w.carol.id },
    ],
    (authorization) => reviewsAuthorization.push(authorization),
  );
  // Our subgraph's SDL as a router would fetch it: `_service { sdl }`, with a token.
  const sdl = await servedSdl();
  const composed = composeServices([
    { name: 'users', typeDefs: parse(sdl), url: USERS_URL },
    { name: 'reviews', typeDefs: parse(REVIEWS_SDL), url: REVIEWS_URL },
  ]);
  if (composed.errors) throw new Error(`composition failed: ${composed.errors.map((e) => e.message).join('; ')}`);
  const route = (url: string, init: RequestInit = {}): Promise<Response> | Response => {
    if (url === USERS_URL) return h.gateway.yoga.fetch(new URL(url), init);
    if (url === REVIEWS_URL) return reviews.fetch(new URL(url), init);
    throw new Error(`no subgraph at ${url}`);
  };
  gateway = createGatewayRuntime({
    supergraph: composed.supergraphSdl,
    logging: false,
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get('authorization') }),
    },
    // biome-ignore lint/suspicious/noExplicitAny: the gateway's fetch type is wider than the WHATWG one
    plugins: () => [useCustomFetch(route as any)],
  });
});

afterAll(async () => {
  await gateway?.dispose();
  await h?.close();
});

async function viaGateway(query: string, variables: Record<string, unknown>, token?: string) {
  const response = await gateway.fetch('http://gateway/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      data?: Record<string, unknown> | null;
      errors?: { message: string; extensions?: Record<string, unknown>; path?: unknown[] }[];
    },
  };
}

describe('the subgraph', () => {
  it('is off by default: the plain schema has no federation fields', async () => {
    const plain = await freshWorld();
    try {
      const res = await plain.h.gql('{ _service { sdl } }', {}, plain.w.orgOwner.token);
      expect(res.status).toBe(400);
      expect(res.body.errors?.[0]?.message).toMatch(/Cannot query field "_service" on type "Query"/);
    } finally {
      await plain.h.close();
    }
  });

  it('serves the checked-in schema.subgraph.graphql as `_service { sdl }`', async () => {
    const committed = readFileSync(new URL('../../schema.subgraph.graphql', import.meta.url), 'utf8');
    expect(`${await servedSdl()}\n`).toBe(committed);
    expect(committed).toMatch(/type HumanUser\s+@key\(fields: "userId"\)/);
  });

  it('resolves HumanUser references with the visibility of `user`', async () => {
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on HumanUser { userId username } } }`;
    const representations = [
      { __typename: 'HumanUser', userId: w.alice.id },
      { __typename: 'HumanUser', userId: w.carol.id },
      { __typename: 'HumanUser', userId: 'missing' },
    ];
    const res = await h.gql(query, { r: representations }, w.orgOwner.token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { _entities: [{ userId: w.alice.id, username: 'alice' }, null, null] } });
    const user = await h.gql('query($id: ID!) { user(userId: $id) { userId } }', { id: w.carol.id }, w.orgOwner.token);
    expect(user.body).toEqual({ data: { user: null } });
  });
});

describe('through Hive Gateway', () => {
  it('updateHumanUser changes the user and answers its details', async () => {
    const before = await h.db.selectFrom('users').selectAll().where('id', '=', w.bob.id).executeTakeFirstOrThrow();
    const res = await viaGateway(
      `mutation($input: UpdateHumanUserInput!) {
        updateHumanUser(input: $input) { details { sequence changeDate resourceOwner } }
      }`,
      { input: { userId: w.bob.id, profile: { givenName: 'Ada', familyName: 'Lovelace' } } },
      w.orgOwner.token,
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      updateHumanUser: {
        details: {
          sequence: String(Number(before.sequence) + 1),
          changeDate: h.clock.now().toISOString(),
          resourceOwner: w.orgs.acme,
        },
      },
    });
    const after = await h.db.selectFrom('users').selectAll().where('id', '=', w.bob.id).executeTakeFirstOrThrow();
    expect({ given: after.given_name, family: after.family_name, sequence: Number(after.sequence) }).toEqual({
      given: 'Ada',
      family: 'Lovelace',
      sequence: Number(before.sequence) + 1,
    });
  });

  it('a query crosses both subgraphs, in both directions, with the caller forwarded', async () => {
    reviewsAuthorization = [];
    const fromReviews = await viaGateway(
      '{ latestReviews { id body author { userId username profile { givenName } } } }',
      {},
      w.orgOwner.token,
    );
    const alice = { userId: w.alice.id, username: 'alice', profile: { givenName: 'alice' } };
    expect(fromReviews.body.data).toEqual({
      latestReviews: [
        { id: 'r1', body: 'Clear and kind.', author: alice },
        { id: 'r2', body: 'Would change again.', author: alice },
        // Carol is in another organization: her reference resolves to null for Acme's owner, as `user` does.
        { id: 'r3', body: 'From elsewhere.', author: null },
      ],
    });
    expect(fromReviews.body.errors?.map((e) => e.path)).toEqual([['latestReviews', 2, 'author', 'username']]);
    expect(JSON.stringify(fromReviews.body)).not.toContain('carol');
    // The gateway passed the caller's Authorization on (as configured), to the reviews subgraph too.
    expect(reviewsAuthorization).toEqual([`Bearer ${w.orgOwner.token}`]);

    const fromUsers = await viaGateway(
      'query($id: ID!) { user(userId: $id) { username state reviews { id body } } }',
      { id: w.alice.id },
      w.alice.token,
    );
    expect(fromUsers.body).toEqual({
      data: {
        user: {
          username: 'alice',
          state: 'USER_STATE_ACTIVE',
          reviews: [
            { id: 'r1', body: 'Clear and kind.' },
            { id: 'r2', body: 'Would change again.' },
          ],
        },
      },
    });
  });

  it('errors keep their extensions.code and extensions.id', async () => {
    const notFound = await viaGateway(
      'mutation($input: UpdateHumanUserInput!) { updateHumanUser(input: $input) { details { sequence } } }',
      { input: { userId: 'missing', username: 'x' } },
      w.orgOwner.token,
    );
    expect(notFound.body.data).toBeNull();
    expect(notFound.body.errors).toEqual([
      {
        message: 'User could not be found',
        path: ['updateHumanUser'],
        extensions: { code: 'NOT_FOUND', id: 'COMMAND-ugjs0upun6', serviceName: 'users' },
      },
    ]);

    const membership = await viaGateway(
      'query($id: ID!) { userById(userId: $id) { username } }',
      { id: w.bob.id },
      w.alice.token,
    );
    expect(membership.body.errors?.map((e) => e.extensions)).toEqual([
      { code: 'NOT_FOUND', id: 'AUTHZ-cdgFk', serviceName: 'users' },
    ]);

    const denied = await viaGateway(
      'mutation($input: UpdateHumanUserInput!) { updateHumanUser(input: $input) { details { sequence } } }',
      { input: { userId: w.bob.id, username: 'bobby' } },
      w.orgViewer.token,
    );
    expect(denied.body.errors?.map((e) => e.extensions)).toEqual([
      { code: 'PERMISSION_DENIED', id: 'AUTH-AWfge', serviceName: 'users' },
    ]);

    // No Authorization to forward: our subgraph answers every reference UNAUTHENTICATED.
    const anonymous = await viaGateway('{ latestReviews { author { username } } }', {});
    expect(anonymous.body.data).toEqual({ latestReviews: [{ author: null }, { author: null }, { author: null }] });
    expect(anonymous.body.errors?.map((e) => e.extensions)).toEqual(
      Array(3).fill({ code: 'UNAUTHENTICATED', serviceName: 'users' }),
    );
  });
});
