// `npm run schema:print`: writes the sorted SDL to schema.graphql (the reviewed artefact), and the
// Federation v2 subgraph SDL — exactly what `_service { sdl }` serves — to schema.subgraph.graphql.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSubgraphSchema } from '@apollo/subgraph';
import { printSchema } from 'graphql';
import { schema, subgraphSchema } from './index.js';

export function printedSchema(): string {
  return `${printSchema(schema)}\n`;
}

/** Types sorted; fields in declaration order (Apollo's printer prints the subgraph from its AST). */
export function printedSubgraphSchema(): string {
  return `${printSubgraphSchema(subgraphSchema())}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [file, text] of [
    ['schema.graphql', printedSchema()],
    ['schema.subgraph.graphql', printedSubgraphSchema()],
  ] as const) {
    const target = new URL(`../../${file}`, import.meta.url);
    writeFileSync(target, text);
    console.log(`wrote ${fileURLToPath(target)}`);
  }
}
