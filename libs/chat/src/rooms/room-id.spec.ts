import { dmRoomId, newGroupRoomId, parseRoomId } from './room-id';

describe('dmRoomId', () => {
  it.each([
    ['3', '12', '3:12'],
    ['12', '3', '3:12'],
    ['1', '2', '1:2'],
    ['2', '1', '1:2'],
    ['9', '10', '9:10'],
    ['10', '9', '9:10'],
    ['100', '99', '99:100'],
    ['1234567', '234567', '234567:1234567'],
  ])('(%s, %s) → %s (numeric order, not text order)', (a, b, id) => {
    expect(dmRoomId(a, b)).toBe(id);
  });

  it('is what parseRoomId accepts, with the members in order', () => {
    expect(parseRoomId(dmRoomId('12', '3'))).toEqual({ kind: 'dm', members: ['3', '12'] });
  });
});

describe('parseRoomId', () => {
  it('knows General', () => {
    expect(parseRoomId('0')).toEqual({ kind: 'general' });
  });

  it.each([
    ['3:12', ['3', '12']],
    ['1:2', ['1', '2']],
    ['9:10', ['9', '10']],
    ['1:1234567890123456', ['1', '1234567890123456']],
  ])('accepts the DM id %s', (id, members) => {
    expect(parseRoomId(id)).toEqual({ kind: 'dm', members });
  });

  it.each<[string, unknown]>([
    ['larger id first', '12:3'],
    ['a DM with yourself', '3:3'],
    ['letters', 'a:b'],
    ['leading zero, first', '01:2'],
    ['leading zero, second', '1:02'],
    ['user 0', '0:1'],
    ['negative', '-1:2'],
    ['three parts', '1:2:3'],
    ['one part', '12'],
    ['empty second part', '1:'],
    ['empty first part', ':1'],
    ['other separator', '1-2'],
    ['padding', ' 1:2'],
    ['trailing newline', '1:2\n'],
    ['General padded', '0 '],
    ['General as 00', '00'],
    ['decimal point', '1.0:2'],
    ['exponent', '1e3:2000'],
    ['unicode digits', '١:٢'],
    ['empty string', ''],
    ['overlong first id', `${'1'.repeat(17)}:${'2'.repeat(17)}`],
    ['overlong second id', `1:${'2'.repeat(17)}`],
    ['very long', '1:' + '9'.repeat(10_000)],
    ['number 0', 0],
    ['number', 12],
    ['object', { id: '0' }],
    ['array', ['1', '2']],
    ['null', null],
    ['undefined', undefined],
    ['boolean', true],
  ])('rejects %s', (_case, id) => {
    expect(parseRoomId(id)).toBeNull();
  });
});

describe('newGroupRoomId', () => {
  it('is opaque: never General, never a DM-like id with a colon, and parsed as a group room', () => {
    const ids = new Set(Array.from({ length: 2000 }, () => newGroupRoomId()));
    expect(ids.size).toBe(2000);
    for (const id of ids) {
      expect(id).not.toBe('0');
      expect(id).not.toContain(':');
      expect(parseRoomId(id)).toEqual({ kind: 'group' });
    }
  });

  it.each([
    'g',
    'gAAAAAAAAAAAAAAAA',
    'g0000000000000000',
    `g${'a'.repeat(17)}`,
    'xabcdefghijklmnop',
  ])('does not take %s for a group id', (id) => {
    expect(parseRoomId(id)).toBeNull();
  });
});
