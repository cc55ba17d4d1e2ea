import type { Socket } from 'socket.io-client';
import type { Message as Msg } from '@app/contracts';
import request from 'supertest';
import { waitFor } from './support/api';
import {
  collect,
  connectSocket,
  registerUser,
  sleep,
  Stack,
  startStack,
  TestUser,
  fetchHistory,
} from './support/stack';

interface ErrorBody {
  code: string;
  message: string;
  retryAfterMs?: number;
}

type Ack = { ok: true; [key: string]: unknown } | { ok: false; error: ErrorBody };

const NO_ACK = 'no ack';
const ACK_TIMEOUT_MS = 5_000;

/** Emits with an ack callback; a missing ack becomes a value to assert on, never a hang. */
async function ackOf(socket: Socket, event: string, args: unknown[]): Promise<Ack | string> {
  try {
    return (await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, ...args)) as Ack;
  } catch {
    return NO_ACK;
  }
}

/** The stored message of an ok ack (throws, and so fails the test, on anything else). */
function messageOf(ack: Ack | string): Msg {
  if (typeof ack === 'string' || !ack.ok)
    throw new Error(`expected an ok ack, got ${JSON.stringify(ack)}`);
  return ack.message as Msg;
}

/** Deterministic PRNG (mulberry32): the same seed replays the same 1,000 payloads. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.PARLEY_FUZZ_SEED ?? 0x5eed2026);
const FUZZ_COUNT = 1000;
const HUGE = 60_000; // ASCII: the whole frame stays under the 64 KB limit
const MAX_ID = '18446744073709551615-18446744073709551615';

/** An own enumerable property, even for names such as `__proto__` (as JSON.parse would make). */
function own<T extends object>(obj: T, key: string, value: unknown): T {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  return obj;
}

function nest(depth: number, leaf: unknown, asArray: boolean): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i += 1) value = asArray ? [value] : { a: value };
  return value;
}

interface FuzzCase {
  index: number;
  event: 'message' | 'room.join' | 'typing' | 'sync';
  args: unknown[];
  valid: boolean;
  kind: string;
  /** For valid `message` cases: what the stored message must be. */
  expectMessage?: { roomId: string; text: string; clientId?: string };
  /** For valid `sync` cases: the rooms the reply must contain exactly. */
  expectRooms?: string[];
}

interface Ids {
  me: string;
  ownDm: string;
  foreignDm: string;
  /** A real message id of General, for cursors. */
  someId: string;
}

