import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printedSchema } from '../../src/schema/print.js';

describe('schema.graphql', () => {
  it('is the schema printed from the code (run `npm run schema:print` and review the diff)', () => {
    const committed = readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');
    expect(printedSchema()).toBe(committed);
  });

  it('has a description on every type, field and argument', () => {
    const sdl = printedSchema();
    // Every definition line that opens a type or declares a field must follow a description.
    const lines = sdl.split('\n');
    const undocumented = lines.filter((line, i) => {
      const isDefinition =
        /^(type|input|enum|scalar) /.test(line) || /^ {2}[a-zA-Z_]+[(:]/.test(line) || /^ {4}[a-zA-Z_]+:/.test(line);
      if (!isDefinition) return false;
      const previous = lines[i - 1]?.trim() ?? '';
      return !previous.endsWith('"""') && !/^".*"$/.test(previous);
    });
    expect(undocumented).toEqual([]);
  });
});
