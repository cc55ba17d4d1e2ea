import type { Socket } from 'socket.io-client';
import type { Message as Msg } from '@app/contracts';
import request from 'supertest';
import {
  collect,
  connectSocket,
  registerUser,
  sleep,
  Stack,
  startStack,
  TestUser,
} from './support/stack';
import { waitFor } from './support/api';

/** After the expected deliveries arrived: long enough for a duplicate or a stray one to show. */
const QUIET_MS = 300;

describe('fan-out across two gateway processes', () => {
  let stack: Stack;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    stack = await startStack({ gateways: 2 });
    [alice, bob, carol] = await Promise.all(
      ['alice', 'bob', 'carol'].map((p) => registerUser(stack.api.url, p)),
    );
  });

  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await stack.close();
  });

  async function open(user: TestUser | undefined, gw: number) {
    const socket = await connectSocket(stack.gateways[gw].url, user?.token);
    sockets.push(socket);
    return socket;
  }

  it('delivers a socket message exactly once to every member socket on both instances, and a DM only to its members', async () => {
    const a0 = await open(alice, 0);
    const a1 = await open(alice, 1);
    const b1 = await open(bob, 1);
    const c0 = await open(carol, 0);
    const c1 = await open(carol, 1);
    const got = new Map([a0, a1, b1, c0, c1].map((s) => [s, collect<Msg>(s, 'message')]));
    const joined = [a0, a1, b1].map((s) => collect<{ id: string }>(s, 'room.joined'));

    const dm = await request(stack.api.url)
      .post('/api/rooms/dm')
      .set('Authorization', `Bearer ${alice.token}`)
      .send({ userId: bob.id })
      .expect(201);
    // Each member socket was moved into the new room before its room.joined was sent.
    await waitFor(() => joined.every((seen) => seen.some((r) => r.id === dm.body.id)), 5_000);

    const general = await a0.emitWithAck('message', { roomId: '0', message: 'hello everyone' });
    expect(general.ok).toBe(true);
    const direct = await b1.emitWithAck('message', {
      roomId: dm.body.id,
      message: 'just for alice',
    });
    expect(direct.ok).toBe(true);
    const expected = (socket: Socket) => (socket === c0 || socket === c1 ? 1 : 2);
    await waitFor(() => [...got].every(([socket, seen]) => seen.length >= expected(socket)), 5_000);
    await sleep(QUIET_MS); // then nothing more: no duplicate, no DM to a non-member

    for (const [socket, messages] of got) {
      const texts = messages.map((m) => m.message);
      expect(texts.filter((t) => t === 'hello everyone')).toHaveLength(1);
      const isMember = socket === a0 || socket === a1 || socket === b1;
      expect(texts.filter((t) => t === 'just for alice')).toHaveLength(isMember ? 1 : 0);
    }
    expect(await stack.gateways[0].connections()).toBe(2);
    expect(await stack.gateways[1].connections()).toBe(3);
  });

  it('refuses a socket without a session with connect_error "unauthorized"', async () => {
    await expect(connectSocket(stack.gateways[1].url, undefined)).rejects.toThrow('unauthorized');
  });

  it('delivers a REST-posted message once to sockets on both instances', async () => {
    const s0 = await open(carol, 0);
    const s1 = await open(bob, 1);
    const got0 = collect<Msg>(s0, 'message');
    const got1 = collect<Msg>(s1, 'message');
    const res = await request(stack.api.url)
      .post('/api/rooms/0/messages')
      .set('Authorization', `Bearer ${alice.token}`)
      .send({ message: 'from rest' })
      .expect(201);
    await waitFor(
      () => [got0, got1].every((seen) => seen.some((m) => m.id === res.body.id)),
      5_000,
    );
    await sleep(QUIET_MS);
    expect(got0.filter((m) => m.id === res.body.id)).toHaveLength(1);
    expect(got1.filter((m) => m.id === res.body.id)).toHaveLength(1);
  });
});
