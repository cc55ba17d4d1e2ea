import { DomainError } from '../errors/domain-error';
import { Cursor } from './cursor';

describe('Cursor', () => {
  it('round-trips any position, including non-ASCII names', () => {
    for (const value of ['design\u0000g123', 'ü-room\u0000gabc', '42']) {
      expect(Cursor.decode(Cursor.encode(value) ?? undefined)).toBe(value);
    }
  });

  it('no cursor means the first page', () => {
    expect(Cursor.decode(undefined)).toBeNull();
    expect(Cursor.decode('')).toBeNull();
  });

  it.each(['!!not-a-cursor!!', 'abc=', 'a b', 'ZGVzaWdu+'])(
    'refuses %p as a bad request',
    (forged) => {
      expect(() => Cursor.decode(forged)).toThrow(DomainError);
      try {
        Cursor.decode(forged);
      } catch (err) {
        expect((err as DomainError).code).toBe('bad_request');
      }
    },
  );
});
