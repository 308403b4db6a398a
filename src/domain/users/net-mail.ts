// Go's net/mail.ParseAddress, as upstream uses it for email addresses (spec §2.4): the same
// grammar, the same results ({name, address}) and the same error texts, which the shape rule
// passes on in its `| caused by:` suffix. Written from the behaviour of Go's parser:
// - an addr-spec is tried first (local part: dot-atom or quoted-string; domain: dot-atom or
//   an IP domain-literal), then `[phrase] <addr-spec>`, then a group `name: addr, …;`;
// - atoms take any printable ASCII but the specials, and any non-ASCII character (`jöhn`);
// - a comment after a bare addr-spec becomes its display name (`a@b.ch (Ada)`).
// Left out: RFC 2047 encoded words (`=?utf-8?q?…?=`) in display names are kept undecoded, so a
// malformed one is not an error here; JavaScript strings cannot carry Go's invalid-UTF-8 cases.
import { isIP } from 'node:net';

export interface MailAddress {
  /** The display name; empty for a bare addr-spec. */
  name: string;
  /** local@domain, the local part unquoted. */
  address: string;
}

export type ParsedAddress = { ok: true; value: MailAddress } | { ok: false; error: string };

class MailError extends Error {}
const fail = (message: string): never => {
  throw new MailError(message);
};

const SPECIALS = new Set(['(', ')', '<', '>', '[', ']', ':', ';', '@', '\\', ',', '"']);
const isVchar = (c: string) => (c >= '!' && c <= '~') || (c.codePointAt(0) ?? 0) >= 0x80;
const isAtext = (c: string, dot: boolean) => (c === '.' ? dot : !SPECIALS.has(c) && isVchar(c));
const isWsp = (c: string) => c === ' ' || c === '\t';
const isQtext = (c: string) => c !== '\\' && c !== '"' && isVchar(c);
const isDtext = (c: string) => (c >= '!' && c <= 'Z') || (c >= '^' && c <= '~') || (c.codePointAt(0) ?? 0) >= 0x80;
/** Go's %q of one rune, for the common (printable) case. */
const quoteRune = (c: string) => (c === "'" ? `'\\''` : c === '\\' ? `'\\\\'` : `'${c}'`);
/** Go's %q of a string, for the common (printable) case. */
const quote = (s: string) => JSON.stringify(s);

class Parser {
  constructor(public s: string) {}

  empty() {
    return this.s.length === 0;
  }
  peek() {
    return this.s[0];
  }
  consume(c: string) {
    if (this.s[0] !== c) return false;
    this.s = this.s.slice(1);
    return true;
  }
  skipSpace() {
    this.s = this.s.replace(/^[ \t]+/, '');
  }
  skipCfws(): boolean {
    this.skipSpace();
    while (this.consume('(')) {
      if (!this.consumeComment().ok) return false;
      this.skipSpace();
    }
    return true;
  }

  parseSingle(): MailAddress {
    const addresses = this.parseAddress(true);
    if (!this.skipCfws()) fail('mail: misformatted parenthetical comment');
    if (!this.empty()) fail(`mail: expected single address, got ${quote(this.s)}`);
    if (addresses.length === 0) fail('mail: empty group');
    if (addresses.length > 1) fail('mail: group with multiple addresses');
    return addresses[0] as MailAddress;
  }

  parseAddress(handleGroup: boolean): MailAddress[] {
    this.skipSpace();
    if (this.empty()) fail('mail: no address');
    const spec = this.tryAddrSpec();
    if (spec !== undefined) {
      let name = '';
      this.skipSpace();
      if (!this.empty() && this.peek() === '(') name = this.consumeDisplayNameComment();
      return [{ name, address: spec }];
    }
    let name = '';
    if (this.peek() !== '<') name = this.consumePhrase();
    this.skipSpace();
    if (handleGroup && this.consume(':')) return this.consumeGroupList();
    if (!this.consume('<')) {
      const atext = [...name].every((c) => isAtext(c, true));
      fail(atext ? "mail: missing '@' or angle-addr" : 'mail: no angle-addr');
    }
    const address = this.consumeAddrSpec();
    if (!this.consume('>')) fail('mail: unclosed angle-addr');
    return [{ name, address }];
  }

  consumeGroupList(): MailAddress[] {
    const group: MailAddress[] = [];
    this.skipSpace();
    if (this.consume(';')) {
      if (!this.skipCfws()) fail('mail: misformatted parenthetical comment');
      return group;
    }
    for (;;) {
      this.skipSpace();
      group.push(...this.parseAddress(false));
      if (!this.skipCfws()) fail('mail: misformatted parenthetical comment');
      if (this.consume(';')) {
        if (!this.skipCfws()) fail('mail: misformatted parenthetical comment');
        return group;
      }
      if (!this.consume(',')) fail('mail: expected comma');
    }
  }

