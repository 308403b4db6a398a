// A small renderer for Go text/template URL templates (spec §2.3). Only `{{.UserID}}`,
// `{{.Code}}` and `{{.OrgID}}` are allowed (with optional `{{-`/`-}}` trim markers and
// `{{/* comments */}}`). A template that Go could not parse → syntax error; one that parses
// but uses anything else (another field, a function, a control structure) → field error.
import { Errors } from '../errors.js';

export const TEMPLATE_FIELDS = ['UserID', 'Code', 'OrgID'] as const;
export type TemplateData = Record<(typeof TEMPLATE_FIELDS)[number], string>;

type Part = { text: string } | { field: (typeof TEMPLATE_FIELDS)[number] };

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);

/** Parses and checks a template; throws DOMAIN-oGh5e or DOMAIN-ieYa7. */
export function parseUrlTemplate(template: string): Part[] {
  const parts: Part[] = [];
  let rest = template;
  let fieldError = false;
  let open = 0; // control blocks opened, to detect unbalanced {{end}}
  while (rest.length > 0) {
    const start = rest.indexOf('{{');
    if (start < 0) {
      parts.push({ text: rest });
      break;
    }
    let text = rest.slice(0, start);
    let body = rest.slice(start + 2);
    const trimLeft = /^- /.test(body) || body === '-' || /^-\s/.test(body);
    if (trimLeft) {
      body = body.slice(1);
      text = text.trimEnd();
    }
    if (text) parts.push({ text });
    const comment = /^\s*\/\*[\s\S]*?\*\/\s*(-?)}}/.exec(body);
    if (comment) {
      rest = body.slice(comment[0].length);
      if (comment[1]) rest = rest.trimStart();
      continue;
    }
    const end = findActionEnd(body);
    if (end < 0) throw Errors.urlTemplateSyntax();
    let inner = body.slice(0, end);
    let trimRight = false;
    if (/\s-$/.test(inner)) {
      inner = inner.slice(0, -1);
      trimRight = true;
    }
    rest = body.slice(end + 2);
    if (trimRight) rest = rest.trimStart();
    const action = inner.trim();
    if (action === '') throw Errors.urlTemplateSyntax(); // "missing value for command"
    const word = /^[A-Za-z_]+/.exec(action)?.[0];
    if (word && KEYWORDS.has(word)) {
      if (word === 'end') {
        if (open === 0) throw Errors.urlTemplateSyntax();
        open--;
      } else if (word === 'if' || word === 'range' || word === 'with' || word === 'define' || word === 'block') {
        open++;
      } else if (word === 'else' && open === 0) {
        throw Errors.urlTemplateSyntax();
      }
      fieldError = true;
      continue;
    }
    const field = /^\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(action)?.[1];
    if (field && (TEMPLATE_FIELDS as readonly string[]).includes(field)) {
      parts.push({ field: field as (typeof TEMPLATE_FIELDS)[number] });
    } else {
      // String and char literals may hold anything; judge the action with them blanked out.
      const code = action.replace(/"(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)+'/g, '""');
      if (!/^[\w.$"()|:=\s,-]+$/.test(code) || unbalanced(code)) throw Errors.urlTemplateSyntax();
      fieldError = true;
    }
  }
  if (open > 0) throw Errors.urlTemplateSyntax(); // unexpected EOF
  if (fieldError) throw Errors.urlTemplateField();
  return parts;
}

export function renderUrlTemplate(template: string, data: TemplateData): string {
  return parseUrlTemplate(template)
    .map((p) => ('text' in p ? p.text : data[p.field]))
    .join('');
}

/** Index of the closing `}}` of an action, skipping quoted strings; -1 when unterminated. */
function findActionEnd(body: string): number {
  let quote: string | null = null;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
      else if (c === '\n' && quote !== '`') return -1;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '{' && body[i + 1] === '{')
      return -1; // nested action opener
    else if (c === '}' && body[i + 1] === '}') return i;
  }
  return -1;
}

function unbalanced(action: string): boolean {
  let depth = 0;
  for (const c of action) {
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return true;
  }
  return depth !== 0;
}