function makeCases(ids: Ids): FuzzCase[] {
  const rng = mulberry32(SEED);
  const int = (n: number) => Math.floor(rng() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)];
  const chance = (p: number) => rng() < p;
  const members = ['0', ids.ownDm];
  const garbageChars = 'abcXYZ:-_ \t\n\u0000\u200b\ud83d\ude00é"\'\\<>{}[]%$';
  const garbage = (len: number) => {
    // Starts with a letter, so it is never a room id or a message id by accident.
    let s = pick(['q', 'Z', 'x']);
    for (let i = 1; i < len; i += 1) s += garbageChars[int(garbageChars.length)];
    return s;
  };
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const keyPool = ['a', 'b', '__proto__', 'constructor', 'prototype', 'toString', 'then', 'length'];

  /** Any JSON-ish or binary value; at most one huge string per payload (frame budget). */
  const randomValue = (depth: number, budget: { huge: number }): unknown => {
    switch (int(depth > 2 ? 7 : 11)) {
      case 0:
        return null;
      case 1:
        return pick([0, -1, 1.5, 1e308, -0, Number.MAX_SAFE_INTEGER, 2 ** 64, int(1e6)]);
      case 2:
        return chance(0.5);
      case 3:
        return garbage(1 + int(40));
      case 4:
        if (budget.huge > 0) {
          budget.huge -= 1;
          return pick(['x', 'Ω', '0'])[0].repeat(HUGE / 2);
        }
        return '';
      case 5:
        return bytes(int(2048));
      case 6:
        return pick([{}, [], '', [[]], { '': '' }]);
      case 7:
        return Array.from({ length: int(5) }, () => randomValue(depth + 1, budget));
      case 8: {
        const obj: Record<string, unknown> = {};
        for (let i = int(5); i > 0; i -= 1) own(obj, pick(keyPool), randomValue(depth + 1, budget));
        return obj;
      }
      case 9:
        return nest(50, randomValue(3, budget), chance(0.5));
      default:
        return budget.huge-- > 0 ? 'y'.repeat(HUGE) : garbage(3);
    }
  };
  const top = () => randomValue(0, { huge: 1 });

  const badRoomIds = (): unknown[] => [
    '',
    '00',
    ' 0',
    '0 ',
    '0\n',
    '٠',
    'a:b',
    '1:2:3',
    '-1:2',
    `${ids.me}:${ids.me}`,
    ids.ownDm.split(':').reverse().join(':'),
    ids.foreignDm, // someone else's DM
    '99998:99999', // nobody's
    `${ids.me}:999999`, // a DM with a user who does not exist
    0,
    null,
    ['0'],
    { roomId: '0' },
    'z'.repeat(HUGE),
    bytes(8),
    garbage(10),
  ];
  const badTexts = (): unknown[] => [
    '',
    ' ',
    '\n\t \r',
    '\u00a0\u2003',
    'a'.repeat(4001),
    '😀'.repeat(4001),
    'b'.repeat(HUGE),
    null,
    42,
    true,
    ['hello'],
    { text: 'hello' },
    { toString: 'hello' },
    bytes(64),
    nest(50, 'deep', false),
  ];
  const badClientIds = (): unknown[] => [
    '',
    'c'.repeat(65),
    'has space',
    'é',
    '\u0000',
    42,
    true,
    {},
    [],
    bytes(4),
  ];
  const badCursors = (): unknown[] => [
    '',
    'abc',
    '1-',
    '-1',
    '1-2-3',
    ' 1-0',
    '1-0 ',
    '١-٠',
    '99999999999999999999-0',
    '1-99999999999999999999',
    42,
    null,
    ['0'],
    { id: '0' },
    bytes(3),
    'c'.repeat(HUGE),
  ];

  const sentMessages: { roomId: string; text: string; clientId: string }[] = [];
  let textCounter = 0;
  const validText = () => {
    textCounter += 1;
    return pick([
      `fuzz ok ${textCounter}`,
      `fuzz <b>raw</b> & "quoted" ${textCounter}`,
      `fuzz ünïcödé 😀 ${textCounter}`,
      `  fuzz padded ${textCounter}  `,
    ]);
  };

  const messageCase = (): Omit<FuzzCase, 'index' | 'event'> => {
    const roll = int(100);
    if (roll < 12) {
      // Valid, sometimes with fields a client may not set (ignored) or pollution keys (ignored).
      if (sentMessages.length > 0 && chance(0.15)) {
        const again = pick(sentMessages); // a retry: the one stored message, not a second one
        return {
          kind: 'valid retry',
          valid: true,
          args: [{ roomId: again.roomId, message: again.text, clientId: again.clientId }],
          expectMessage: { roomId: again.roomId, text: again.text, clientId: again.clientId },
        };
      }
      const roomId = pick(members);
      const text = validText();
      const payload: Record<string, unknown> = { roomId, message: text };
      let clientId: string | undefined;
      if (chance(0.5)) {
        clientId = `cid-${SEED}-${int(1e9)}`;
        payload.clientId = clientId;
        sentMessages.push({ roomId, text, clientId });
      }
      if (chance(0.3))
        Object.assign(payload, { from: '1', date: 1, seq: 1, id: '1-1', roomIds: ['x'] });
      if (chance(0.2)) own(payload, '__proto__', { isAdmin: true, roomId: 'x', from: '1' });
      if (chance(0.2)) own(payload, 'constructor', { prototype: { polluted: true } });
      return {
        kind: 'valid',
        valid: true,
        args: [payload],
        expectMessage: { roomId, text, clientId },
      };
    }
    const base: Record<string, unknown> = { roomId: pick(members), message: 'never stored' };
    if (roll < 30) return { kind: 'top-level garbage', valid: false, args: [top()] };
    if (roll < 48)
      return { kind: 'bad roomId', valid: false, args: [{ ...base, roomId: pick(badRoomIds()) }] };
    if (roll < 66)
      return { kind: 'bad text', valid: false, args: [{ ...base, message: pick(badTexts()) }] };
    if (roll < 74)
      return {
        kind: 'bad clientId',
        valid: false,
        args: [{ ...base, clientId: pick(badClientIds()) }],
      };
    if (roll < 80) {
      delete base[pick(['roomId', 'message'])];
      return { kind: 'missing field', valid: false, args: [base] };
    }
    if (roll < 84)
      return { kind: 'wrong case', valid: false, args: [{ RoomId: '0', Message: 'never stored' }] };
    if (roll < 88) return { kind: 'wrapped', valid: false, args: [[base]] };
    if (roll < 92) return { kind: 'two arguments', valid: false, args: [base, top()] };
    if (roll < 94) return { kind: 'no payload', valid: false, args: [] };
    return {
      kind: 'pollution only',
      valid: false,
      args: [
        pick([
          own({}, '__proto__', { roomId: '0', message: 'never stored' }),
          own({}, 'constructor', { prototype: { roomId: '0', message: 'never stored' } }),
          own({ message: 'never stored' }, '__proto__', { roomId: '0' }),
        ]),
      ],
    };
  };

  const joinCase = (): Omit<FuzzCase, 'index' | 'event'> => {
    const roll = int(100);
    if (roll < 15) return { kind: 'valid', valid: true, args: [pick(members)] };
    if (roll < 60) return { kind: 'bad roomId', valid: false, args: [pick(badRoomIds())] };
    if (roll < 70) return { kind: 'two arguments', valid: false, args: ['0', top()] };
    if (roll < 75) return { kind: 'no payload', valid: false, args: [] };
    return { kind: 'garbage', valid: false, args: [top()] };
  };

  const typingCase = (): Omit<FuzzCase, 'index' | 'event'> => {
    const roll = int(100);
    const base: Record<string, unknown> = { roomId: pick(members), typing: chance(0.5) };
    if (roll < 15) {
      if (chance(0.3)) own(base, '__proto__', { typing: 'yes' });
      return { kind: 'valid', valid: true, args: [base] };
    }
    if (roll < 40)
      return { kind: 'bad roomId', valid: false, args: [{ ...base, roomId: pick(badRoomIds()) }] };
    if (roll < 65) {
      const typing = pick<unknown>([
        'true',
        'false',
        1,
        0,
        null,
        [],
        {},
        bytes(1),
        'y'.repeat(HUGE),
      ]);
      return { kind: 'bad typing', valid: false, args: [{ ...base, typing }] };
    }
    if (roll < 75) {
      delete base[pick(['roomId', 'typing'])];
      return { kind: 'missing field', valid: false, args: [base] };
    }
    if (roll < 80) return { kind: 'two arguments', valid: false, args: [base, base] };
    return { kind: 'garbage', valid: false, args: [top()] };
  };

  const syncCase = (): Omit<FuzzCase, 'index' | 'event'> => {
    const roll = int(100);
    if (roll < 15) {
      const cursors: Record<string, string> = {};
      const chosen = members.filter(() => chance(0.6));
      for (const room of chosen) cursors[room] = pick(['0', ids.someId, '0-0', '1-1', MAX_ID]);
      // Rooms the caller is not in (someone else's, nobody's, a DM id spelled backwards) too.
      if (chance(0.4)) {
        const reversed = ids.ownDm.split(':').reverse().join(':');
        cursors[pick([ids.foreignDm, '99998:99999', reversed])] = pick(['0', ids.someId]);
      }
      const payload: Record<string, unknown> = { cursors };
      if (chance(0.2)) payload.extra = top();
      return { kind: 'valid', valid: true, args: [payload], expectRooms: chosen };
    }
    if (roll < 40) {
      const cursors = { [pick(members)]: pick(badCursors()) };
      return { kind: 'bad cursor', valid: false, args: [{ cursors }] };
    }
    if (roll < 55) {
      const key = pick([
        '00',
        'abc',
        '1:',
        ' 0',
        '0:1',
        '',
        '__proto__',
        'constructor',
        'q'.repeat(1000),
      ]);
      return { kind: 'bad room key', valid: false, args: [{ cursors: own({}, key, '0') }] };
    }
    if (roll < 60) {
      const cursors: Record<string, string> = {};
      for (let i = 1; i <= 201; i += 1) cursors[`${i}:${i + 1000}`] = '0';
      return { kind: 'too many rooms', valid: false, args: [{ cursors }] };
    }
    if (roll < 75) {
      const cursors = pick<unknown>([
        null,
        [],
        ['0'],
        '0',
        0,
        true,
        bytes(16),
        nest(50, '0', false),
      ]);
      return { kind: 'cursors not an object', valid: false, args: [{ cursors }] };
    }
    if (roll < 80)
      return { kind: 'missing cursors', valid: false, args: [{ Cursors: { '0': '0' } }] };
    if (roll < 83)
      return {
        kind: 'pollution',
        valid: false,
        args: [own({}, '__proto__', { cursors: { '0': '0' } })],
      };
    return { kind: 'garbage', valid: false, args: [top()] };
  };

  const cases: FuzzCase[] = [];
  const makers = {
    message: messageCase,
    'room.join': joinCase,
    typing: typingCase,
    sync: syncCase,
  };
  const events = Object.keys(makers) as FuzzCase['event'][];
  for (let index = 0; index < FUZZ_COUNT; index += 1) {
    const event = events[index % events.length];
    cases.push({ index, event, ...makers[event]() });
  }
  return cases;
}