  /** An addr-spec, or undefined with the input left as it was (Go restores the parser). */
  tryAddrSpec(): string | undefined {
    const saved = this.s;
    try {
      return this.consumeAddrSpec();
    } catch (error) {
      if (!(error instanceof MailError)) throw error;
      this.s = saved;
      return undefined;
    }
  }

  consumeAddrSpec(): string {
    this.skipSpace();
    if (this.empty()) fail('mail: no addr-spec');
    let local: string;
    if (this.peek() === '"') {
      local = this.consumeQuotedString();
      if (local === '') fail('mail: empty quoted-string in addr-spec');
    } else {
      local = this.consumeAtom(true, false);
    }
    if (!this.consume('@')) fail('mail: missing @ in addr-spec');
    this.skipSpace();
    if (this.empty()) fail('mail: no domain in addr-spec');
    const domain = this.peek() === '[' ? this.consumeDomainLiteral() : this.consumeAtom(true, false);
    return `${local}@${domain}`;
  }

  consumeAtom(dot: boolean, permissive: boolean): string {
    let atom = '';
    for (const c of this.s) {
      if (!isAtext(c, dot)) break;
      atom += c;
    }
    if (atom === '') fail('mail: invalid string');
    this.s = this.s.slice(atom.length);
    if (!permissive) {
      if (atom.startsWith('.')) fail('mail: leading dot in atom');
      if (atom.includes('..')) fail('mail: double dot in atom');
      if (atom.endsWith('.')) fail('mail: trailing dot in atom');
    }
    return atom;
  }

  consumeQuotedString(): string {
    let out = '';
    let escaped = false;
    let i = 1;
    for (;;) {
      const c = String.fromCodePoint(this.s.codePointAt(i) ?? 0);
      if (i >= this.s.length) fail('mail: unclosed quoted-string');
      if (escaped) {
        if (!isVchar(c) && !isWsp(c)) fail(`mail: bad character in quoted-string: ${quoteRune(c)}`);
        out += c;
        escaped = false;
      } else if (isQtext(c) || isWsp(c)) {
        out += c;
      } else if (c === '"') {
        break;
      } else if (c === '\\') {
        escaped = true;
      } else {
        fail(`mail: bad character in quoted-string: ${quoteRune(c)}`);
      }
      i += c.length;
    }
    this.s = this.s.slice(i + 1);
    return out;
  }

  consumeDomainLiteral(): string {
    this.consume('[');
    let dtext = '';
    for (;;) {
      if (this.empty()) fail('mail: unclosed domain-literal');
      if (this.peek() === ']') break;
      const c = String.fromCodePoint(this.s.codePointAt(0) ?? 0);
      if (!isDtext(c)) fail(`mail: bad character in domain-literal: ${quoteRune(c)}`);
      dtext += c;
      this.s = this.s.slice(c.length);
    }
    this.consume(']');
    if (isIP(dtext) === 0) fail(`mail: invalid IP address in domain-literal: ${quote(dtext)}`);
    return `[${dtext}]`;
  }

  consumePhrase(): string {
    const words: string[] = [];
    let lastError: string | undefined;
    for (;;) {
      if (words.length > 0 && !this.skipCfws()) fail('mail: misformatted parenthetical comment');
      this.skipSpace();
      if (this.empty()) break;
      try {
        words.push(this.peek() === '"' ? this.consumeQuotedString() : this.consumeAtom(true, true));
      } catch (error) {
        if (!(error instanceof MailError)) throw error;
        lastError = error.message;
        break;
      }
    }
    if (lastError !== undefined && words.length === 0) fail(`mail: missing word in phrase: ${lastError}`);
    return words.join(' ');
  }

  /** After '(' : the comment's text and whether it was closed. */
  consumeComment(): { text: string; ok: boolean } {
    let depth = 1;
    let text = '';
    while (!this.empty() && depth > 0) {
      if (this.peek() === '\\' && this.s.length > 1) this.s = this.s.slice(1);
      else if (this.peek() === '(') depth++;
      else if (this.peek() === ')') depth--;
      if (depth > 0) text += this.s[0];
      this.s = this.s.slice(1);
    }
    return { text, ok: depth === 0 };
  }

  consumeDisplayNameComment(): string {
    this.consume('(');
    const { text, ok } = this.consumeComment();
    if (!ok) fail('mail: misformatted parenthetical comment');
    return text
      .split(/[ \t]+/)
      .filter(Boolean)
      .join(' ');
  }
}

/** Parses one address as Go's `mail.ParseAddress` does; the error text is Go's. */
export function parseAddress(input: string): ParsedAddress {
  try {
    return { ok: true, value: new Parser(input).parseSingle() };
  } catch (error) {
    if (error instanceof MailError) return { ok: false, error: error.message };
    throw error;
  }
}
