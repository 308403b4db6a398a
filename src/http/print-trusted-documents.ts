// `npm run trusted-documents:print`: the persisted-operations manifest (sha256 → document text) of
// the gateway's own documents, the ones the REST and gRPC faces run (src/wire/operations.ts).
// Those faces need no listing (see trusted-documents.ts); a client that wants to send the same
// documents to /graphql under TRUSTED_DOCUMENTS can merge these entries into the manifest.
import { fileURLToPath } from 'node:url';
import { WIRE_OPERATIONS } from '../wire/operations.js';
import { sha256Hex } from './trusted-documents.js';

export function gatewayManifest(): Record<string, string> {
  return Object.fromEntries(Object.values(WIRE_OPERATIONS).map((text) => [sha256Hex(text), text]));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${JSON.stringify(gatewayManifest(), null, 2)}\n`);
}
