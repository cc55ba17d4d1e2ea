import { checkSocketMessage } from './socket.dto';
import { isChatText } from './validators';

// Issue 12: a message of invisible characters only showed as an empty bubble.
describe('isChatText: at least one visible character', () => {
  it.each([
    '\u200b',
    '\u200b\u2060\ufeff',
    '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c',
    '\ufe00\ufe0f\u{e0100}\u{e01ef}',
    '\u00ad\u034f\u115f\u1160\u3164\uffa0\u180e\u2800',
    '\u2061\u2062\u2063\u2064',
    '\u{e0001}\u{e0020}\u{e007f}',
    ' \u200b\n\t\u00a0\u2060 ',
  ])('refuses %j', (text) => {
    expect(isChatText(text)).toBe(false);
    expect(typeof checkSocketMessage({ roomId: '0', message: text })).toBe('string');
  });

  it.each(['a', ' a ', '\u200bx', '👍', '👩\u200d💻', '❤\ufe0f', 'e\u0301', '中文', '.'])(
    'accepts %j',
    (text) => {
      expect(isChatText(text)).toBe(true);
      expect(checkSocketMessage({ roomId: '0', message: text })).toEqual({
        roomId: '0',
        message: text,
      });
    },
  );

  it('stays cheap on 4000 invisible characters', () => {
    const text = '\u200b'.repeat(4000);
    const started = process.hrtime.bigint();
    for (let i = 0; i < 100; i += 1) expect(isChatText(text)).toBe(false);
    // 100 full scans; a regular expression that backtracked would take seconds.
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1000);
  });
});
