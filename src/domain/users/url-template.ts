// URL templates are Go `text/template`s executed on {UserID, Code, OrgID} (spec §2.3): a
// template that does not parse → DOMAIN-oGh5e, one that parses but fails to execute →
// DOMAIN-ieYa7. This is a port of the subset real templates use, with Go's output:
// - text, actions, comments `{{/* */}}`, trim markers `{{- -}}`;
// - pipelines `a | b`, parenthesized pipelines, fields `.UserID` (also `$.Code`, `(…).X`),
//   `.`, variables `$x := …` / `$x = …` (scoped to their block), `$`;
// - string ("…" and `…`), char, integer, float, bool and nil literals;
// - `if`/`else`/`else if`/`else with`/`with`/`range`/`end`, `break`/`continue`; range over an
//   integer (Go 1.22+), every other range value is an execution error here as in Go;
// - the builtins print, println, printf (verbs %s %v %d %q %x %X %t %c %%, no flags or
//   widths), urlquery, html, js, len, index, eq, ne, lt, le, gt, ge, and, or, not.
// Left out (each answers DOMAIN-ieYa7 rather than guessing): define/block/template, slice,
// call; printf flags, widths and precisions; float formatting beyond JavaScript's shortest form.
// Deliberately different: more than 10,000 range iterations in one execution is DOMAIN-ieYa7
// (Go would run them all), so a short template cannot hold the event loop.
import { Errors } from '../errors.js';

export const TEMPLATE_FIELDS = ['UserID', 'Code', 'OrgID'] as const;
export type TemplateData = Record<(typeof TEMPLATE_FIELDS)[number], string>;

class ParseError extends Error {}
class ExecError extends Error {}
const parseFail = (message: string): never => {
  throw new ParseError(message);
};
const execFail = (message: string): never => {
  throw new ExecError(message);
};

// --- lexer ---------------------------------------------------------------------------------------

type Token =
  | { t: 'field'; v: string; gap?: boolean } // ".Name"; gap: space before it (not chained)
  | { t: 'dot' }
  | { t: 'var'; v: string } // "$x" or "$"
  | { t: 'ident'; v: string }
  | { t: 'string'; v: string }
  | { t: 'number'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'nil' }
  | { t: 'pipe' }
  | { t: 'lparen' }
  | { t: 'rparen' }
  | { t: 'declare' } // :=
  | { t: 'assign' } // =
  | { t: 'comma' };

type Item = { text: string } | { action: Token[] };

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';

function lex(src: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let trimNext = false;
  while (pos <= src.length) {
    const open = src.indexOf('{{', pos);
    let text = src.slice(pos, open < 0 ? src.length : open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    trimNext = false;
    if (open < 0) {
      if (text) items.push({ text });
      break;
    }
    let i = open + 2;
    if (src[i] === '-' && isSpace(src[i + 1])) {
      text = text.replace(/[ \t\r\n]+$/, '');
      i += 2;
    }
    if (text) items.push({ text });
    // A comment: `/*` right after the delimiter (and its trim marker), `*/` right before the close.
    if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) parseFail('unclosed comment');
      let after = end + 2;
      if (src[after] === ' ' && src[after + 1] === '-' && src.startsWith('}}', after + 2)) {
        trimNext = true;
        after += 2;
      }
      if (!src.startsWith('}}', after)) parseFail('comment ends before closing delimiter');
      pos = after + 2;
      continue;
    }
    const tokens: Token[] = [];
    for (;;) {
      if (i >= src.length) parseFail('unclosed action');
      const c = src[i] as string;
      if (c === '}' && src[i + 1] === '}') {
        pos = i + 2;
        break;
      }
      if (isSpace(c)) {
        let j = i;
        while (isSpace(src[j])) j++;
        if (src[j] === '-' && src.startsWith('}}', j + 1)) {
          trimNext = true;
          pos = j + 3;
          break;
        }
        i = j;
        continue;
      }
      const { tokens: lexed, length } = lexToken(src.slice(i));
      const first = lexed[0];
      if (first?.t === 'field') first.gap = isSpace(src[i - 1]) || tokens.length === 0;
      tokens.push(...lexed);
      i += length - 1;
      i++;
    }
    items.push({ action: tokens });
  }
  return items;
}

