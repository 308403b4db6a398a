// Issue 19.4: TRUSTED_DOCUMENTS. With a manifest, /graphql runs only its documents — asked by
// extensions.persistedQuery.sha256Hash, by documentId, or by exact text — and answers anything else
// 400 INVALID_ARGUMENT GATEWAY-DOC400 without executing it; REST and gRPC keep working. Without
// it, any document runs. A bad manifest stops the configuration.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { UserService } from '../../src/grpc/gen/zitadel/user/v2/user_service_pb.js';
import { gatewayManifest } from '../../src/http/print-trusted-documents.js';
import { sha256Hex, trustedDocumentText } from '../../src/http/trusted-documents.js';
import { WIRE_OPERATIONS } from '../../src/wire/operations.js';
import { freshWorld } from '../support/faces.js';
import { type Harness, snapshot, type World } from '../support/harness.js';
import { type Served, serve } from '../support/serve.js';

const READ = 'query Read($id: ID!) { user(userId: $id) { userId username profile { givenName } } }';
const RENAME = `mutation Rename($input: UpdateHumanUserInput!) {
  updateHumanUser(input: $input) { details { sequence resourceOwner } }
}`;
const READ_HASH = sha256Hex(READ);
const RENAME_HASH = sha256Hex(RENAME);
/** A key that is not a hash (some manifests use ids such as `app~1.2~rename`), for `documentId`. */
const RENAME_ID = 'web-app~1.2~rename';

const REFUSED = {
  errors: [
    {
      message: 'The operation is not a trusted document: send a listed document by hash, documentId or its exact text',
      extensions: { code: 'INVALID_ARGUMENT', id: 'GATEWAY-DOC400' },
    },
  ],
};

let dir: string;
let manifest: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trusted-documents-'));
  manifest = join(dir, 'manifest.json');
  writeFileSync(manifest, JSON.stringify({ [READ_HASH]: READ, [RENAME_HASH]: RENAME, [RENAME_ID]: RENAME }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let h: Harness;
let w: World;
afterEach(() => h.close());

/** POSTs a raw GraphQL-over-HTTP body to /graphql. */
async function post(body: Record<string, unknown>, token: string) {
  const response = await h.app.yoga.fetch('http://gateway/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const persisted = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

describe('TRUSTED_DOCUMENTS unset', () => {
  beforeEach(async () => ({ h, w } = await freshWorld()));

  it('runs any document', async () => {
    const res = await post({ query: '{ user(userId: "missing") { userId } }' }, w.alice.token);
    expect(res).toEqual({ status: 200, body: { data: { user: null } } });
  });
});

describe('TRUSTED_DOCUMENTS set', () => {
  beforeEach(async () => ({ h, w } = await freshWorld({ TRUSTED_DOCUMENTS: manifest })));

  const aliceRead = () => ({ user: { userId: w.alice.id, username: 'alice', profile: { givenName: 'alice' } } });

  it('runs a listed document asked by extensions.persistedQuery.sha256Hash', async () => {
    const res = await post({ extensions: persisted(READ_HASH), variables: { id: w.alice.id } }, w.alice.token);
    expect(res).toEqual({ status: 200, body: { data: aliceRead() } });
  });

  it('runs a listed document asked by its exact text', async () => {
    const res = await post({ query: READ, variables: { id: w.alice.id } }, w.alice.token);
    expect(res).toEqual({ status: 200, body: { data: aliceRead() } });
  });

  it('runs a listed mutation asked by documentId, and it writes', async () => {
    const before = await snapshot(h, w.bob.id);
    const res = await post(
      { documentId: RENAME_ID, variables: { input: { userId: w.bob.id, username: 'robert' } } },
      w.orgOwner.token,
    );
    expect(res).toEqual({
      status: 200,
      body: {
        data: {
          updateHumanUser: {
            details: { sequence: String(Number(before.user?.sequence) + 1), resourceOwner: w.orgs.acme },
          },
        },
      },
    });
    expect((await snapshot(h, w.bob.id)).user?.username).toBe('robert');
  });

  it('runs a listed document asked by hash over GET', async () => {
    const query = new URLSearchParams({
      extensions: JSON.stringify(persisted(READ_HASH)),
      variables: JSON.stringify({ id: w.alice.id }),
    });
    const response = await h.app.yoga.fetch(`http://gateway/graphql?${query}`, {
      headers: { authorization: `Bearer ${w.alice.token}`, 'x-graphql-yoga-csrf': '1', accept: 'application/json' },
    });
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 200,
      body: { data: aliceRead() },
    });
  });

  it.each([
    ['an unlisted text', { query: '{ user(userId: "x") { userId } }' }],
    ['a listed text changed by one space', { query: `${READ} ` }],
    ['an unlisted hash', { extensions: persisted(sha256Hex('{ __typename }')) }],
    ['an unlisted documentId', { documentId: 'web-app~1.2~delete-everything' }],
    ['neither text nor id', {}],
    ['introspection', { query: '{ __schema { queryType { name } } }' }],
  ])('refuses %s: 400 GATEWAY-DOC400', async (_case, body) => {
    const res = await post({ ...body, variables: { id: w.alice.id } }, w.alice.token);
    expect(res).toEqual({ status: 400, body: REFUSED });
  });

  it('refuses an unlisted mutation without executing it', async () => {
    const before = await snapshot(h, w.bob.id);
    const res = await post(
      {
        query: 'mutation($input: UpdateHumanUserInput!) { updateHumanUser(input: $input) { emailCode } }',
        variables: { input: { userId: w.bob.id, username: 'mallory' } },
      },
      w.orgOwner.token,
    );
    expect(res).toEqual({ status: 400, body: REFUSED });
    expect(await snapshot(h, w.bob.id)).toEqual(before);
  });

  it('leaves REST working (the wire layer runs its own documents, not listed here)', async () => {
    const put = await h.rest(
      'PUT',
      `/v2/users/human/${w.bob.id}`,
      { profile: { givenName: 'Bobby', familyName: 'Tables' } },
      w.orgOwner.token,
    );
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ details: { resourceOwner: w.orgs.acme } });
    const get = await h.rest('GET', `/v2/users/${w.bob.id}`, undefined, w.orgOwner.token);
    expect(get.status).toBe(200);
    expect(get.body).toMatchObject({
      user: { userId: w.bob.id, human: { profile: { givenName: 'Bobby', familyName: 'Tables' } } },
    });
  });

  describe('gRPC', () => {
    let served: Served;
    beforeEach(async () => {
      served = await serve(h, { h2c: true });
    });
    afterEach(() => served.close());

    it('leaves gRPC working', async () => {
      const client = createClient(UserService, createGrpcTransport({ baseUrl: served.base }));
      const headers = { authorization: `Bearer ${w.orgOwner.token}` };
      const updated = await client.updateHumanUser(
        { userId: w.bob.id, profile: { givenName: 'Roberta', familyName: 'Test' } },
        { headers },
      );
      expect(updated.details?.resourceOwner).toBe(w.orgs.acme);
      const read = await client.getUserByID({ userId: w.bob.id }, { headers });
      expect(read.user?.type.case).toBe('human');
      expect(read.user?.type.case === 'human' && read.user.type.value.profile?.givenName).toBe('Roberta');
    });
  });
});

