import { LineReader } from './line-reader';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('LineReader', () => {
  it('splits lines across chunks, drops the \\r of \\r\\n, keeps an unfinished line pending', () => {
    const reader = new LineReader();
    expect(reader.push(bytes('PI'))).toEqual([]);
    expect(reader.pending).toBe(2);
    expect(reader.push(bytes('NG\r\nWHO\nMSG a b'))).toEqual([
      { kind: 'line', text: 'PING' },
      { kind: 'line', text: 'WHO' },
    ]);
    expect(reader.push(bytes('\n'))).toEqual([{ kind: 'line', text: 'MSG a b' }]);
    expect(reader.pending).toBe(0);
  });

  it('accepts exactly the cap, refuses one byte more once, and skips the rest of that line', () => {
    const reader = new LineReader(8);
    expect(reader.push(bytes('12345678\r\n'))).toEqual([{ kind: 'line', text: '12345678' }]);
    expect(reader.push(bytes('123456789\n'))).toEqual([
      expect.objectContaining({ kind: 'error', code: 'line_too_long' }),
    ]);
    // Refused as soon as it passes the cap, without waiting for a newline; memory stays bounded.
    expect(reader.push(bytes('x'.repeat(20)))).toEqual([
      expect.objectContaining({ kind: 'error', code: 'line_too_long' }),
    ]);
    expect(reader.pending).toBe(0);
    expect(reader.push(bytes('y'.repeat(1000)))).toEqual([]);
    expect(reader.pending).toBe(0);
    expect(reader.push(bytes('zz\nok\n'))).toEqual([{ kind: 'line', text: 'ok' }]);
  });

  it('refuses invalid UTF-8 (bad bytes, overlong forms, surrogates) line by line', () => {
    const reader = new LineReader();
    const bad = [[0xc3, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff]];
    for (const b of bad)
      expect(reader.push(Buffer.from([...b, 0x0a]))).toEqual([
        { kind: 'error', code: 'bad_encoding', message: 'lines must be UTF-8' },
      ]);
    // A character split across two chunks is fine.
    const e = bytes('é');
    expect(reader.push(e.subarray(0, 1))).toEqual([]);
    expect(reader.push(Buffer.concat([e.subarray(1), bytes('\n')]))).toEqual([
      { kind: 'line', text: 'é' },
    ]);
  });

  it('strips control characters but tab', () => {
    const reader = new LineReader();
    expect(reader.push(bytes('a\u0000b\u0007c\u001b[31m\td\u007f\u0085e\n'))).toEqual([
      { kind: 'line', text: 'abc[31m\tde' },
    ]);
  });
});
