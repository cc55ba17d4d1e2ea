import { escapeText, firstWord, lineDate, splitVerb, unescapeText } from './line-format';

describe('line format', () => {
  it('escapes a message onto one line: backslash, newline, CR, tab, other controls as \\xHH', () => {
    expect(escapeText('a\\b\nc\r\td\u001b[0m\u0000\u007f\u0085 é')).toBe(
      'a\\\\b\\nc\\r\\td\\x1b[0m\\x00\\x7f\\x85 é',
    );
  });

  it('unescapes what a door user types: \\n, \\t, \\\\; other backslashes stay', () => {
    expect(unescapeText('one\\ntwo\\tx \\\\n \\q \\')).toBe('one\ntwo\tx \\n \\q \\');
    for (const text of ['plain', 'a\nb', 'back\\slash', '\\n literally', 'tab\there'])
      expect(unescapeText(escapeText(text))).toBe(text);
  });

  it('splits the verb (case-insensitive) from the rest, and the first word of the rest', () => {
    expect(splitVerb('msg bob  two  spaces ')).toEqual({ verb: 'MSG', rest: 'bob  two  spaces ' });
    expect(splitVerb('  PING')).toEqual({ verb: 'PING', rest: '' });
    expect(splitVerb('   ')).toEqual({ verb: '', rest: '' });
    expect(firstWord('bob  hello there')).toEqual(['bob', ' hello there']);
    expect(firstWord('bob')).toEqual(['bob', '']);
  });

  it('writes dates in UTC, cut to the second', () => {
    expect(lineDate({ date: 1796355214.789 })).toBe('2026-12-04T03:33:34Z');
  });
});
