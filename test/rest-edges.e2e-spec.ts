import type { Message, MessagePage } from '@app/contracts';
import { ROOM_ID_MESSAGE } from '@app/contracts';
import type { Socket } from 'socket.io-client';
import request from 'supertest';
import { bearer, expectError, expectFieldError, register, type Session, tag } from './support/http';
import { connectSocket, Stack, startStack } from './support/stack';

/**
 * The REST rough edges a newcomer hit: one error per bad field, unknown query parameters,
 * forward paging, DMs by username, one error for one condition on REST and socket, and a
 * clientId replay that says so.
 */
describe('REST edges', () => {
  let stack: Stack;
  let alice: Session;
  let bob: Session;
  let aliceSocket: Socket;
  const http = () => request(stack.api.url);
  const get = (s: Session, path: string) => http().get(path).set(bearer(s.token));
  const post = (s: Session, path: string, body: object = {}) =>
    http().post(path).set(bearer(s.token)).send(body);
  const sendOverSocket = (roomId: string, message: string, clientId?: string) =>
    aliceSocket.timeout(10_000).emitWithAck('message', { roomId, message, clientId });

  beforeAll(async () => {
    stack = await startStack({ gateways: 1 });
    alice = await register(stack.api.url, `edgeAlice${tag(4)}`);
    bob = await register(stack.api.url, `edgeBob${tag(4)}`);
    aliceSocket = await connectSocket(stack.gateways[0].url, alice.token);
  }, 60_000);

  afterAll(async () => {
    aliceSocket?.disconnect();
    await stack?.close();
  });

  describe('query validation', () => {
    it.each([
      ['/api/rooms/0/messages?limit=abc', 'limit must be an integer'],
      ['/api/rooms/0/messages?limit=0', 'limit must not be less than 1'],
      ['/api/rooms/directory?limit=abc', 'limit must be an integer'],
      ['/api/users/search?limit=1000', 'limit must not be greater than 100'],
    ])('%s: one error for the one bad field', async (path, message) => {
      const res = await get(alice, path);
      expectError(res, 400);
      expect(res.body.message).toEqual([message]);
    });

    it.each([
      '/api/rooms/0/messages?since=1',
      '/api/rooms/0/messages?limit=5&befor=1-0',
      '/api/rooms/directory?query=x',
      '/api/users/search?name=a',
      '/api/users?ids=1&all=1',
    ])('%s: an unknown query parameter is a 400 naming it', async (path) => {
      const unknown = new URL(path, 'http://x').searchParams;
      const name = [...unknown.keys()].find((k) => !['limit', 'ids'].includes(k)) as string;
      expectFieldError(await get(alice, path), `property ${name} should not exist`);
    });
  });

  describe('forward paging with after', () => {
    let roomId: string;
    const sent: Message[] = [];

    beforeAll(async () => {
      roomId = (await post(alice, '/api/rooms', { name: `edge-${tag()}`, kind: 'private' })).body
        .id as string;
      for (let i = 1; i <= 5; i += 1)
        sent.push((await post(alice, `/api/rooms/${roomId}/messages`, { message: `m${i}` })).body);
    });

    it('pages from the first message to the newest, oldest first, with nextAfter', async () => {
      const seen: Message[] = [];
      let after: string | null = '0';
      const pages: MessagePage[] = [];
      while (after !== null) {
        const res = await get(alice, `/api/rooms/${roomId}/messages?after=${after}&limit=2`);
        expect(res.status).toBe(200);
        const body = res.body as MessagePage;
        pages.push(body);
        seen.push(...body.messages);
        after = body.nextAfter ?? null;
      }
      expect(seen.map((m) => m.id)).toEqual(sent.map((m) => m.id));
      expect(pages.map((p) => p.messages.length)).toEqual([2, 2, 1]);
      expect(pages.every((p) => p.nextBefore === null)).toBe(true);
    });

    it('after a given message: only the newer ones; after the newest: none', async () => {
      const res = await get(alice, `/api/rooms/${roomId}/messages?after=${sent[2].id}`);
      expect(res.body).toEqual({ messages: [sent[3], sent[4]], nextBefore: null, nextAfter: null });
      const none = await get(alice, `/api/rooms/${roomId}/messages?after=${sent[4].id}`);
      expect(none.body).toEqual({ messages: [], nextBefore: null, nextAfter: null });
    });

    it('a bad cursor, or before and after together, is a 400; non-members still get 403', async () => {
      expectFieldError(await get(alice, `/api/rooms/${roomId}/messages?after=abc`), 'after');
      const both = await get(
        alice,
        `/api/rooms/${roomId}/messages?after=${sent[0].id}&before=${sent[4].id}`,
      );
      expectFieldError(both, 'before or after');
      expectError(await get(bob, `/api/rooms/${roomId}/messages?after=0`), 403);
    });
  });

  describe('POST /api/rooms/dm by username', () => {
    it('opens the DM by name in any case (201), finds it again (200)', async () => {
      const res = await post(alice, '/api/rooms/dm', { username: bob.user.username.toUpperCase() });
      expect(res.status).toBe(201);
      const ids = [alice.user.id, bob.user.id].sort((a, b) => Number(a) - Number(b));
      expect(res.body).toEqual(expect.objectContaining({ id: ids.join(':'), kind: 'dm' }));
      const again = await post(alice, '/api/rooms/dm', { username: bob.user.username });
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(res.body.id);
    });

    it('unknown name 404; yourself, neither or both 400', async () => {
      expectError(await post(alice, '/api/rooms/dm', { username: `nobody${tag()}` }), 404);
      expectError(await post(alice, '/api/rooms/dm', { username: alice.user.username }), 400);
      expectFieldError(await post(alice, '/api/rooms/dm', {}), 'userId or username');
      const both = await post(alice, '/api/rooms/dm', {
        userId: bob.user.id,
        username: bob.user.username,
      });
      expectError(both, 400);
      expectFieldError(await post(alice, '/api/rooms/dm', { username: 'no spaces' }), 'username');
    });
  });

  describe('one condition, one error, on REST and on the socket', () => {
    it.each(['99', 'abc', '01:02', '-1:2', `${'9'.repeat(40)}:${'9'.repeat(41)}`])(
      'an id no room can have (%s): 400 and bad_request, same text',
      async (roomId) => {
        const id = encodeURIComponent(roomId);
        for (const res of [
          await get(alice, `/api/rooms/${id}/messages`),
          await post(alice, `/api/rooms/${id}/messages`, { message: 'hello?' }),
          await get(alice, `/api/rooms/${id}`),
          await post(alice, `/api/rooms/${id}/join`),
        ]) {
          expectError(res, 400);
          expect(res.body.message).toEqual([ROOM_ID_MESSAGE]);
        }
        expect(await sendOverSocket(roomId, 'hello?')).toEqual({
          ok: false,
          error: { code: 'bad_request', message: ROOM_ID_MESSAGE },
        });
      },
    );

    it.each([`g${'a'.repeat(16)}`, '5000:9000'])(
      'a well-formed id of no room (%s): 404 and not_found',
      async (roomId) => {
        expectError(await get(alice, `/api/rooms/${roomId}/messages`), 404);
        expectError(await post(alice, `/api/rooms/${roomId}/messages`, { message: 'x' }), 404);
        const ack = await sendOverSocket(roomId, 'x');
        expect(ack).toEqual({ ok: false, error: expect.objectContaining({ code: 'not_found' }) });
      },
    );
  });

  describe('clientId replays', () => {
    it('the same text again: the stored message, marked replayed, nothing new stored', async () => {
      const clientId = `replay-${tag()}`;
      const first = await post(alice, '/api/rooms/0/messages', { message: 'once', clientId });
      expect(first.status).toBe(201);
      expect(first.body.replayed).toBeUndefined();
      const again = await post(alice, '/api/rooms/0/messages', { message: 'once', clientId });
      expect(again.status).toBe(201);
      expect(again.body).toEqual({ ...first.body, replayed: true });
    });

    it('over the socket too: the ack of a retry carries replayed: true and the stored message', async () => {
      const clientId = `sock-replay-${tag()}`;
      const first = await sendOverSocket('0', 'twice over the socket', clientId);
      expect(first).toEqual({ ok: true, message: expect.objectContaining({ clientId }) });
      const again = await sendOverSocket('0', 'twice over the socket', clientId);
      expect(again).toEqual({ ok: true, message: first.message, replayed: true });
      // The same clientId over REST is the same message, replayed as well.
      const rest = await post(alice, '/api/rooms/0/messages', {
        message: 'twice over the socket',
        clientId,
      });
      expect(rest.status).toBe(201);
      expect(rest.body).toEqual({ ...first.message, replayed: true });
    });

    it('a different text with a used clientId is a 409, on REST and on the socket', async () => {
      const clientId = `reuse-${tag()}`;
      const first = await post(alice, '/api/rooms/0/messages', { message: 'original', clientId });
      expect(first.status).toBe(201);
      const rest = await post(alice, '/api/rooms/0/messages', { message: 'changed', clientId });
      expectError(rest, 409);
      expect(rest.body.message).toMatch(/clientId/);
      const ack = await sendOverSocket('0', 'changed', clientId);
      expect(ack).toEqual({ ok: false, error: expect.objectContaining({ code: 'conflict' }) });
      const page = await get(alice, '/api/rooms/0/messages?limit=100');
      const stored = (page.body as MessagePage).messages.filter((m) => m.clientId === clientId);
      expect(stored.map((m) => m.message)).toEqual(['original']);
    });
  });
});
