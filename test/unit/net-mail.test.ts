// src/domain/users/net-mail.ts: Go's mail.ParseAddress, results and error texts.
import { describe, expect, it } from 'vitest';
import { parseAddress } from '../../src/domain/users/net-mail.js';

describe('parseAddress', () => {
  it.each([
    ['a@b.ch', '', 'a@b.ch'],
    ['  a@b.ch\t', '', 'a@b.ch'],
    ['"john doe"@acme.ch', '', 'john doe@acme.ch'],
    ['"a\\"b"@acme.ch', '', 'a"b@acme.ch'],
    ['jöhn@acme.ch', '', 'jöhn@acme.ch'],
    ['a@[1.2.3.4]', '', 'a@[1.2.3.4]'],
    ['a@[::1]', '', 'a@[::1]'],
    ['Ada <ada@acme.ch>', 'Ada', 'ada@acme.ch'],
    ['Ada  Lovelace<ada@acme.ch>', 'Ada Lovelace', 'ada@acme.ch'],
    ['"Lovelace, Ada" <ada@acme.ch>', 'Lovelace, Ada', 'ada@acme.ch'],
    ['<ada@acme.ch>', '', 'ada@acme.ch'],
    ['ada@acme.ch (Ada  L.)', 'Ada L.', 'ada@acme.ch'],
    ['Ada (the first) <ada@acme.ch>', 'Ada', 'ada@acme.ch'],
    ['g: Ada <ada@acme.ch>;', 'Ada', 'ada@acme.ch'],
  ])('%j → name %j, address %j', (input, name, address) => {
    expect(parseAddress(input)).toEqual({ ok: true, value: { name, address } });
  });

  it.each([
    ['', 'mail: no address'],
    ['   ', 'mail: no address'],
    ['plainaddress', "mail: missing '@' or angle-addr"],
    ['a@', "mail: missing '@' or angle-addr"],
    ['Ada.Lovelace', "mail: missing '@' or angle-addr"], // could have been an address
    ['Ada Lovelace', 'mail: no angle-addr'], // a name: the space is not atext
    ['"Ada Lovelace"', 'mail: no angle-addr'],
    ['@b.ch', 'mail: missing word in phrase: mail: invalid string'],
    ['Ada <ada@acme.ch', 'mail: unclosed angle-addr'],
    ['Ada <ada>', 'mail: missing @ in addr-spec'],
    ['<a..b@c.ch>', 'mail: double dot in atom'],
    ['<.a@c.ch>', 'mail: leading dot in atom'],
    ['<a.@c.ch>', 'mail: trailing dot in atom'],
    ['<a@>', 'mail: invalid string'], // the domain atom is empty
    ['<a@ ', 'mail: no domain in addr-spec'],
    ['<""@b.ch>', 'mail: empty quoted-string in addr-spec'],
    // a failed bare addr-spec falls back to `phrase <angle-addr>`, whose error Go reports
    ['a@[1.2.3]', "mail: missing '@' or angle-addr"],
    ['<a@[1.2.3]>', 'mail: invalid IP address in domain-literal: "1.2.3"'],
    ['a@[1.2.3.4', "mail: missing '@' or angle-addr"],
    ['<a@[1.2.3.4>', 'mail: unclosed domain-literal'],
    ['<a@[1[2]>', "mail: bad character in domain-literal: '['"],
    ['a@b.ch c', 'mail: expected single address, got "c"'],
    ['a@b.ch, c@d.ch', 'mail: expected single address, got ", c@d.ch"'],
    ['a@b.ch (Ada', 'mail: misformatted parenthetical comment'],
    ['g:;', 'mail: empty group'],
    ['g: a@b.ch, c@d.ch;', 'mail: group with multiple addresses'],
    ['g: a@b.ch c@d.ch;', 'mail: expected comma'],
    ['"a', 'mail: missing word in phrase: mail: unclosed quoted-string'],
    ['"a\u0001"@b.ch', "mail: missing word in phrase: mail: bad character in quoted-string: '\u0001'"],
  ])('%j → %j', (input, error) => {
    expect(parseAddress(input)).toEqual({ ok: false, error });
  });
});
