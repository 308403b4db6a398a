// `npm run schema:print`: writes the sorted SDL to schema.graphql (the reviewed artefact).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSchema } from 'graphql';
import { schema } from './index.js';

export function printedSchema(): string {
  return `${printSchema(schema)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const target = new URL('../../schema.graphql', import.meta.url);
  writeFileSync(target, printedSchema());
  console.log(`wrote ${fileURLToPath(target)}`);
}