/** Client-side pacing under the per-connection limit (20/s, burst 40): 15/s, burst 30. */
class Pacer {
  private tokens = 30;
  private last = Date.now();

  async take(): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(30, this.tokens + ((now - this.last) / 1000) * 15);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - this.tokens) / 15) * 1000));
    }
  }
}

function describeCase(c: FuzzCase): string {
  const text = JSON.stringify(c.args, (_k, v: unknown) =>
    typeof v === 'string' && v.length > 60 ? `${v.slice(0, 20)}…(${v.length} chars)` : v,
  );
  return `#${c.index} ${c.event} [${c.kind}] ${(text ?? '').slice(0, 300)}`;
}

describe('gateway under abuse (fuzz, oversized frames, floods)', () => {
  let stack: Stack;
  let fuzzer: TestUser;
  let xavier: TestUser;
  let yvonne: TestUser;
  let flooder: TestUser;
  let other: TestUser;
  let watcher: TestUser;
  let heavy: TestUser;
  let ownDm: string;
  let foreignDm: string;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    stack = await startStack({
      gateways: 2,
      env: { LIMIT_EVENTS_PER_SECOND: '20', LIMIT_MESSAGES_PER_MINUTE: '120' },
    });
    [fuzzer, xavier, yvonne, flooder, other, watcher, heavy] = await Promise.all(
      ['fz', 'xa', 'yv', 'fl', 'ot', 'wa', 'hv'].map((p) => registerUser(stack.api.url, p)),
    );
    const dm = async (a: TestUser, b: TestUser) =>
      (
        (
          await request(stack.api.url)
            .post('/api/rooms/dm')
            .set('Authorization', `Bearer ${a.token}`)
            .send({ userId: b.id })
            .expect(201)
        ).body as { id: string }
      ).id;
    ownDm = await dm(fuzzer, xavier);
    foreignDm = await dm(xavier, yvonne);
    for (const [user, room, text] of [
      [xavier, '0', 'general before the fuzz'],
      [xavier, ownDm, 'dm before the fuzz'],
      [yvonne, foreignDm, 'private between x and y'],
    ] as const) {
      await restPost(user, room, text).expect(201);
    }
  });

  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await stack?.close();
  });

  function restPost(user: TestUser, roomId: string, text: string) {
    return request(stack.api.url)
      .post(`/api/rooms/${encodeURIComponent(roomId)}/messages`)
      .set('Authorization', `Bearer ${user.token}`)
      .send({ message: text });
  }

  async function open(user: TestUser, gw: number): Promise<Socket> {
    const socket = await connectSocket(stack.gateways[gw].url, user.token);
    sockets.push(socket);
    return socket;
  }

  const history = (user: TestUser, roomId: string) =>
    fetchHistory(stack.api.url, user.token, roomId);

  async function expectGatewaysUp(): Promise<void> {
    for (const g of stack.gateways) {
      expect(g.child?.exitCode).toBeNull();
      expect(g.child?.signalCode).toBeNull();
      expect((await request(g.url).get('/health/live')).status).toBe(200);
    }
  }

  it(`1,000 malformed payloads (seed ${SEED}) get error acks; valid ones only are stored; both processes stay up`, async () => {
    const historyOf = async () => ({
      general: await history(fuzzer, '0'),
      own: await history(fuzzer, ownDm),
      foreign: await history(xavier, foreignDm),
    });
    const before = await historyOf();
    const cases = makeCases({
      me: fuzzer.id,
      ownDm,
      foreignDm,
      someId: before.general[0].id,
    });
    const validMessages = cases.filter((c) => c.event === 'message' && c.valid).length;
    expect(validMessages).toBeLessThan(100); // stays under the per-user 120 messages a minute
    for (const event of ['message', 'room.join', 'typing', 'sync']) {
      expect(cases.filter((c) => c.event === event && !c.valid).length).toBeGreaterThan(150);
    }

    // Xavier watches on the other instance: he must see exactly the valid messages, once each.
    const watch = await open(xavier, 1);
    const seenByXavier = collect<Msg>(watch, 'message');
    const fuzzSockets = await Promise.all(
      Array.from({ length: 10 }, (_, i) => open(fuzzer, i % 2)),
    );

    const acks = new Map<number, Ack | string>();
    await Promise.all(
      fuzzSockets.map(async (socket, s) => {
        const pacer = new Pacer();
        for (const c of cases.filter((x) => x.index % fuzzSockets.length === s)) {
          await pacer.take();
          acks.set(c.index, await ackOf(socket, c.event, c.args));
        }
      }),
    );

    const failures: string[] = [];
    const stored = new Map<string, Msg>();
    for (const c of cases) {
      const ack = acks.get(c.index);
      const fail = (why: string) =>
        failures.push(`${describeCase(c)} → ${why}: ${JSON.stringify(ack)?.slice(0, 300)}`);
      if (ack === undefined || typeof ack === 'string') {
        fail('no ack');
        continue;
      }
      if (!c.valid) {
        const ok =
          ack.ok === false &&
          typeof ack.error?.code === 'string' &&
          typeof ack.error.message === 'string' &&
          ack.error.message.length > 0 &&
          !['internal', 'rate_limited', 'unavailable'].includes(ack.error.code);
        if (!ok) fail('expected an error ack for bad input');
        continue;
      }
      if (!ack.ok) {
        fail('expected ok for a valid payload');
        continue;
      }
      if (c.expectMessage) {
        const m = ack.message as Msg;
        const e = c.expectMessage;
        if (
          m?.roomId !== e.roomId ||
          m.message !== e.text ||
          m.from !== fuzzer.id ||
          m.clientId !== e.clientId ||
          typeof m.seq !== 'number' ||
          m.id === '1-1'
        )
          fail('stored message differs from what was sent');
        else stored.set(m.id, m);
      }
      if (c.expectRooms) {
        const rooms = ack.rooms as Record<string, { messages: Msg[]; complete: boolean }>;
        const keys = Object.keys(rooms ?? {}).sort();
        if (JSON.stringify(keys) !== JSON.stringify([...c.expectRooms].sort()))
          fail(`sync reply rooms ≠ ${JSON.stringify(c.expectRooms)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(stored.size).toBeGreaterThan(0);

    // Prototype pollution did not stick: an empty payload is still refused.
    for (const event of ['message', 'typing', 'sync']) {
      expect(await ackOf(fuzzSockets[0], event, [{}])).toMatchObject({ ok: false });
    }
    expect(({} as Record<string, unknown>).roomId).toBeUndefined();

    // Both processes are up, and still take and deliver a valid message.
    await expectGatewaysUp();
    for (const socket of [fuzzSockets[0], fuzzSockets[1]]) {
      const ack = await ackOf(socket, 'message', [{ roomId: '0', message: 'after the fuzz' }]);
      expect(ack).toMatchObject({ ok: true, message: { from: fuzzer.id } });
      const m = messageOf(ack);
      stored.set(m.id, m);
    }

    // Xavier got every valid message of his rooms once, and nothing else.
    await waitFor(
      () => [...stored.keys()].every((id) => seenByXavier.some((m) => m.id === id)),
      5_000,
    );
    await sleep(300);
    expect(seenByXavier.map((m) => m.id).sort()).toEqual([...stored.keys()].sort());

    // History: what was there before, then exactly the messages acked ok.
    const after = await historyOf();
    for (const [room, key] of [
      ['0', 'general'],
      [ownDm, 'own'],
      [foreignDm, 'foreign'],
    ] as const) {
      const old = before[key];
      const now = after[key];
      expect(now.slice(0, old.length)).toEqual(old);
      const added = now.slice(old.length);
      const expected = [...stored.values()].filter((m) => m.roomId === room);
      expect(added.map((m) => m.id).sort()).toEqual(expected.map((m) => m.id).sort());
      for (const m of added) expect(m).toEqual(stored.get(m.id));
    }
    expect(after.foreign).toEqual(before.foreign);
  }, 60_000);

  it('a frame over 64 KB closes only that connection; the process and other sockets carry on', async () => {
    const victim = await open(fuzzer, 0);
    const bystander = await open(watcher, 0);
    const remote = await open(xavier, 1);
    const atRemote = collect<Msg>(remote, 'message');
    const disconnected = new Promise<string>((done) => victim.once('disconnect', done));

    const big = 'B'.repeat(100_000);
    const ack = await ackOf(victim, 'message', [{ roomId: '0', message: big }]);
    if (typeof ack !== 'string') expect(ack.ok).toBe(false); // refused, if it was answered at all
    if (ack === NO_ACK) expect(await disconnected).toEqual(expect.any(String));
    await waitFor(() => !victim.connected, 5_000);

    await expectGatewaysUp();
    const next = await ackOf(bystander, 'message', [{ roomId: '0', message: 'still here' }]);
    expect(next).toMatchObject({ ok: true, message: { message: 'still here', from: watcher.id } });
    const id = messageOf(next).id;
    await waitFor(() => atRemote.some((m) => m.id === id), 5_000);
    // A new connection to the same instance works too.
    const fresh = await open(fuzzer, 0);
    expect(await ackOf(fresh, 'room.join', ['0'])).toEqual({ ok: true });
    expect((await history(watcher, '0')).some((m) => m.message.length >= 100_000)).toBe(false);
  });

  it('a flood from one socket gets rate_limited acks while another user is served and delivered', async () => {
    const flood = await open(flooder, 0);
    const sender = await open(other, 1);
    const listeners = [await open(watcher, 0), await open(watcher, 1)];
    const heard = listeners.map((s) => collect<Msg>(s, 'message'));

    const floodAcks = Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        ackOf(flood, 'message', [{ roomId: '0', message: `flood ${i}` }]),
      ),
    );
    const otherAcks: (Ack | string)[] = [];
    for (let i = 0; i < 10; i += 1) {
      otherAcks.push(await ackOf(sender, 'message', [{ roomId: '0', message: `meanwhile ${i}` }]));
    }
    const flooded = await floodAcks;

    expect(flooded.filter((a) => a === NO_ACK)).toHaveLength(0);
    const acks = flooded as Ack[];
    const okAcks = acks.filter((a) => a.ok);
    const limited = acks.filter(
      (a): a is { ok: false; error: ErrorBody } => !a.ok && a.error.code === 'rate_limited',
    );
    expect(okAcks.length + limited.length).toBe(200);
    expect(acks.slice(0, 40).every((a) => a.ok)).toBe(true); // the burst allowance comes first
    expect(limited.length).toBeGreaterThan(100);
    for (const a of limited) {
      expect(a.error.retryAfterMs).toEqual(expect.any(Number));
      expect(a.error.retryAfterMs).toBeGreaterThan(0);
    }

    // The other user's sends were all accepted and delivered to both instances exactly once.
    expect(otherAcks.every((a) => typeof a !== 'string' && a.ok)).toBe(true);
    const otherIds = otherAcks.map((a) => messageOf(a).id);
    const floodIds = okAcks.map((a) => (a.message as Msg).id);
    await waitFor(
      () =>
        heard.every((h) => [...otherIds, ...floodIds].every((id) => h.some((m) => m.id === id))),
      5_000,
    );
    await sleep(300);
    for (const h of heard) {
      for (const id of [...otherIds, ...floodIds])
        expect(h.filter((m) => m.id === id)).toHaveLength(1);
      // Refused events were neither stored nor broadcast.
      const floodTexts = h.filter((m) => m.from === flooder.id);
      expect(floodTexts).toHaveLength(okAcks.length);
    }
  });

  it('the per-user message limit counts socket and REST sends together', async () => {
    // Three connections, each within its own burst, so only the per-user limit can refuse.
    const [s0, s1, s2] = [await open(heavy, 0), await open(heavy, 1), await open(heavy, 0)];
    const viaSockets = await Promise.all(
      [s0, s1].flatMap((s, k) =>
        Array.from({ length: 40 }, (_, i) =>
          ackOf(s, 'message', [{ roomId: '0', message: `heavy socket ${k}-${i}` }]),
        ),
      ),
    );
    expect(viaSockets.filter((a) => typeof a === 'string' || !a.ok)).toEqual([]);
    const viaRest = [];
    for (let i = 0; i < 40; i += 1)
      viaRest.push((await restPost(heavy, '0', `heavy rest ${i}`)).status);
    expect(viaRest.filter((s) => s !== 201)).toEqual([]);

    // 120 in this minute: the next one is refused on a fresh socket and over REST alike.
    const refused = await ackOf(s2, 'message', [{ roomId: '0', message: 'one too many (socket)' }]);
    expect(refused).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect((refused as { error: ErrorBody }).error.retryAfterMs).toBeGreaterThan(0);
    const rest = await restPost(heavy, '0', 'one too many (rest)');
    expect(rest.status).toBe(429);
    expect(Number(rest.headers['retry-after'])).toBeGreaterThan(0);

    // Other users are not affected; nothing refused was stored.
    expect(await ackOf(s2, 'room.join', ['0'])).toEqual({ ok: true });
    await restPost(other, '0', 'someone else is fine').expect(201);
    const stored = (await history(heavy, '0')).filter((m) => m.from === heavy.id);
    expect(stored).toHaveLength(120);
    expect(stored.some((m) => m.message.startsWith('one too many'))).toBe(false);
  });
});
