// src/domain/users/url-template.ts (spec §2.3): which templates parse, which fail with the
// syntax id DOMAIN-oGh5e or the field id DOMAIN-ieYa7, and what they render to.
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { parseUrlTemplate, renderUrlTemplate } from '../../src/domain/users/url-template.js';

const DATA = { UserID: '111', Code: 'K3X9QA', OrgID: '222' };

function outcome(template: string): string {
  try {
    return renderUrlTemplate(template, DATA);
  } catch (error) {
    if (error instanceof DomainError) return `${error.id}: ${error.message}`;
    throw error;
  }
}

const SYNTAX = 'DOMAIN-oGh5e: URL Template is invalid';
const FIELD = 'DOMAIN-ieYa7: URL Template is invalid';

describe('renderUrlTemplate', () => {
  it.each([
    [
      'https://login.acme.ch/verify?user={{.UserID}}&code={{.Code}}&org={{.OrgID}}',
      'https://login.acme.ch/verify?user=111&code=K3X9QA&org=222',
    ],
    ['{{.Code}}{{.Code}}', 'K3X9QAK3X9QA'],
    ['{{ .Code }}', 'K3X9QA'],
    ['no actions at all', 'no actions at all'],
    ['single {braces} stay', 'single {braces} stay'],
    ['a {{- .Code -}} b', 'aK3X9QAb'],
    ['a {{- .Code}} b', 'aK3X9QA b'],
    ['a {{.Code -}} b', 'a K3X9QAb'],
    ['x{{/* a comment */}}y', 'xy'],
    ['x {{- /* trimmed */ -}} y', 'xy'],
    ['', ''],
  ])('%j → %j', (template, rendered) => {
    expect(outcome(template)).toBe(rendered);
  });
});

describe('parseUrlTemplate errors', () => {
  it.each([
    ['{{.Code', SYNTAX],
    ['{{}}', SYNTAX],
    ['{{ }}', SYNTAX],
    ['https://x/{{.Code}', SYNTAX],
    ['{{.Code}}{{', SYNTAX],
    ['{{{{.Code}}}}', SYNTAX],
    ['{{end}}', SYNTAX],
    ['{{else}}', SYNTAX],
    ['{{if .Code}}x', SYNTAX],
    ['{{"unterminated}}', SYNTAX],
    ['{{(.Code}}', SYNTAX],
    ['{{.Code)}}', SYNTAX],
    ['{{.Foo}}', FIELD],
    ['{{.code}}', FIELD],
    ['{{.userID}}', FIELD],
    ['{{.Code.Bar}}', FIELD],
    ['{{printf .Code}}', FIELD],
    ['{{.Code | html}}', FIELD],
    ['{{if .Code}}x{{end}}', FIELD],
    ['{{range .Code}}{{end}}', FIELD],
    ['{{template "x"}}', FIELD],
    ['{{.}}', FIELD],
    ['ok {{.Code}} then {{.Nope}}', FIELD],
  ])('%j → %s', (template, expected) => {
    expect(outcome(template)).toBe(expected);
  });

  // Go parses these (string literals may hold any character), so they are field/function errors.
  it.each([['{{printf "%s" .Code}}'], ['{{.Code | printf "%q"}}'], ['{{"a b?"}}'], ['{{"}}"}}']])(
    '%j parses in Go → DOMAIN-ieYa7',
    (template) => {
      expect(outcome(template)).toBe(FIELD);
    },
  );

  it('a syntax error anywhere wins over a field error earlier in the template', () => {
    expect(outcome('{{.Foo}} and {{.Code')).toBe(SYNTAX);
  });

  it('returns the parts of a valid template', () => {
    expect(parseUrlTemplate('a{{.Code}}b')).toEqual([{ text: 'a' }, { field: 'Code' }, { text: 'b' }]);
  });
});
