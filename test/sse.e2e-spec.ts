import type { Message, Room } from '@app/contracts';
import type { Socket } from 'socket.io-client';
import request from 'supertest';
import { startApi, TestApi, waitFor } from './support/api';
import { bearer } from './support/http';
import { createRoom, nextEvent, send } from './support/rooms';
import { openSse, SseReader } from './support/sse';
import { registerUser, sleep, TestUser } from './support/stack';
import { useStack } from './support/suite';

/**
 * Realtime without WebSocket: `GET /api/events` streams what the caller's sockets get, on the
 * API process, whichever process announced it; `POST /api/sync` answers as the socket's `sync`.
 * Two gateway processes, the API in-process (and a second API for cross-process revocation).
 */
describe('GET /api/events and POST /api/sync', () => {
  // The smallest unread-buffer cap, so the slow-reader test needs few messages to reach it.
  const suite = useStack({
    gateways: 2,
    env: { SSE_KEEPALIVE_SECONDS: '1', SSE_MAX_BUFFER_KB: '16', LIMIT_EVENTS_PER_SECOND: '100000' },
  });
  const readers: SseReader[] = [];
  const api = () => suite.stack.api.url;

  afterAll(() => readers.forEach((r) => r.close()));

  async function events(headers: Record<string, string>, url = api()): Promise<SseReader> {
    const reader = await openSse(`${url}/api/events`, headers);
    readers.push(reader);
    return reader;
  }

  async function roomWith(owner: TestUser, ...members: TestUser[]): Promise<Room> {
    const room = await createRoom(api(), owner);
    for (const m of members) await suite.api(m).post(`/api/rooms/${room.id}/join`).expect(200);
    return room;
  }

  async function token(user: TestUser, scopes: string[]): Promise<{ id: string; token: string }> {
    const res = await suite.api(user).post('/api/tokens').send({ name: 'bot', scopes }).expect(201);
    return res.body as { id: string; token: string };
  }

  describe('the stream', () => {
    it('carries the same events, in the same order, as a socket of the caller on another process', async () => {
      const [alice, bob] = await Promise.all([registerUser(api(), 'a'), registerUser(api(), 'b')]);
      const room = await createRoom(api(), alice);
      const stream = await events(bearer(alice.token));
      expect(stream.status).toBe(200);
      expect(stream.res.headers['content-type']).toMatch(/^text\/event-stream/);
      const aliceSocket = await suite.open(alice, 0);
      const seenBySocket: [string, unknown][] = [];
      aliceSocket.onAny((event: string, payload: unknown) => seenBySocket.push([event, payload]));
      const bobSocket = await suite.open(bob, 1);
      // Quiet first: the presence of the two connections is not part of the comparison.
      await sleep(300);
      const fromStream = stream.events.length;
      const fromSocket = seenBySocket.length;

      await suite.api(bob).post(`/api/rooms/${room.id}/join`).expect(200);
      await nextEvent(bobSocket, 'room.joined');
      bobSocket.emit('typing', { roomId: room.id, typing: true });
      const ack = await send(bobSocket, room.id, 'hello from gateway 2');
      expect(ack.ok).toBe(true);
      await stream.next<Message>('message', (m) => m.id === ack.message!.id);
      await waitFor(() => seenBySocket.some(([e]) => e === 'message'));
      await sleep(300);

      const streamed = stream.events.slice(fromStream).map((e) => [e.event, e.data]);
      const socketed = seenBySocket.slice(fromSocket);
      expect(streamed.map(([e]) => e)).toEqual([
        'member.joined',
        'room.updated',
        'typing',
        'message',
      ]);
      // typing is volatile on a socket (dropped while its transport is busy writing, by design):
      // the rest must match exactly.
      const lasting = (events: typeof streamed) => events.filter(([e]) => e !== 'typing');
      expect(lasting(streamed)).toEqual(lasting(socketed));
      expect(stream.of<Message>('message')).toEqual([ack.message]);
      aliceSocket.disconnect();
    });

    it('works with the session cookie and with an API token holding messages:read', async () => {
      const [alice, bob] = await Promise.all([registerUser(api(), 'a'), registerUser(api(), 'b')]);
      const room = await roomWith(alice, bob);
      const login = await request(api())
        .post('/api/auth/login')
        .send({ username: alice.username, password: 'password123' })
        .expect(200);
      const cookie = ([] as string[])
        .concat(login.headers['set-cookie'] ?? [])
        .map((c) => c.split(';')[0])
        .find((c) => c.startsWith('parley.sid='))!;
      const reader = await token(alice, ['messages:read']);
      const byCookie = await events({ cookie });
      const byToken = await events(bearer(reader.token));
      expect([byCookie.status, byToken.status]).toEqual([200, 200]);

      const res = await suite
        .api(bob)
        .post(`/api/rooms/${room.id}/messages`)
        .send({ message: 'to both streams' })
        .expect(201);
      const sent = res.body as Message;
      for (const s of [byCookie, byToken]) {
        await s.next<Message>('message', (m) => m.id === sent.id);
      }
      await sleep(200);
      expect(byCookie.of<Message>('message', (m) => m.id === sent.id)).toHaveLength(1);
      expect(byToken.of<Message>('message', (m) => m.id === sent.id)).toHaveLength(1);
    });

    it('stops the events of a room the caller was removed from', async () => {
      const [alice, bob] = await Promise.all([registerUser(api(), 'a'), registerUser(api(), 'b')]);
      const kept = await roomWith(alice, bob);
      const left = await roomWith(alice, bob);
      const stream = await events(bearer(bob.token));
      const aliceSocket = await suite.open(alice, 1);

      expect((await send(aliceSocket, left.id, 'before the kick')).ok).toBe(true);
      await stream.next<Message>('message', (m) => m.message === 'before the kick');

      await suite.api(alice).delete(`/api/rooms/${left.id}/members/${bob.id}`).expect(204);
      await stream.next<{ roomId: string }>('room.left', (e) => e.roomId === left.id);
      expect((await send(aliceSocket, left.id, 'after the kick')).ok).toBe(true);
      expect((await send(aliceSocket, kept.id, 'still in this one')).ok).toBe(true);
      await stream.next<Message>('message', (m) => m.message === 'still in this one');
      await sleep(300);

      expect(stream.of<Message>('message', (m) => m.roomId === left.id)).toHaveLength(1);
      expect(stream.ended).toBe(false);
    });

    it('cuts a client that stops reading instead of buffering for it', async () => {
      const [alice, bob] = await Promise.all([registerUser(api(), 'a'), registerUser(api(), 'b')]);
      const room = await roomWith(alice, bob);
      const stalled = await events(bearer(bob.token));
      const reading = await events(bearer(alice.token));
      stalled.res.pause();
      // 600 messages of 12 KB (3-byte characters): far more than the socket buffers of a client
      // that reads nothing hold (a few MB on loopback), sent over a socket in batches.
      const socket = await suite.open(alice, 1);
      const count = 600;
      const text = (i: number) => `${i} ${'€'.repeat(3_990)}`;
      for (let i = 0; i < count; i += 50) {
        const acks = await Promise.all(
          Array.from({ length: Math.min(50, count - i) }, (_, j) =>
            send(socket, room.id, text(i + j)),
          ),
        );
        expect(acks.every((a) => a.ok)).toBe(true);
      }
      await waitFor(() => reading.of('message').length === count, 20_000);
      stalled.res.resume();
      await waitFor(() => stalled.ended, 10_000);
      expect(stalled.of('message').length).toBeLessThan(count);
      expect(reading.ended).toBe(false);
      socket.disconnect();
    });

    it('sends a keep-alive comment while nothing happens', async () => {
      const alice = await registerUser(api(), 'a');
      const stream = await events(bearer(alice.token));
      await waitFor(() => stream.comments.includes('keep-alive'), 3_000);
      expect(stream.events).toEqual([]);
    });

    it('refuses tokens in the URL, no credentials, and API tokens without messages:read', async () => {
      const alice = await registerUser(api(), 'a');
      const inUrl = await request(api()).get('/api/events').query({ token: alice.token });
      expect(inUrl.status).toBe(401);
      const alongside = await request(api())
        .get('/api/events')
        .query({ access_token: alice.token })
        .set(bearer(alice.token));
      expect(alongside.status).toBe(400);
      expect(alongside.body.message).toMatch(/never travel in URLs/);
      const queuesOnly = await token(alice, ['queues']);
      const narrow = await request(api()).get('/api/events').set(bearer(queuesOnly.token));
      expect(narrow.status).toBe(403);
    });
  });

  describe('revocation', () => {
    let second: TestApi;

    beforeAll(async () => {
      const { stack } = suite;
      second = await startApi(
        { ...stack.env, GATEWAY_URLS: stack.gateways.map((g) => g.url).join(',') },
        { redisUrl: stack.redis.url, flush: false },
      );
    });

    afterAll(async () => second?.close());

    async function closedWithin(stream: SseReader, revoke: () => Promise<unknown>) {
      await revoke();
      const revokedAt = Date.now();
      await waitFor(() => stream.ended, 2_000, 10);
      return { ms: stream.endedAt! - revokedAt, told: stream.of('session.revoked').length };
    }

    it('closes the stream within 1 s of a logout, on this API process and on another', async () => {
      for (const where of [api(), second.url]) {
        const alice = await registerUser(api(), 'a');
        const stream = await events(bearer(alice.token), where);
        const { ms, told } = await closedWithin(stream, () =>
          request(api()).post('/api/auth/logout').set(bearer(alice.token)).expect(204),
        );
        expect(told).toBe(1);
        expect(ms).toBeLessThan(1_000);
      }
    });

    it('closes a stream opened with an API token within 1 s of its revocation', async () => {
      const alice = await registerUser(api(), 'a');
      const bot = await token(alice, ['messages:read']);
      const stream = await events(bearer(bot.token), second.url);
      const { ms } = await closedWithin(stream, () =>
        suite.api(alice).delete(`/api/tokens/${bot.id}`).expect(204),
      );
      expect(ms).toBeLessThan(1_000);
      const again = await request(second.url).get('/api/events').set(bearer(bot.token));
      expect(again.status).toBe(401);
    });
  });

  describe('POST /api/sync', () => {
    it('answers what the socket sync answers', async () => {
      const [alice, bob] = await Promise.all([registerUser(api(), 'a'), registerUser(api(), 'b')]);
      const room = await roomWith(alice, bob);
      const socket: Socket = await suite.open(alice, 0);
      const first = await send(socket, room.id, 'one');
      await send(socket, room.id, 'two');
      const cursors = { [room.id]: first.message!.id, '0': '0' };

      const ack = (await socket.timeout(5_000).emitWithAck('sync', { cursors })) as {
        ok: boolean;
        rooms: unknown;
      };
      const res = await suite.api(alice).post('/api/sync').send({ cursors }).expect(200);
      expect(ack.ok).toBe(true);
      expect(res.body).toEqual({ rooms: ack.rooms });
      expect(
        (res.body as { rooms: Record<string, { messages: Message[] }> }).rooms[
          room.id
        ].messages.map((m) => m.message),
      ).toEqual(['two']);

      const bot = await token(alice, ['messages:read']);
      const byToken = await request(api())
        .post('/api/sync')
        .set(bearer(bot.token))
        .send({ cursors });
      expect(byToken.body).toEqual({ rooms: ack.rooms });
    });

    it.each([
      ['no cursors', {}],
      ['cursors as an array', { cursors: ['0'] }],
      ['a cursor that is no message id', { cursors: { '0': 'yesterday' } }],
      ['a room id that cannot exist', { cursors: { 'no room': '0' } }],
      [
        'too many rooms',
        {
          cursors: Object.fromEntries(
            [...Array(201).keys()].map((i) => [`${i + 1}:${i + 2}`, '0']),
          ),
        },
      ],
    ])('refuses %s with 400 and the socket’s bad_request message', async (_name, body) => {
      const alice = await registerUser(api(), 'a');
      const socket = await suite.open(alice, 1);
      const ack = (await socket.timeout(5_000).emitWithAck('sync', body)) as {
        ok: boolean;
        error: { code: string; message: string };
      };
      const res = await suite.api(alice).post('/api/sync').send(body);
      expect(ack.error.code).toBe('bad_request');
      expect(res.status).toBe(400);
      expect(res.body.message).toBe(ack.error.message);
      socket.disconnect();
    });

    it('needs a session or a token with messages:read', async () => {
      const alice = await registerUser(api(), 'a');
      const body = { cursors: { '0': '0' } };
      await request(api()).post('/api/sync').send(body).expect(401);
      const narrow = await token(alice, ['queues']);
      await request(api()).post('/api/sync').set(bearer(narrow.token)).send(body).expect(403);
    });
  });
});