const NUMBER = /^[+-]?(?:0[xX][0-9a-fA-F_]+|(?:[0-9][0-9_]*)?\.?[0-9_]*(?:[eE][+-]?[0-9]+)?)/;

/** Rules tried in order on the rest of an action: a pattern and the tokens of its match. */
const TOKEN_RULES: [RegExp, (text: string) => Token[]][] = [
  [/^\|/, () => [{ t: 'pipe' }]],
  [/^\(/, () => [{ t: 'lparen' }]],
  [/^\)/, () => [{ t: 'rparen' }]],
  [/^,/, () => [{ t: 'comma' }]],
  [/^:=/, () => [{ t: 'declare' }]],
  [/^=/, () => [{ t: 'assign' }]],
  [/^"(?:[^"\\\n]|\\.)*"/, (text) => [{ t: 'string', v: unquote(text) }]],
  [/^`[^`]*`/, (text) => [{ t: 'string', v: text.slice(1, -1) }]],
  [
    /^'(?:[^'\\\n]|\\.[^']*)'/,
    (text) => [{ t: 'number', v: unquote(`"${text.slice(1, -1).replace(/"/g, '\\"')}"`).codePointAt(0) ?? 0 }],
  ],
  [/^["`']/, () => parseFail('unterminated quoted string')],
  [
    /^(?:\.[A-Za-z_][A-Za-z0-9_]*)+/,
    (text) =>
      text
        .slice(1)
        .split('.')
        .map((v) => ({ t: 'field', v })),
  ],
  [/^\.(?![0-9])/, () => [{ t: 'dot' }]],
  [/^\$[A-Za-z0-9_]*/, (text) => [{ t: 'var', v: text }]],
  [
    /^[A-Za-z_][A-Za-z0-9_]*/,
    (w) => [
      w === 'true' || w === 'false'
        ? { t: 'bool', v: w === 'true' }
        : w === 'nil'
          ? { t: 'nil' }
          : { t: 'ident', v: w },
    ],
  ],
];

function lexToken(rest: string): { tokens: Token[]; length: number } {
  const number = NUMBER.exec(rest)?.[0];
  if (number && /[0-9]/.test(number)) {
    const value = Number(number.replaceAll('_', ''));
    if (Number.isNaN(value)) parseFail(`bad number syntax: "${number}"`);
    return { tokens: [{ t: 'number', v: value }], length: number.length };
  }
  for (const [pattern, make] of TOKEN_RULES) {
    const text = pattern.exec(rest)?.[0];
    if (text !== undefined) return { tokens: make(text), length: text.length };
  }
  return parseFail(`unexpected "${rest[0]}" in command`);
}

function unquote(literal: string): string {
  try {
    return JSON.parse(
      literal.replace(/\\([abfv'])|\\x([0-9a-fA-F]{2})/g, (_m, esc, hex) => {
        if (hex) return `\\u00${hex}`;
        return { a: '\\u0007', b: '\\b', f: '\\f', v: '\\u000b', "'": "'" }[esc as 'a'] ?? '';
      }),
    ) as string;
  } catch {
    return parseFail(`invalid syntax: ${literal}`);
  }
}

// --- parser --------------------------------------------------------------------------------------

type Operand =
  | { k: 'field'; base: Operand | null; names: string[] } // base null = dot
  | { k: 'dot' }
  | { k: 'var'; name: string; names: string[] }
  | { k: 'func'; name: string }
  | { k: 'lit'; v: Value }
  | { k: 'pipe'; pipe: Pipeline; names: string[] };
type Command = Operand[];
interface Pipeline {
  decl: { names: string[]; declare: boolean } | null;
  cmds: Command[];
}
type Node =
  | { k: 'text'; text: string }
  | { k: 'action'; pipe: Pipeline }
  | { k: 'if' | 'with' | 'range'; pipe: Pipeline; list: Node[]; elseList: Node[] | null }
  | { k: 'break' | 'continue' };

const FUNCS = new Set([
  'and',
  'or',
  'not',
  'len',
  'index',
  'print',
  'printf',
  'println',
  'urlquery',
  'html',
  'js',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'slice',
  'call',
]);

class Parser {
  private at = 0;
  private vars: string[][] = [['$']];
  private rangeDepth = 0;
  constructor(private readonly items: Item[]) {}

  parse(): Node[] {
    const { list, end } = this.list();
    if (end) parseFail(`unexpected {{${end}}}`);
    return list;
  }

  /** Nodes up to {{end}} or {{else …}}; which one stopped it (null at the end of input). */
  private list(): { list: Node[]; end: string | null; rest?: Token[] } {
    const list: Node[] = [];
    while (this.at < this.items.length) {
      const item = this.items[this.at++] as Item;
      if ('text' in item) {
        list.push({ k: 'text', text: item.text });
        continue;
      }
      const tokens = item.action;
      const head = tokens[0];
      const word = head?.t === 'ident' ? head.v : undefined;
      if (word === 'end' || word === 'else') {
        if (word === 'end' && tokens.length > 1) parseFail('unexpected token in end');
        return { list, end: word, rest: tokens.slice(1) };
      }
      if (word === 'if' || word === 'with' || word === 'range') {
        list.push(this.control(word, tokens.slice(1)));
        continue;
      }
      if (word === 'break' || word === 'continue') {
        if (this.rangeDepth === 0) parseFail(`{{${word}}} outside {{range}}`);
        if (tokens.length > 1) parseFail(`unexpected token in ${word}`);
        list.push({ k: word });
        continue;
      }
      if (word === 'define' || word === 'block' || word === 'template') execFail(`${word} is not supported`);
      if (word === 'else') parseFail('unexpected {{else}}');
      list.push({ k: 'action', pipe: this.pipeline(tokens, 'command') });
    }
    return { list, end: null };
  }

  private control(kind: 'if' | 'with' | 'range', tokens: Token[]): Node {
    this.vars.push([]);
    const pipe = this.pipeline(tokens, kind);
    if (kind === 'range') this.rangeDepth++;
    const first = this.list();
    if (kind === 'range') this.rangeDepth--;
    let elseList: Node[] | null = null;
    if (first.end === null) parseFail(`unexpected EOF`);
    if (first.end === 'else') {
      const rest = first.rest ?? [];
      const chained = rest[0]?.t === 'ident' && (rest[0].v === 'if' || rest[0].v === 'with') ? rest[0].v : null;
      if (chained && kind !== 'range') {
        // {{else if …}} ≡ {{else}}{{if …}}…{{end}}, sharing the outer {{end}}.
        this.vars.pop();
        this.vars.push([]);
        const nested = this.control(chained as 'if' | 'with', rest.slice(1));
        this.vars.pop();
        return { k: kind, pipe, list: first.list, elseList: [nested] };
      }
      if (rest.length > 0) parseFail('unexpected token in else');
      const second = this.list();
      if (second.end !== 'end') parseFail(second.end === null ? 'unexpected EOF' : 'expected end; found {{else}}');
      elseList = second.list;
    }
    this.vars.pop();
    return { k: kind, pipe, list: first.list, elseList };
  }

  private pipeline(tokens: Token[], context: string): Pipeline {
    let pos = 0;
    let decl: Pipeline['decl'] = null;
    // $x := … / $x, $y := … (range) / $x = …
    const names: string[] = [];
    let p = 0;
    while (tokens[p]?.t === 'var') {
      names.push((tokens[p] as { v: string }).v);
      if (tokens[p + 1]?.t === 'comma' && context === 'range') p += 2;
      else break;
    }
    const op = tokens[p + 1];
    if (names.length > 0 && (op?.t === 'declare' || op?.t === 'assign')) {
      decl = { names, declare: op.t === 'declare' };
      if (!decl.declare) for (const n of names) this.lookupVar(n);
      pos = p + 2;
    }
    const cmds: Command[] = [];
    const end = tokens.length;
    const parsed = this.commands(tokens, pos, end, cmds);
    if (parsed !== end) parseFail(`unexpected ")" in ${context}`);
    if (cmds.length === 0) parseFail(`missing value for ${context}`);
    if (decl?.declare) this.vars[this.vars.length - 1]?.push(...decl.names);
    return { decl, cmds };
  }

  /** Commands separated by `|` until `)` or the end; returns the index it stopped at. */
  private commands(tokens: Token[], start: number, end: number, cmds: Command[]): number {
    let i = start;
    let cmd: Command = [];
    const finish = () => {
      if (cmd.length === 0) parseFail('missing value for command');
      if (cmds.length > 0 && cmd[0]?.k !== 'func' && cmd[0]?.k !== 'field' && cmd[0]?.k !== 'var')
        parseFail(`non executable command in pipeline stage ${cmds.length + 1}`);
      cmds.push(cmd);
      cmd = [];
    };
    while (i < end) {
      const tok = tokens[i] as Token;
      if (tok.t === 'rparen') break;
      if (tok.t === 'pipe') {
        finish();
        i++;
        continue;
      }
      const { operand, next } = this.operand(tokens, i, end);
      cmd.push(operand);
      i = next;
    }
    if (cmd.length > 0 || cmds.length > 0 || i < end) finish();
    return i;
  }

  private operand(tokens: Token[], i: number, end: number): { operand: Operand; next: number } {
    const tok = tokens[i] as Token;
    const fields = (from: number) => {
      const names: string[] = [];
      for (let tok = tokens[from]; from < end && tok?.t === 'field' && !tok.gap; tok = tokens[++from])
        names.push(tok.v);
      return { names, next: from };
    };
    switch (tok.t) {
      case 'field': {
        const f = fields(i + 1);
        return { operand: { k: 'field', base: null, names: [tok.v, ...f.names] }, next: f.next };
      }
      case 'dot':
        return { operand: { k: 'dot' }, next: i + 1 };
      case 'var': {
        this.lookupVar(tok.v);
        const f = fields(i + 1);
        return { operand: { k: 'var', name: tok.v, names: f.names }, next: f.next };
      }
      case 'ident':
        if (!FUNCS.has(tok.v)) parseFail(`function "${tok.v}" not defined`);
        return { operand: { k: 'func', name: tok.v }, next: i + 1 };
      case 'string':
      case 'number':
      case 'bool':
        return { operand: { k: 'lit', v: tok.v }, next: i + 1 };
      case 'nil':
        return { operand: { k: 'lit', v: null }, next: i + 1 };
      case 'lparen': {
        const cmds: Command[] = [];
        const close = this.commands(tokens, i + 1, end, cmds);
        if (tokens[close]?.t !== 'rparen') parseFail('unclosed left paren');
        if (cmds.length === 0) parseFail('missing value for parenthesized pipeline');
        const f = fields(close + 1);
        return { operand: { k: 'pipe', pipe: { decl: null, cmds }, names: f.names }, next: f.next };
      }
      default:
        return parseFail(`unexpected ${tok.t} in operand`);
    }
  }

  private lookupVar(name: string) {
    if (!this.vars.some((scope) => scope.includes(name))) parseFail(`undefined variable "${name}"`);
  }
}

// --- execution -----------------------------------------------------------------------------------

type Value = string | number | boolean | null | TemplateData;
const NO_VALUE = '<no value>';
class Break {}
class Continue {}

const isData = (v: Value): v is TemplateData => typeof v === 'object' && v !== null;
const typeName = (v: Value) =>
  v === null
    ? '<nil>'
    : isData(v)
      ? 'struct'
      : typeof v === 'string'
        ? 'string'
        : typeof v === 'boolean'
          ? 'bool'
          : Number.isInteger(v)
            ? 'int'
            : 'float64';

/** fmt's %v. */
function show(v: Value): string {
  if (v === null) return NO_VALUE;
  if (isData(v)) return `{${TEMPLATE_FIELDS.map((f) => v[f]).join(' ')}}`;
  if (typeof v === 'number' && !Number.isInteger(v)) return String(v).replace(/e([+-])(\d)$/, 'e$10$2');
  return String(v);
}

function truth(v: Value): boolean {
  if (v === null) return false;
  if (isData(v)) return true;
  return Boolean(v);
}

function sprint(args: Value[]): string {
  let out = '';
  args.forEach((a, idx) => {
    if (idx > 0 && typeof a !== 'string' && typeof args[idx - 1] !== 'string') out += ' ';
    out += a === null ? '<nil>' : show(a);
  });
  return out;
}

function printf(format: string, args: Value[]): string {
  let out = '';
  let n = 0;
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    const verb = format[++i];
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (n >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const a = args[n++] as Value;
    const bad = () => `%!${verb}(${typeName(a)}=${a === null ? '<nil>' : show(a)})`;
    switch (verb) {
      case 'v':
      case 's':
        out += typeof a === 'string' || verb === 'v' ? (a === null ? '<nil>' : show(a)) : bad();
        break;
      case 'd':
        out += typeof a === 'number' && Number.isInteger(a) ? String(a) : bad();
        break;
      case 'q':
        out +=
          typeof a === 'string'
            ? JSON.stringify(a)
            : typeof a === 'number' && Number.isInteger(a)
              ? `'${String.fromCodePoint(a)}'`
              : bad();
        break;
      case 'x':
      case 'X': {
        const hex =
          typeof a === 'string'
            ? Buffer.from(a).toString('hex')
            : typeof a === 'number' && Number.isInteger(a)
              ? (a < 0 ? '-' : '') + Math.abs(a).toString(16)
              : undefined;
        out += hex === undefined ? bad() : verb === 'X' ? hex.toUpperCase() : hex;
        break;
      }
      case 't':
        out += typeof a === 'boolean' ? String(a) : bad();
        break;
      case 'c':
        out += typeof a === 'number' && Number.isInteger(a) ? String.fromCodePoint(a) : bad();
        break;
      default:
        out += bad();
    }
  }
  if (n < args.length)
    out += `%!(EXTRA ${args
      .slice(n)
      .map((a) => `${typeName(a)}=${a === null ? '<nil>' : show(a)}`)
      .join(', ')})`;
  return out;
}

/** Go's url.QueryEscape. */
function queryEscape(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s)) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const HTML: Record<string, string> = {
  '"': '&#34;',
  "'": '&#39;',
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '\0': '\uFFFD',
};
const JS: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '<': '\\u003C',
  '>': '\\u003E',
  '&': '\\u0026',
  '=': '\\u003D',
};
const jsEscape = (s: string) =>
  [...s]
    .map(
      (c) =>
        JS[c] ??
        ((c.codePointAt(0) ?? 0) < 0x20
          ? `\\u${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`
          : c),
    )
    .join('');

