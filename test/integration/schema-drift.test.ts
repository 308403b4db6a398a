import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printedSchema, printedSubgraphSchema } from '../../src/schema/print.js';

const committed = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

/** Definition lines (types, fields, arguments, enum values) not preceded by a description. */
function undocumented(sdl: string): string[] {
  // Every definition line that opens a type or declares a field must follow a description.
  const lines = sdl.split('\n');
  return lines.filter((line, i) => {
    const isDefinition =
      /^(type|input|enum|scalar) /.test(line) || /^ {2}[a-zA-Z_]+[(:]/.test(line) || /^ {4}[a-zA-Z_]+:/.test(line);
    if (!isDefinition) return false;
    const previous = lines[i - 1]?.trim() ?? '';
    return !previous.endsWith('"""') && !/^".*"$/.test(previous);
  });
}

describe('schema.graphql', () => {
  it('is the schema printed from the code (run `npm run schema:print` and review the diff)', () => {
    expect(printedSchema()).toBe(committed('schema.graphql'));
  });

  it('has a description on every type, field and argument', () => {
    expect(undocumented(printedSchema())).toEqual([]);
  });

  it('carries nothing of federation (README "Federation": the subgraph is a second schema)', () => {
    expect(printedSchema()).not.toMatch(/_service|_entities|_Any|_Entity|@link|@key/);
  });
});

describe('schema.subgraph.graphql', () => {
  it('is the subgraph SDL printed from the code (run `npm run schema:print` and review the diff)', () => {
    expect(printedSubgraphSchema()).toBe(committed('schema.subgraph.graphql'));
  });

  it('is the plain schema with HumanUser as an entity keyed by userId', () => {
    const sdl = printedSubgraphSchema();
    expect(sdl).toMatch(
      /^extend schema\n {2}@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.6", import: \["@key"\]\)\n/,
    );
    expect(sdl).toMatch(/\ntype HumanUser\n {2}@key\(fields: "userId"\)\n\{/);
    expect(undocumented(sdl)).toEqual([]);
  });
});
