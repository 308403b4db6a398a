// Trusted documents (issue 19.4): with TRUSTED_DOCUMENTS set, /graphql runs only the documents of
// a persisted-operations manifest — a JSON object `{ "<hash>": "<document text>" }`, as GraphQL
// Codegen's client preset and Hive's app deployments write it — and refuses everything else with
// 400 INVALID_ARGUMENT `GATEWAY-DOC400`. A request names its document
//   - by key: `extensions.persistedQuery.sha256Hash` (Apollo's form, `version: 1`) or `documentId`
//     (the GraphQL-over-HTTP form), or
//   - by full text: `query` whose sha256 is the hash of a listed document (any key format).
// The check runs in yoga's `onParams`, which only a /graphql request reaches: the REST and gRPC
// faces execute the wire layer's prepared documents (src/wire/operations.ts) directly through the
// enveloped pipeline, so no HTTP client can reach them with a document of its own, and they need
// no listing (`npm run trusted-documents:print` prints theirs for clients that want them).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { parse } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { Errors } from '../domain/errors.js';
import { domainToGraphQLError } from '../schema/errors.js';

/** A checked manifest. */
export interface TrustedDocuments {
  /** Manifest key → document text. */
  readonly byKey: ReadonlyMap<string, string>;
  /** sha256 of a listed text → its key (for requests that send the full text). */
  readonly keyByTextHash: ReadonlyMap<string, string>;
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

const SHA256_HEX = /^[0-9a-f]{64}$/i;

/**
 * A manifest's JSON → the trusted documents. Throws an Error whose message says what is wrong
 * (config.ts puts it after the variable's name). Every document must parse; a key that looks like
 * a sha256 must be the sha256 of its document (a manifest of another hash function, or edited by
 * hand, fails here rather than refusing its clients one by one).
 */
export function parseManifest(json: unknown): TrustedDocuments {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error('must be a JSON object of hash → document text (a persisted-operations manifest)');
  }
  const entries = Object.entries(json as Record<string, unknown>);
  if (entries.length === 0) throw new Error('lists no documents: every GraphQL request would be refused');
  const byKey = new Map<string, string>();
  const keyByTextHash = new Map<string, string>();
  for (const [key, text] of entries) {
    if (key.trim() === '') throw new Error('has an empty key');
    if (typeof text !== 'string' || text.trim() === '') {
      throw new Error(`document ${JSON.stringify(key)} is not a non-empty string`);
    }
    try {
      parse(text);
    } catch (error) {
      throw new Error(`document ${JSON.stringify(key)} does not parse: ${(error as Error).message}`);
    }
    const hash = sha256Hex(text);
    if (SHA256_HEX.test(key) && key.toLowerCase() !== hash) {
      throw new Error(`key ${JSON.stringify(key)} is not the sha256 of its document (${hash})`);
    }
    byKey.set(key, text);
    if (!keyByTextHash.has(hash)) keyByTextHash.set(hash, key);
  }
  return { byKey, keyByTextHash };
}

/** Reads and checks the manifest at `path` (TRUSTED_DOCUMENTS). */
export function loadManifest(path: string): TrustedDocuments {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot be read: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`is not JSON: ${(error as Error).message}`);
  }
  return parseManifest(json);
}

/** The id a request names its document by: `documentId`, else `extensions.persistedQuery.sha256Hash`. */
function requestedKey(params: GraphQLParams & { documentId?: unknown }): string | null {
  if (typeof params.documentId === 'string') return params.documentId;
  const persisted = params.extensions?.persistedQuery as { version?: unknown; sha256Hash?: unknown } | undefined;
  if (persisted?.version === 1 && typeof persisted.sha256Hash === 'string') return persisted.sha256Hash;
  return null;
}

/** The catalogued refusal: 400 INVALID_ARGUMENT `GATEWAY-DOC400`. */
export const notTrusted = () => domainToGraphQLError(Errors.documentNotTrusted());

/**
 * The text of the listed document that GraphQL request parameters name (by text, `documentId` or
 * `extensions.persistedQuery.sha256Hash`), or null. For a transport that does not pass yoga's
 * `onParams` with client-chosen documents (a graphql-ws server calling `getEnveloped` itself): it must
 * run this check, and refuse with `notTrusted()`.
 */
export function trustedDocumentText(
  documents: TrustedDocuments,
  params: GraphQLParams & { documentId?: unknown },
): string | null {
  const key =
    typeof params.query === 'string' ? documents.keyByTextHash.get(sha256Hex(params.query)) : requestedKey(params);
  return key === undefined || key === null ? null : (documents.byKey.get(key) ?? null);
}

/** The allow-list as yoga plugins: full text is turned into its key, then the persisted-operations plugin runs. */
export function useTrustedDocuments(documents: TrustedDocuments): Plugin[] {
  const byText: Plugin = {
    onParams({ params, setParams }) {
      if (typeof params.query !== 'string') return;
      const key = documents.keyByTextHash.get(sha256Hex(params.query));
      if (key === undefined) throw notTrusted();
      // Asked by text, run as the listed document by key (the text is the same).
      setParams({
        operationName: params.operationName,
        variables: params.variables,
        extensions: { ...params.extensions, persistedQuery: { version: 1, sha256Hash: key } },
      });
    },
  };
  return [
    byText,
    usePersistedOperations({
      getPersistedOperation: (key) => documents.byKey.get(key) ?? null,
      extractPersistedOperationId: requestedKey,
      customErrors: { notFound: notTrusted, keyNotFound: notTrusted, persistedQueryOnly: notTrusted },
    }) as Plugin,
  ];
}