function compareKind(a: Value, b: Value): 'string' | 'number' | 'bool' {
  const kind = (v: Value) =>
    typeof v === 'string' ? 'string' : typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'bool' : null;
  const ka = kind(a);
  const kb = kind(b);
  if (ka === null || kb === null) execFail('invalid type for comparison');
  if (ka !== kb) execFail('incompatible types for comparison');
  return ka as 'string' | 'number' | 'bool';
}

/** A bound on range iterations, so a 200-character template cannot hold the event loop. */
const MAX_STEPS = 10_000;

class Executor {
  out = '';
  steps = 0;
  constructor(private readonly data: TemplateData) {}

  run(nodes: Node[], dot: Value, vars: Map<string, Value>[]) {
    for (const node of nodes) {
      switch (node.k) {
        case 'text':
          this.out += node.text;
          break;
        case 'action': {
          const v = this.pipeline(node.pipe, dot, vars);
          if (!node.pipe.decl) this.out += show(v);
          break;
        }
        case 'break':
          throw new Break();
        case 'continue':
          throw new Continue();
        case 'if':
        case 'with': {
          const scope = [...vars, new Map<string, Value>()];
          const v = this.pipeline(node.pipe, dot, scope);
          if (truth(v)) this.run(node.list, node.k === 'with' ? v : dot, scope);
          else if (node.elseList) this.run(node.elseList, dot, scope);
          break;
        }
        case 'range': {
          const scope = [...vars, new Map<string, Value>()];
          const v = this.pipeline(node.pipe, dot, scope, true);
          if (typeof v !== 'number' || !Number.isInteger(v)) execFail(`range can't iterate over ${show(v)}`);
          const count = v as number;
          if (count <= 0 && node.elseList) this.run(node.elseList, dot, scope);
          for (let i = 0; i < count; i++) {
            if (++this.steps > MAX_STEPS) execFail('template does too much work');
            const names = node.pipe.decl?.names ?? [];
            const inner = new Map<string, Value>();
            if (names.length === 1) inner.set(names[0] as string, i);
            if (names.length === 2) {
              inner.set(names[0] as string, i);
              inner.set(names[1] as string, i);
            }
            try {
              this.run(node.list, i, [...scope, inner]);
            } catch (signal) {
              if (signal instanceof Break) break;
              if (!(signal instanceof Continue)) throw signal;
            }
          }
          break;
        }
      }
    }
  }

