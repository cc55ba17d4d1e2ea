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
} from './support/stack';

interface Room {
  id: string;
  kind: string;
  names: string[];
}

interface TypingEvent {
  roomId: string;
  userId: string;
  typing: boolean;
}

interface Ack {
  ok: boolean;
  message?: Msg;
  error?: { code: string; message: string };
}

const dmId = (a: TestUser, b: TestUser) =>
  Number(a.id) < Number(b.id) ? `${a.id}:${b.id}` : `${b.id}:${a.id}`;

describe('gateway features: show.room, typing, room.join, server-set fields, origin', () => {
  let stack: Stack;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    stack = await startStack({ gateways: 2 });
  });

  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await stack.close();
  });

  async function open(user: TestUser, gw: number, opts: Record<string, unknown> = {}) {
    const socket = await connectSocket(stack.gateways[gw].url, user.token, opts);
    sockets.push(socket);
    return socket;
  }

  async function users(...prefixes: string[]) {
    return Promise.all(prefixes.map((p) => registerUser(stack.api.url, p)));
  }

  describe('show.room', () => {
    it('shows a DM created over REST once to both members on different gateways, who can then talk in it', async () => {
      const [alice, bob, carol] = await users('alice', 'bob', 'carol');
      const a0 = await open(alice, 0);
      const a1 = await open(alice, 1);
      const b1 = await open(bob, 1);
      const c0 = await open(carol, 0);
      const shown = new Map([a0, a1, b1, c0].map((s) => [s, collect<Room>(s, 'show.room')]));
      const got = new Map([a0, a1, b1, c0].map((s) => [s, collect<Msg>(s, 'message')]));

      const res = await request(stack.api.url)
        .post('/api/rooms/dm')
        .set('Authorization', `Bearer ${alice.token}`)
        .send({ userId: bob.id })
        .expect(201);
      const room = res.body as Room;
      expect(room.id).toBe(dmId(alice, bob));
      await waitFor(() => [a0, a1, b1].every((s) => (shown.get(s) ?? []).length > 0), 5_000);
      await sleep(300);
      for (const s of [a0, a1, b1]) {
        expect(shown.get(s)).toHaveLength(1);
        expect(shown.get(s)?.[0]).toMatchObject({ id: room.id, kind: 'dm' });
        expect(shown.get(s)?.[0].names).toEqual(
          expect.arrayContaining([alice.username, bob.username]),
        );
      }
      expect(shown.get(c0)).toEqual([]);

      // The member sockets were joined to the new room: a REST post reaches all of them...
      await request(stack.api.url)
        .post(`/api/rooms/${room.id}/messages`)
        .set('Authorization', `Bearer ${alice.token}`)
        .send({ message: 'first words' })
        .expect(201);
      // ...and so do socket messages, both ways.
      expect(
        await b1.emitWithAck('message', { roomId: room.id, message: 'hi alice' }),
      ).toMatchObject({ ok: true });
      expect(await a0.emitWithAck('message', { roomId: room.id, message: 'hi bob' })).toMatchObject(
        {
          ok: true,
        },
      );
      const texts = ['first words', 'hi alice', 'hi bob'];
      await waitFor(
        () =>
          [a0, a1, b1].every((s) => texts.every((t) => got.get(s)?.some((m) => m.message === t))),
        5_000,
      );
      await sleep(300);
      for (const s of [a0, a1, b1]) {
        for (const t of texts) expect(got.get(s)?.filter((m) => m.message === t)).toHaveLength(1);
      }
      expect(got.get(c0)?.filter((m) => m.roomId === room.id)).toEqual([]);

      // Opening it again is not a new room: nobody is shown it twice.
      await request(stack.api.url)
        .post('/api/rooms/dm')
        .set('Authorization', `Bearer ${bob.token}`)
        .send({ userId: alice.id })
        .expect(200);
      await sleep(300);
      for (const s of [a0, a1, b1]) expect(shown.get(s)).toHaveLength(1);
    });

    it('opens a DM on its first socket message and shows it once to both members', async () => {
      const [dave, erin, frank] = await users('dave', 'erin', 'frank');
      const d0 = await open(dave, 0);
      const e1 = await open(erin, 1);
      const e0 = await open(erin, 0);
      const f1 = await open(frank, 1);
      const all = [d0, e1, e0, f1];
      const shown = new Map(all.map((s) => [s, collect<Room>(s, 'show.room')]));
      const got = new Map(all.map((s) => [s, collect<Msg>(s, 'message')]));
      const roomId = dmId(dave, erin);

      const ack = (await d0.emitWithAck('message', { roomId, message: 'knock knock' })) as Ack;
      expect(ack).toMatchObject({ ok: true, message: { roomId, from: dave.id, seq: 1 } });
      await waitFor(() => [d0, e1, e0].every((s) => (shown.get(s) ?? []).length > 0), 5_000);
      await waitFor(
        () => [d0, e1, e0].every((s) => got.get(s)?.some((m) => m.message === 'knock knock')),
        5_000,
      );
      await sleep(300);
      for (const s of [d0, e1, e0]) {
        expect(shown.get(s)).toHaveLength(1);
        expect(shown.get(s)?.[0]).toMatchObject({ id: roomId, kind: 'dm' });
        expect(got.get(s)?.filter((m) => m.message === 'knock knock')).toHaveLength(1);
      }
      expect(shown.get(f1)).toEqual([]);
      expect(got.get(f1)?.filter((m) => m.roomId === roomId)).toEqual([]);

      // The reply goes the other way; the room is not shown again.
      expect(await e1.emitWithAck('message', { roomId, message: "who's there" })).toMatchObject({
        ok: true,
      });
      await waitFor(() => got.get(d0)?.some((m) => m.message === "who's there") ?? false, 5_000);
      await sleep(300);
      for (const s of [d0, e1, e0]) expect(shown.get(s)).toHaveLength(1);

      const rooms = await request(stack.api.url)
        .get('/api/rooms')
        .set('Authorization', `Bearer ${erin.token}`)
        .expect(200);
      expect((rooms.body as Room[]).map((r) => r.id)).toContain(roomId);
    });

    it('does not let a socket open a DM between two other users', async () => {
      const [gina, hank, ivan] = await users('gina', 'hank', 'ivan');
      const socket = await open(ivan, 0);
      const ack = (await socket.emitWithAck('message', {
        roomId: dmId(gina, hank),
        message: 'let me in',
      })) as Ack;
      expect(ack.ok).toBe(false);
      expect(['forbidden', 'not_found']).toContain(ack.error?.code);
      const rooms = await request(stack.api.url)
        .get('/api/rooms')
        .set('Authorization', `Bearer ${gina.token}`)
        .expect(200);
      expect((rooms.body as Room[]).map((r) => r.id)).toEqual(['0']);
    });
  });

  describe('typing', () => {
    it('reaches the other members only, and turns false by itself after ~6 s', async () => {
      const [alice, bob, carol] = await users('alice', 'bob', 'carol');
      const room = (
        await request(stack.api.url)
          .post('/api/rooms/dm')
          .set('Authorization', `Bearer ${alice.token}`)
          .send({ userId: bob.id })
          .expect(201)
      ).body as Room;
      const a0 = await open(alice, 0);
      const a1 = await open(alice, 1);
      const b0 = await open(bob, 0);
      const b1 = await open(bob, 1);
      const c0 = await open(carol, 0);
      const c1 = await open(carol, 1);
      const seen = new Map(
        [a0, a1, b0, b1, c0, c1].map((s) => [s, collect<TypingEvent>(s, 'typing')]),
      );

      // In the DM: bob's sockets on both gateways, not alice's own tabs, not carol.
      a0.emit('typing', { roomId: room.id, typing: true });
      const startedAt = Date.now();
      await waitFor(() => [b0, b1].every((s) => (seen.get(s) ?? []).length > 0), 5_000);
      for (const s of [b0, b1]) {
        expect(seen.get(s)).toEqual([{ roomId: room.id, userId: alice.id, typing: true }]);
      }

      // In General: everyone else, still not the sender's own tabs.
      expect(await c1.emitWithAck('typing', { roomId: '0', typing: true })).toEqual({ ok: true });
      await waitFor(
        () => [a0, a1, b0, b1].every((s) => seen.get(s)?.some((e) => e.roomId === '0')),
        5_000,
      );
      expect(await c1.emitWithAck('typing', { roomId: '0', typing: false })).toEqual({ ok: true });
      await waitFor(
        () =>
          [a0, a1, b0, b1].every((s) => seen.get(s)?.some((e) => e.roomId === '0' && !e.typing)),
        5_000,
      );

      // Nobody sends `typing:false` for alice: the server does, after about 6 s.
      await waitFor(
        () => [b0, b1].every((s) => seen.get(s)?.some((e) => e.roomId === room.id && !e.typing)),
        10_000,
        100,
      );
      const elapsed = Date.now() - startedAt;
      expect(elapsed).toBeGreaterThanOrEqual(4_000);
      expect(elapsed).toBeLessThanOrEqual(10_000);
      await sleep(300);
      for (const s of [b0, b1]) {
        expect(seen.get(s)?.filter((e) => e.roomId === room.id)).toEqual([
          { roomId: room.id, userId: alice.id, typing: true },
          { roomId: room.id, userId: alice.id, typing: false },
        ]);
      }
      for (const s of [a0, a1]) {
        expect(seen.get(s)?.filter((e) => e.roomId === room.id)).toEqual([]);
        expect(seen.get(s)?.filter((e) => e.userId === alice.id)).toEqual([]);
      }
      for (const s of [c0, c1]) {
        expect(seen.get(s)?.filter((e) => e.roomId === room.id)).toEqual([]);
        expect(seen.get(s)?.filter((e) => e.userId === carol.id)).toEqual([]);
      }
      expect(seen.get(c0)?.filter((e) => e.userId === alice.id)).toEqual([]);
    }, 20_000);

    it('refuses typing in a DM the sender is not in', async () => {
      const [alice, bob, carol] = await users('alice', 'bob', 'carol');
      const room = (
        await request(stack.api.url)
          .post('/api/rooms/dm')
          .set('Authorization', `Bearer ${alice.token}`)
          .send({ userId: bob.id })
          .expect(201)
      ).body as Room;
      const b1 = await open(bob, 1);
      const bobSaw = collect<TypingEvent>(b1, 'typing');
      const c0 = await open(carol, 0);
      const ack = (await c0.emitWithAck('typing', { roomId: room.id, typing: true })) as Ack;
      expect(ack).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      await sleep(300);
      expect(bobSaw).toEqual([]);
    });
  });

  describe('room.join', () => {
    it('answers ok for members, forbidden for a foreign DM, not_found for unknown rooms, bad_request for garbage', async () => {
      const [alice, bob, carol] = await users('alice', 'bob', 'carol');
      const room = (
        await request(stack.api.url)
          .post('/api/rooms/dm')
          .set('Authorization', `Bearer ${alice.token}`)
          .send({ userId: bob.id })
          .expect(201)
      ).body as Room;
      const a = await open(alice, 0);
      const c = await open(carol, 1);
      const carolGot = collect<Msg>(c, 'message');

      expect(await a.emitWithAck('room.join', '0')).toEqual({ ok: true });
      expect(await a.emitWithAck('room.join', room.id)).toEqual({ ok: true });
      expect(await c.emitWithAck('room.join', '0')).toEqual({ ok: true });

      expect(await c.emitWithAck('room.join', room.id)).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
      for (const unknown of [
        `${alice.id}:99999`,
        '99998:99999',
        `${carol.id}:${Number(carol.id) + 50}`,
      ]) {
        expect({ unknown, ack: await c.emitWithAck('room.join', unknown) }).toMatchObject({
          unknown,
          ack: { ok: false, error: { code: 'not_found' } },
        });
      }
      const garbage: unknown[] = [
        42,
        null,
        '',
        'general',
        '0:0',
        '1:',
        ' 0',
        '0\n',
        { roomId: '0' },
        ['0'],
        true,
        'x'.repeat(10_000),
      ];
      for (const payload of garbage) {
        const ack = (await c.emitWithAck('room.join', payload)) as Ack;
        expect({ payload, ack }).toMatchObject({
          payload,
          ack: { ok: false, error: { code: 'bad_request' } },
        });
      }
      expect(c.connected).toBe(true);

      // A refused join let nothing through.
      await a.emitWithAck('message', { roomId: room.id, message: 'not for carol' });
      await sleep(300);
      expect(carolGot.filter((m) => m.roomId === room.id)).toEqual([]);
    });
  });

  it('stores a message with the server’s from and date, whatever the client claims', async () => {
    const [alice, bob] = await users('alice', 'bob');
    const a = await open(alice, 0);
    const b = await open(bob, 1);
    const got = collect<Msg>(b, 'message');
    const before = Date.now() / 1000;
    const ack = (await a.emitWithAck('message', {
      roomId: '0',
      message: 'who am I',
      from: bob.id,
      date: 1_000_000_000.5,
      id: '1-1',
      seq: 999_999,
    })) as Ack;
    const after = Date.now() / 1000;
    expect(ack.ok).toBe(true);
    const stored = ack.message as Msg;
    expect(stored.from).toBe(alice.id);
    expect(stored.date).toBeGreaterThanOrEqual(Math.floor(before) - 1);
    expect(stored.date).toBeLessThanOrEqual(after + 1);
    expect(stored.id).not.toBe('1-1');
    expect(stored.seq).not.toBe(999_999);
    expect(Object.keys(stored).sort()).toEqual(
      ['date', 'from', 'id', 'message', 'roomId', 'seq'].sort(),
    );

    await waitFor(() => got.some((m) => m.id === stored.id), 5_000);
    expect(got.find((m) => m.id === stored.id)).toEqual(stored);
    const history = await request(stack.api.url)
      .get('/api/rooms/0/messages?limit=5')
      .set('Authorization', `Bearer ${bob.token}`)
      .expect(200);
    expect((history.body as { messages: Msg[] }).messages).toContainEqual(stored);
  });

  describe('origin allowlist on the WebSocket handshake', () => {
    let user: TestUser;
    beforeAll(async () => {
      [user] = await users('origin');
    });

    it('refuses a foreign Origin', async () => {
      for (const origin of ['http://evil.example', 'https://127.0.0.1.evil.example', 'null']) {
        await expect(
          connectSocket(stack.gateways[0].url, user.token, { extraHeaders: { origin } }),
        ).rejects.toThrow();
      }
      // Over polling too.
      await expect(
        connectSocket(stack.gateways[1].url, user.token, {
          transports: ['polling'],
          extraHeaders: { origin: 'http://evil.example' },
        }),
      ).rejects.toThrow();
    });

    it('allows the same host on any port, and no Origin at all', async () => {
      for (const origin of [
        'http://127.0.0.1',
        'http://127.0.0.1:5173',
        'https://127.0.0.1:8443',
      ]) {
        const socket = await open(user, 0, { extraHeaders: { origin } });
        expect(socket.connected).toBe(true);
        expect(await socket.emitWithAck('room.join', '0')).toEqual({ ok: true });
      }
      const bare = await open(user, 1);
      expect(bare.connected).toBe(true);
    });
  });
});
