import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { Limits } from '../limits';
import { LoginDto, RegisterDto } from './auth.dto';
import { HistoryQueryDto, SendMessageDto } from './message.dto';
import { CreateDmDto } from './room.dto';
import { UsersQueryDto } from './user.dto';

type Ctor<T> = new () => T;

/** What Nest's ValidationPipe does: plain → instance (transforms applied) → validate. */
function check<T extends object>(cls: Ctor<T>, plain: Record<string, unknown>) {
  const instance = plainToInstance(cls, plain);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: false });
  return { instance, errors, fields: errors.map((e: ValidationError) => e.property) };
}

const ok = <T extends object>(cls: Ctor<T>, plain: Record<string, unknown>) =>
  expect(check(cls, plain).errors).toEqual([]);
const bad = <T extends object>(cls: Ctor<T>, plain: Record<string, unknown>, field: string) =>
  expect(check(cls, plain).fields).toContain(field);

describe('SendMessageDto', () => {
  const EMOJI = '😀'; // one code point, two UTF-16 units, four UTF-8 bytes

  it.each<[string, unknown]>([
    ['one character', 'a'],
    ['text with surrounding spaces', '  hi  '],
    ['4000 ASCII characters', 'x'.repeat(4000)],
    ['4000 emoji (8000 UTF-16 units)', EMOJI.repeat(Limits.messageMaxCodePoints)],
    ['HTML, kept raw', '<script>alert(1)</script>'],
    ['newlines inside text', 'line 1\nline 2'],
  ])('accepts %s', (_case, message) => {
    ok(SendMessageDto, { message });
  });

  it.each<[string, unknown]>([
    ['4001 emoji', EMOJI.repeat(Limits.messageMaxCodePoints + 1)],
    ['4001 ASCII characters', 'x'.repeat(4001)],
    ['empty', ''],
    ['spaces only', '     '],
    ['mixed white space only', ' \t\n\r\u00a0\u2003\u3000'],
    ['a number', 42],
    ['an array', ['hi']],
    ['an object', { text: 'hi' }],
    ['null', null],
    ['a boolean', true],
    ['missing', undefined],
  ])('rejects %s', (_case, message) => {
    bad(SendMessageDto, { message }, 'message');
  });

  it('is cheap on a huge input (stops counting past the limit)', () => {
    bad(SendMessageDto, { message: 'x'.repeat(5_000_000) }, 'message');
  });

  it('takes an optional clientId of 1..64 printable ASCII characters', () => {
    ok(SendMessageDto, { message: 'hi' });
    ok(SendMessageDto, { message: 'hi', clientId: 'a' });
    ok(SendMessageDto, { message: 'hi', clientId: 'c'.repeat(64) });
    ok(SendMessageDto, { message: 'hi', clientId: '550e8400-e29b-41d4-a716-446655440000' });
    bad(SendMessageDto, { message: 'hi', clientId: 'c'.repeat(65) }, 'clientId');
    bad(SendMessageDto, { message: 'hi', clientId: '' }, 'clientId');
    bad(SendMessageDto, { message: 'hi', clientId: 'has space' }, 'clientId');
    bad(SendMessageDto, { message: 'hi', clientId: 'é' }, 'clientId');
    bad(SendMessageDto, { message: 'hi', clientId: 12 }, 'clientId');
  });
});

describe('RegisterDto / LoginDto', () => {
  const PW = 'password123';

  it.each(['Pablo', 'a', 'A'.repeat(32), 'user_1', 'first.last', 'x-y', '0', '...'])(
    'accepts the username %j',
    (username) => {
      ok(RegisterDto, { username, password: PW });
    },
  );

  it.each<[string, unknown]>([
    ['empty', ''],
    ['33 characters', 'a'.repeat(33)],
    ['a space', 'pa blo'],
    ['leading space (names are not trimmed)', ' pablo'],
    ['punctuation', 'pablo!'],
    ['a colon', 'a:b'],
    ['non-ASCII letters', 'josé'],
    ['a newline at the end', 'pablo\n'],
    ['a number', 12345],
    ['null', null],
    ['missing', undefined],
  ])('rejects a username with %s', (_case, username) => {
    bad(RegisterDto, { username, password: PW }, 'username');
  });

  it.each<[string, string]>([
    ['8 ASCII bytes', 'a'.repeat(8)],
    ['72 ASCII bytes', 'a'.repeat(72)],
    ["'é' × 36 = 72 bytes", 'é'.repeat(36)],
    ["'é' × 4 = 8 bytes", 'é'.repeat(4)],
    ['18 emoji = 72 bytes', '😀'.repeat(18)],
    ['spaces count', '        '],
  ])('accepts a password of %s', (_case, password) => {
    ok(RegisterDto, { username: 'pablo', password });
  });

  it.each<[string, unknown]>([
    ['7 bytes', 'a'.repeat(7)],
    ['73 bytes', 'a'.repeat(73)],
    ["'é' × 37 = 74 bytes (37 characters)", 'é'.repeat(37)],
    ["'é' × 3 = 6 bytes", 'é'.repeat(3)],
    ['19 emoji = 76 bytes', '😀'.repeat(19)],
    ['empty', ''],
    ['a number', 12345678],
    ['an array', ['password123']],
    ['missing', undefined],
  ])('rejects a password of %s', (_case, password) => {
    bad(RegisterDto, { username: 'pablo', password }, 'password');
  });

  it('answers a password with lone surrogates with a field error, not an exception', () => {
    // JSON bodies can carry "\ud800"; the validator must not throw (which would be a 500).
    let result: ReturnType<typeof check> | undefined;
    expect(() => {
      result = check(RegisterDto, { username: 'pablo', password: '\ud800'.repeat(10) });
    }).not.toThrow();
    expect(result?.fields).toEqual(['password']);
    expect(() => check(LoginDto, { username: 'pablo', password: 'abc\udc00defgh' })).not.toThrow();
  });

  it('LoginDto applies the same rules', () => {
    ok(LoginDto, { username: 'Pablo', password: PW });
    bad(LoginDto, { username: 'Pablo', password: 'short' }, 'password');
    bad(LoginDto, { username: 'no way', password: PW }, 'username');
  });

  it('gives readable messages', () => {
    const { errors } = check(RegisterDto, { username: '', password: 'x' });
    const messages = errors.flatMap((e) => Object.values(e.constraints ?? {}));
    expect(messages).toEqual(
      expect.arrayContaining([
        'username must be 1-32 characters of letters, digits, _ . -',
        'password must be 8 to 72 bytes',
      ]),
    );
  });
});

