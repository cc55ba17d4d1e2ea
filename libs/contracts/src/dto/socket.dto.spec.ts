import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import {
  checkSocketMessage,
  checkSync,
  checkTyping,
  SocketMessageDto,
  SYNC_MAX_ROOMS,
  TypingDto,
} from './socket.dto';

/** The DTO's verdict, as the gateway used to reach it (plain objects only). */
function dtoAccepts(cls: new () => object, payload: unknown): boolean {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return false;
  return validateSync(plainToInstance(cls, payload), { whitelist: true }).length === 0;
}

const long = 'x'.repeat(4000);
const messages: unknown[] = [
  { roomId: '0', message: 'hi' },
  { roomId: '0', message: 'hi', clientId: 'abc-1' },
  { roomId: '0', message: 'hi', clientId: null },
  { roomId: '3:12', message: long },
  { roomId: '3:12', message: `${long}x` },
  { roomId: '0', message: '😀'.repeat(4000) },
  { roomId: '0', message: '😀'.repeat(4001) },
  { roomId: '0', message: '   \n\t' },
  { roomId: '0', message: '' },
  { roomId: '0', message: 'a\ud800b' },
  { roomId: '0', message: 5 },
  { roomId: 0, message: 'hi' },
  { roomId: '12:3', message: 'hi' },
  { roomId: '0:1', message: 'hi' },
  { roomId: '0', message: 'hi', clientId: 'x'.repeat(65) },
  { roomId: '0', message: 'hi', clientId: 'has space' },
  { roomId: '0', message: 'hi', clientId: 7 },
  { roomId: '0', message: 'hi', from: '99', date: 1 },
  { message: 'hi' },
  {},
  null,
  [],
  'text',
  42,
];
const typings: unknown[] = [
  { roomId: '0', typing: true },
  { roomId: '1:2', typing: false },
  { roomId: '0', typing: 'yes' },
  { roomId: '0', typing: 1 },
  { roomId: 'x', typing: true },
  { typing: true },
  null,
  [],
];

describe('the socket hot-path checks agree with the DTO classes', () => {
  it.each(messages.map((p) => [JSON.stringify(p)?.slice(0, 60), p]))(
    'message %s',
    (_label, payload) => {
      const fast = checkSocketMessage(payload);
      expect(typeof fast !== 'string').toBe(dtoAccepts(SocketMessageDto, payload));
    },
  );

  it.each(typings.map((p) => [JSON.stringify(p), p]))('typing %s', (_label, payload) => {
    const fast = checkTyping(payload);
    expect(typeof fast !== 'string').toBe(dtoAccepts(TypingDto, payload));
  });

  it('keeps only the contract fields (from and date are never passed on)', () => {
    expect(checkSocketMessage({ roomId: '0', message: 'hi', from: '9', date: 1 })).toEqual({
      roomId: '0',
      message: 'hi',
    });
  });
});

describe('checkSync (the socket event and POST /api/sync)', () => {
  it('returns the cursors of rooms, "0" or a message id each', () => {
    const cursors = { '0': '0', '3:12': '1733299200000-0' };
    expect(checkSync({ cursors })).toEqual(cursors);
    expect(checkSync({ cursors: {} })).toEqual({});
  });

  it.each([
    ['no payload', undefined, /cursors must be an object/],
    ['an array payload', [{ cursors: {} }], /cursors must be an object/],
    ['cursors as an array', { cursors: ['0'] }, /cursors must be an object/],
    ['a cursor that is no message id', { cursors: { '0': 'yesterday' } }, /each cursor/],
    ['a room id that cannot exist', { cursors: { 'no room': '0' } }, /each cursor/],
    ['a cursor that is a number', { cursors: { '0': 0 } }, /each cursor/],
  ])('refuses %s', (_name, payload, message) => {
    expect(checkSync(payload)).toMatch(message);
  });

  it(`refuses more than ${SYNC_MAX_ROOMS} rooms`, () => {
    const many = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`${i + 1}:${i + 2}`, '0']));
    expect(typeof checkSync({ cursors: many(SYNC_MAX_ROOMS) })).toBe('object');
    expect(checkSync({ cursors: many(SYNC_MAX_ROOMS + 1) })).toMatch(/at most 200 rooms/);
  });
});