describe('the manifest', () => {
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it.each([
    ['a missing file', () => join(dir, 'nope.json'), /cannot be read: ENOENT/],
    ['not JSON', () => write('bad.json', '{ nope'), /is not JSON/],
    ['an array', () => write('array.json', JSON.stringify([READ])), /must be a JSON object of hash → document text/],
    ['an empty object', () => write('empty.json', '{}'), /lists no documents/],
    [
      'a non-string document',
      () => write('number.json', JSON.stringify({ a: 5 })),
      /document "a" is not a non-empty string/,
    ],
    [
      'a document that does not parse',
      () => write('syntax.json', JSON.stringify({ a: '{ user(' })),
      /document "a" does not parse: Syntax Error/,
    ],
    [
      'a sha256 key of another text',
      () => write('mismatch.json', JSON.stringify({ [READ_HASH]: RENAME })),
      new RegExp(`key "${READ_HASH}" is not the sha256 of its document \\(${RENAME_HASH}\\)`),
    ],
  ])('refuses %s with TRUSTED_DOCUMENTS named', (_case, path, message) => {
    const file = path();
    expect(() => loadConfig({ TRUSTED_DOCUMENTS: file })).toThrow(`TRUSTED_DOCUMENTS=${JSON.stringify(file)}: `);
    expect(() => loadConfig({ TRUSTED_DOCUMENTS: file })).toThrow(message);
  });

  it('is loaded with every listed document', () => {
    expect(loadConfig({}).trustedDocuments).toBeUndefined();
    expect(loadConfig({ TRUSTED_DOCUMENTS: manifest }).trustedDocuments?.byKey).toEqual(
      new Map([
        [READ_HASH, READ],
        [RENAME_HASH, RENAME],
        [RENAME_ID, RENAME],
      ]),
    );
  });

  it('names the same documents to a transport that checks by itself (trustedDocumentText)', () => {
    const documents = loadConfig({ TRUSTED_DOCUMENTS: manifest }).trustedDocuments;
    if (!documents) throw new Error('no documents');
    expect(trustedDocumentText(documents, { query: READ })).toBe(READ);
    expect(trustedDocumentText(documents, { extensions: persisted(RENAME_HASH) })).toBe(RENAME);
    expect(trustedDocumentText(documents, { documentId: RENAME_ID })).toBe(RENAME);
    expect(trustedDocumentText(documents, { query: `${READ} ` })).toBeNull();
    expect(trustedDocumentText(documents, { documentId: 'other' })).toBeNull();
    expect(trustedDocumentText(documents, {})).toBeNull();
  });

  it('`npm run trusted-documents:print` prints the gateway’s own documents by sha256', () => {
    const printed = JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', 'src/http/print-trusted-documents.ts'], {
        encoding: 'utf8',
        timeout: 30_000,
      }),
    ) as Record<string, string>;
    expect(printed).toEqual(gatewayManifest());
    expect(Object.values(printed).sort()).toEqual(Object.values(WIRE_OPERATIONS).sort());
    for (const [hash, text] of Object.entries(printed)) expect(hash).toBe(sha256Hex(text));
    // And it is a valid manifest.
    const path = write('gateway.json', JSON.stringify(printed));
    expect(loadConfig({ TRUSTED_DOCUMENTS: path }).trustedDocuments?.byKey.size).toBe(
      Object.keys(WIRE_OPERATIONS).length,
    );
  });
});