describe('UsersQueryDto', () => {
  const ids = (plain: Record<string, unknown>) => check(UsersQueryDto, plain);

  it('splits a comma list', () => {
    const r = ids({ ids: '1,2,3' });
    expect(r.errors).toEqual([]);
    expect(r.instance.ids).toEqual(['1', '2', '3']);
  });

  it('takes one id as a string', () => {
    const r = ids({ ids: '7' });
    expect(r.errors).toEqual([]);
    expect(r.instance.ids).toEqual(['7']);
  });

  it('takes an array (repeated ?ids=)', () => {
    const r = ids({ ids: ['4', '5'] });
    expect(r.errors).toEqual([]);
    expect(r.instance.ids).toEqual(['4', '5']);
  });

  it('takes an array of comma lists', () => {
    expect(ids({ ids: ['1,2', '3'] }).instance.ids).toEqual(['1', '2', '3']);
  });

  it("takes an axios-style object ({ '0': '1', '1': '2' })", () => {
    const r = ids({ ids: { 0: '1', 1: '2' } });
    expect(r.errors).toEqual([]);
    expect(r.instance.ids).toEqual(['1', '2']);
  });

  it('ignores empty items ("1,,2," and a trailing comma)', () => {
    expect(ids({ ids: '1,,2,' }).instance.ids).toEqual(['1', '2']);
  });

  it('is optional', () => {
    const r = ids({});
    expect(r.errors).toEqual([]);
    expect(r.instance.ids).toBeUndefined();
  });

  it('accepts exactly 500 ids', () => {
    const list = Array.from({ length: 500 }, (_, i) => String(i + 1));
    expect(ids({ ids: list.join(',') }).errors).toEqual([]);
    expect(ids({ ids: list }).errors).toEqual([]);
  });

  it.each<[string, unknown]>([
    ['501 ids as a comma list', Array.from({ length: 501 }, (_, i) => String(i + 1)).join(',')],
    ['501 ids as an array', Array.from({ length: 501 }, (_, i) => String(i + 1))],
    [
      '501 ids as an object',
      Object.fromEntries(Array.from({ length: 501 }, (_, i) => [String(i), String(i + 1)])),
    ],
    ['a huge array', Array.from({ length: 100_000 }, () => '1')],
    ['a non-numeric id', '1,abc'],
    ['id 0', '0'],
    ['a leading zero', '01'],
    ['a negative id', '-1'],
    ['a decimal', '1.5'],
    ['nested arrays', [['1']]],
    ['a number', 5],
    ['spaces', '1, 2'],
  ])('refuses %s', (_case, value) => {
    bad(UsersQueryDto, { ids: value }, 'ids');
  });
});

describe('HistoryQueryDto', () => {
  it('has no required fields', () => {
    const r = check(HistoryQueryDto, {});
    expect(r.errors).toEqual([]);
    expect(r.instance.limit).toBeUndefined();
    expect(r.instance.before).toBeUndefined();
  });

  it('turns the limit query string into a number', () => {
    const r = check(HistoryQueryDto, { before: '1763784000123-0', limit: '50' });
    expect(r.errors).toEqual([]);
    expect(r.instance.limit).toBe(50);
    expect(r.instance.before).toBe('1763784000123-0');
  });

  it.each(['1', '100'])('accepts limit %s', (limit) => {
    ok(HistoryQueryDto, { limit });
  });

  it.each(['0', '101', '-1', '1.5', 'abc', '', '1e2x'])('rejects limit %j', (limit) => {
    bad(HistoryQueryDto, { limit }, 'limit');
  });

  it.each(['1-0', '1763784000123-12'])('accepts before=%s', (before) => {
    ok(HistoryQueryDto, { before });
  });

  it.each<[string, unknown]>([
    ['a word', 'abc'],
    ['a bare time', '1763784000123'],
    ['the + range marker', '+'],
    ['an exclusive range', '(1-0'],
    ['extra text', '1-0 OR 1'],
    ['too many digits', `${'1'.repeat(21)}-0`],
    ['an array', ['1-0', '2-0']],
    ['a number', 5],
  ])('rejects before as %s', (_case, before) => {
    bad(HistoryQueryDto, { before }, 'before');
  });
});

describe('CreateDmDto', () => {
  it('takes a decimal user id string', () => {
    ok(CreateDmDto, { userId: '12' });
    bad(CreateDmDto, { userId: '0' }, 'userId');
    bad(CreateDmDto, { userId: 12 }, 'userId');
    bad(CreateDmDto, { userId: 'x' }, 'userId');
    bad(CreateDmDto, {}, 'userId');
  });
});
