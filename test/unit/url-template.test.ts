// src/domain/users/url-template.ts (spec §2.3): Go text/template on {UserID, Code, OrgID} — what
// renders to what (Go's output), which templates fail to parse (DOMAIN-oGh5e) and which fail to
// execute (DOMAIN-ieYa7).
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { parseUrlTemplate, renderUrlTemplate } from '../../src/domain/users/url-template.js';

const DATA = { UserID: '111', Code: 'K3X9QA', OrgID: '222' };

function outcome(template: string, data = DATA): string {
  try {
    return renderUrlTemplate(template, data);
  } catch (error) {
    if (error instanceof DomainError) return `${error.id}: ${error.message}`;
    throw error;
  }
}

const SYNTAX = 'DOMAIN-oGh5e: URL Template is invalid';
const EXEC = 'DOMAIN-ieYa7: URL Template is invalid';

describe('renderUrlTemplate: valid templates render as Go renders them', () => {
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
    ['a\n\t{{- .Code -}}\n b', 'aK3X9QAb'],
    ['x{{/* a comment */}}y', 'xy'],
    ['x {{- /* trimmed */ -}} y', 'xy'],
    ['{{-3}}', '-3'], // no space: a negative number, not a trim marker
    ['', ''],
    // pipelines and builtins
    ['{{.Code | printf "%s"}}', 'K3X9QA'],
    ['{{printf "%s-%s" .UserID .OrgID}}', '111-222'],
    ['{{printf "%q" .Code}}', '"K3X9QA"'],
    ['{{printf "%d" 42}}', '42'],
    ['{{printf "%v|%v|%v" .Code 1 true}}', 'K3X9QA|1|true'],
    ['{{printf "%x %X" .Code 255}}', '4b3358395141 FF'],
    ['{{printf "100%%"}}', '100%'],
    ['{{printf "%d" .Code}}', '%!d(string=K3X9QA)'],
    ['{{printf "%s %s" .Code}}', 'K3X9QA %!s(MISSING)'],
    ['{{printf "%s" .Code 7}}', 'K3X9QA%!(EXTRA int=7)'],
    ['{{printf .Code}}', 'K3X9QA'],
    ['{{print .Code 1 2 "x" 3}}', 'K3X9QA1 2x3'],
    ['{{println .Code 1}}', 'K3X9QA 1\n'],
    ['{{"a b&c=d/é" | urlquery}}', 'a+b%26c%3Dd%2F%C3%A9'],
    ['{{urlquery .Code "x y"}}', 'K3X9QAx+y'],
    ['{{"<a href=\'x\'>&\\"</a>" | html}}', '&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt;'],
    ['{{js "it\'s <b>\\"x\\"</b> & a=b"}}', 'it\\\'s \\u003Cb\\u003E\\"x\\"\\u003C/b\\u003E \\u0026 a\\u003Db'],
    ['{{len .Code}}', '6'],
    ['{{len "ä"}}', '2'], // bytes
    ['{{index .Code 0}}', '75'], // a byte
    ['{{printf "%c" (index .Code 1)}}', '3'],
    ['{{eq .Code "K3X9QA"}} {{ne .Code "x"}} {{eq .Code "a" "K3X9QA"}}', 'true true true'],
    ['{{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1 2}}', 'true true true false'],
    ['{{and .Code .UserID}} {{and "" .UserID}} {{or "" .OrgID}} {{not .Code}}', '111  222 false'],
    ['{{(printf "%s/%s" .OrgID .UserID) | urlquery}}', '222%2F111'],
    ['{{"raw"}} {{`back tick`}} {{1.5}} {{true}} {{\'a\'}}', 'raw back tick 1.5 true 97'],
    ['{{.}}', '{111 K3X9QA 222}'],
    ['{{$.Code}}', 'K3X9QA'],
    // control structures
    ['{{if .Code}}yes{{end}}', 'yes'],
    ['{{if eq .Code "x"}}yes{{else}}no{{end}}', 'no'],
    ['{{if eq .Code "x"}}1{{else if eq .OrgID "222"}}2{{else}}3{{end}}', '2'],
    ['{{with .Code}}[{{.}}]{{end}}', '[K3X9QA]'],
    ['{{with ""}}x{{else}}empty{{end}}', 'empty'],
    ['{{with $c := .Code}}{{$c}}{{end}}', 'K3X9QA'],
    ['{{range 3}}{{.}}{{end}}', '012'],
    ['{{range $i := 3}}{{$i}},{{end}}', '0,1,2,'],
    ['{{range 0}}x{{else}}none{{end}}', 'none'],
    ['{{range 5}}{{if eq . 3}}{{break}}{{end}}{{.}}{{end}}', '012'],
    ['{{range 3}}{{if eq . 1}}{{continue}}{{end}}{{.}}{{end}}', '02'],
    // variables
    ['{{$x := .Code}}{{$x}}-{{$x}}', 'K3X9QA-K3X9QA'],
    ['{{$x := 1}}{{$x = 2}}{{$x}}', '2'],
    ['{{$u := urlquery .UserID}}https://x/{{$u}}?c={{.Code}}', 'https://x/111?c=K3X9QA'],
  ])('%j → %j', (template, rendered) => {
    expect(outcome(template)).toBe(rendered);
  });

  it('renders the real values, escaping with Go rules', () => {
    expect(outcome('{{.Code | urlquery}}', { ...DATA, Code: 'A B+C' })).toBe('A+B%2BC');
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
    ['{{if .Code}}x{{else}}y{{else}}z{{end}}', SYNTAX],
    ['{{"unterminated}}', SYNTAX],
    ['{{(.Code}}', SYNTAX],
    ['{{.Code)}}', SYNTAX],
    ['{{foo .Code}}', SYNTAX], // functions are resolved at parse time
    ['{{$y}}', SYNTAX], // undefined variable
    ['{{if .Code}}{{$v := 1}}{{end}}{{$v}}', SYNTAX], // out of scope
    ['{{break}}', SYNTAX],
    ['{{.Code | "x"}}', SYNTAX],
    ['{{ /* not a comment */ }}', SYNTAX],
    ['{{/* unclosed }}', SYNTAX],
    ['{{/* x */ .Code}}', SYNTAX],
    ['{{if}}{{end}}', SYNTAX],
    ['{{.Foo}}', EXEC],
    ['{{.code}}', EXEC],
    ['{{.userID}}', EXEC],
    ['{{.Code.Bar}}', EXEC],
    ['{{.}}{{.Nope}}', EXEC],
    ['{{printf}}', EXEC], // wrong number of args
    ['{{printf 1}}', EXEC],
    ['{{len 3}}', EXEC],
    ['{{not 1 2}}', EXEC],
    ['{{eq .Code 1}}', EXEC], // incompatible types
    ['{{lt true false}}', EXEC],
    ['{{index .Code 99}}', EXEC],
    ['{{range .Code}}{{end}}', EXEC], // a string is not rangeable
    ['{{.Code .UserID}}', EXEC], // argument to a non-function
    ['{{template "x"}}', EXEC],
    ['{{range 100000}}{{range 100000}}x{{end}}{{end}}', EXEC], // bounded work, not Go's 10^10 iterations
    ['ok {{.Code}} then {{.Nope}}', EXEC],
  ])('%j → %s', (template, expected) => {
    expect(outcome(template)).toBe(expected);
  });

  it('a syntax error anywhere wins over an execution error earlier in the template', () => {
    expect(outcome('{{.Foo}} and {{.Code')).toBe(SYNTAX);
  });

  it('checks a template by executing it on sample values; valid ones pass', () => {
    expect(parseUrlTemplate('https://x/{{.UserID}}?c={{.Code | urlquery}}')).toBeUndefined();
  });
});