  pipeline(pipe: Pipeline, dot: Value, vars: Map<string, Value>[], isRange = false): Value {
    let value: Value | undefined;
    for (const cmd of pipe.cmds) value = this.command(cmd, dot, vars, value);
    const result = value as Value;
    if (pipe.decl && !isRange) {
      for (const name of pipe.decl.names) {
        if (pipe.decl.declare) vars[vars.length - 1]?.set(name, result);
        else
          [...vars]
            .reverse()
            .find((scope) => scope.has(name))
            ?.set(name, result);
      }
    }
    return result;
  }

  command(cmd: Command, dot: Value, vars: Map<string, Value>[], piped: Value | undefined): Value {
    const [head, ...rest] = cmd as [Operand, ...Operand[]];
    const args = piped === undefined ? rest : [...rest, { k: 'lit', v: piped } as Operand];
    if (head.k === 'func') return this.call(head.name, args, dot, vars);
    if (args.length > 0) execFail(`can't give argument to non-function ${head.k}`);
    return this.operand(head, dot, vars);
  }

  operand(op: Operand, dot: Value, vars: Map<string, Value>[]): Value {
    switch (op.k) {
      case 'dot':
        return dot;
      case 'lit':
        return op.v;
      case 'field':
        return this.fields(dot, op.names);
      case 'var': {
        const scope = [...vars].reverse().find((s) => s.has(op.name));
        const v = op.name === '$' && !scope ? this.data : (scope?.get(op.name) ?? null);
        return this.fields(v, op.names);
      }
      case 'pipe':
        return this.fields(this.pipeline(op.pipe, dot, vars), op.names);
      case 'func':
        return this.call(op.name, [], dot, vars);
    }
  }

