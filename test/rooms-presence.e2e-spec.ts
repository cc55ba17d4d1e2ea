import type { User } from '@app/contracts';
import type { Socket } from 'socket.io-client';
import { as, createRoom, nextEvent } from './support/rooms';
import { collect, connectSocket, registerUser, sleep, Stack, startStack } from './support/stack';

/** How long "nothing arrives" is watched for after the positive side has been seen. */
const QUIET_MS = 300;

/**
 * Presence beyond PRESENCE_BROADCAST_MAX online users (0 here, so always): a user's coming online
 * reaches DM partners, fellow group-room members and watchers, on any gateway, and nobody else.
 * Below the threshold everyone hears it (gateway-presence and the reference-client suites).
 */
describe('scoped presence across two gateways', () => {
  let stack: Stack;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    stack = await startStack({ gateways: 2, env: { PRESENCE_BROADCAST_MAX: '0' } });
  });

  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await stack.close();
  });

  async function open(token: string, gw: number): Promise<Socket> {
    const socket = await connectSocket(stack.gateways[gw].url, token);
    sockets.push(socket);
    return socket;
  }

  const isUser = (id: string) => (u: User) => u.id === id;

  it('reaches room-mates, DM partners and watchers, and nobody else', async () => {
    const [alice, mate, partner, watcher, stranger] = await Promise.all(
      ['alice', 'mate', 'partner', 'watcher', 'stranger'].map((p) =>
        registerUser(stack.api.url, p),
      ),
    );
    const room = await createRoom(stack.api.url, mate, { kind: 'private' });
    await as(stack.api.url, mate)
      .post(`/api/rooms/${room.id}/members`)
      .send({ userId: alice.id })
      .expect(201);
    await as(stack.api.url, partner).post('/api/rooms/dm').send({ userId: alice.id }).expect(201);

    const [mateS, partnerS, watcherS, strangerS] = await Promise.all(
      [mate, partner, watcher, stranger].map((u, i) => open(u.token, i % 2)),
    );
    const ack = await watcherS
      .timeout(5_000)
      .emitWithAck('presence.watch', { userIds: [alice.id] });
    expect(ack).toMatchObject({ ok: true, users: [{ id: alice.id, online: false }] });

    const told = [mateS, partnerS, watcherS].map((s) =>
      nextEvent<User>(s, 'user.connected', isUser(alice.id)),
    );
    const strangerSaw = collect<User>(strangerS, 'user.connected');
    await open(alice.token, 1);
    for (const user of await Promise.all(told))
      expect(user).toMatchObject({ id: alice.id, username: alice.username, online: true });
    await sleep(QUIET_MS);
    expect(strangerSaw.filter(isUser(alice.id))).toEqual([]);
  });

  it('presence.watch: a new list replaces the old one', async () => {
    const [watcher, first, second] = await Promise.all(
      ['watcher', 'first', 'second'].map((p) => registerUser(stack.api.url, p)),
    );
    const socket = await open(watcher.token, 0);
    await socket.timeout(5_000).emitWithAck('presence.watch', { userIds: [first.id] });
    const replaced = await socket
      .timeout(5_000)
      .emitWithAck('presence.watch', { userIds: [second.id] });
    expect(replaced).toMatchObject({ ok: true, users: [{ id: second.id }] });

    const seen = collect<User>(socket, 'user.connected');
    const secondOnline = nextEvent<User>(socket, 'user.connected', isUser(second.id));
    await open(first.token, 1);
    await open(second.token, 1);
    await secondOnline;
    await sleep(QUIET_MS);
    expect(seen.map((u) => u.id)).toEqual([second.id]);
  });

  it.each([
    ['no list', {}],
    ['a list of 501 ids', { userIds: Array.from({ length: 501 }, (_, i) => String(i + 1)) }],
    ['ids that are not user ids', { userIds: ['x y'] }],
  ])('presence.watch with %s is a bad_request ack', async (_label, payload) => {
    const user = await registerUser(stack.api.url, 'badwatch');
    const socket = await open(user.token, 0);
    const ack = await socket.timeout(5_000).emitWithAck('presence.watch', payload);
    expect(ack).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });
});