  fields(base: Value, names: string[]): Value {
    let v = base;
    for (const name of names) {
      if (!isData(v)) return execFail(`can't evaluate field ${name} in type ${typeName(v)}`);
      if (!(TEMPLATE_FIELDS as readonly string[]).includes(name))
        execFail(`can't evaluate field ${name} in type struct`);
      v = v[name as keyof TemplateData];
    }
    return v;
  }

  call(name: string, argOps: Operand[], dot: Value, vars: Map<string, Value>[]): Value {
    const evalArg = (op: Operand) => this.operand(op, dot, vars);
    const arity = (min: number, max = min) => {
      if (argOps.length < min || argOps.length > max)
        execFail(`wrong number of args for ${name}: want ${min} got ${argOps.length}`);
    };
    switch (name) {
      case 'and':
      case 'or': {
        arity(1, Number.POSITIVE_INFINITY);
        let v: Value = null;
        for (const op of argOps) {
          v = evalArg(op);
          if (name === 'and' ? !truth(v) : truth(v)) return v;
        }
        return v;
      }
      case 'not':
        arity(1);
        return !truth(evalArg(argOps[0] as Operand));
      case 'len': {
        arity(1);
        const v = evalArg(argOps[0] as Operand);
        if (typeof v !== 'string') execFail(`error calling len: len of type ${typeName(v)}`);
        return Buffer.byteLength(v as string);
      }
      case 'index': {
        arity(1, Number.POSITIVE_INFINITY);
        let v = evalArg(argOps[0] as Operand);
        for (const op of argOps.slice(1)) {
          const i = evalArg(op);
          if (typeof v !== 'string') execFail(`error calling index: can't index item of type ${typeName(v)}`);
          if (typeof i !== 'number' || !Number.isInteger(i))
            execFail('error calling index: cannot index slice/array with non-integer');
          const bytes = Buffer.from(v as string);
          if ((i as number) < 0 || (i as number) >= bytes.length)
            execFail(`error calling index: index out of range: ${i}`);
          v = bytes[i as number] as number;
        }
        return v;
      }
      case 'print':
        return sprint(argOps.map(evalArg));
      case 'println':
        return `${argOps
          .map(evalArg)
          .map((a) => (a === null ? '<nil>' : show(a)))
          .join(' ')}\n`;
      case 'printf': {
        arity(1, Number.POSITIVE_INFINITY);
        const [format, ...rest] = argOps.map(evalArg);
        if (typeof format !== 'string')
          execFail(`wrong type for value; expected string; got ${typeName(format as Value)}`);
        return printf(format as string, rest);
      }
      case 'urlquery':
        return queryEscape(sprint(argOps.map(evalArg)));
      case 'html':
        return sprint(argOps.map(evalArg)).replace(/["'&<>\0]/g, (c) => HTML[c] ?? c);
      case 'js':
        return jsEscape(sprint(argOps.map(evalArg)));
      case 'eq': {
        arity(2, Number.POSITIVE_INFINITY);
        const [a, ...others] = argOps.map(evalArg) as [Value, ...Value[]];
        return others.some((b) => {
          compareKind(a, b);
          return a === b;
        });
      }
      case 'ne':
      case 'lt':
      case 'le':
      case 'gt':
      case 'ge': {
        arity(2);
        const [a, b] = argOps.map(evalArg) as [Value, Value];
        const kind = compareKind(a, b);
        if (name === 'ne') return a !== b;
        if (kind === 'bool') execFail('invalid type for comparison');
        const x = a as string | number;
        const y = b as string | number;
        return name === 'lt' ? x < y : name === 'le' ? x <= y : name === 'gt' ? x > y : x >= y;
      }
      default:
        return execFail(`${name} is not supported`);
    }
  }
}

function compile(template: string): Node[] {
  try {
    return new Parser(lex(template)).parse();
  } catch (error) {
    if (error instanceof ParseError) throw Errors.urlTemplateSyntax();
    if (error instanceof ExecError) throw Errors.urlTemplateField();
    throw error;
  }
}

function execute(nodes: Node[], data: TemplateData): string {
  const executor = new Executor(data);
  try {
    executor.run(nodes, data, [new Map()]);
  } catch (error) {
    if (error instanceof ExecError) throw Errors.urlTemplateField();
    throw error;
  }
  return executor.out;
}

/** Sample values for the check at request time (the real code is not known yet). */
const SAMPLE: TemplateData = { UserID: 'UserID', Code: 'Code', OrgID: 'OrgID' };

/** Parses and executes a template on sample data; throws DOMAIN-oGh5e or DOMAIN-ieYa7. */
export function parseUrlTemplate(template: string): void {
  execute(compile(template), SAMPLE);
}

export function renderUrlTemplate(template: string, data: TemplateData): string {
  return execute(compile(template), data);
}
