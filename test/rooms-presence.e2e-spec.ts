import type { User } from '@app/contracts';
import { as, createRoom, nextEvent } from './support/rooms';
import { collect, registerUser, sleep, TestUser } from './support/stack';
import { useStack } from './support/suite';

/** How long "nothing arrives" is watched for after the positive side has been seen. */
const QUIET_MS = 300;

/**
 * Presence beyond PRESENCE_BROADCAST_MAX online users (0 here, so always): a user's coming online
 * reaches DM partners, fellow group-room members and watchers, on any gateway, and nobody else.
 * Below the threshold everyone hears it (gateway-presence and the reference-client suites).
 */
describe('scoped presence across two gateways', () => {
  const suite = useStack({ gateways: 2, env: { PRESENCE_BROADCAST_MAX: '0' } });
  const open = (user: TestUser, gw: number) => suite.open(user, gw);

  const isUser = (id: string) => (u: User) => u.id === id;

  it('reaches room-mates, DM partners and watchers, and nobody else', async () => {
    const [alice, mate, partner, watcher, stranger] = await Promise.all(
      ['alice', 'mate', 'partner', 'watcher', 'stranger'].map((p) =>
        registerUser(suite.stack.api.url, p),
      ),
    );
    const room = await createRoom(suite.stack.api.url, mate, { kind: 'private' });
    await as(suite.stack.api.url, mate)
      .post(`/api/rooms/${room.id}/members`)
      .send({ userId: alice.id })
      .expect(201);
    await as(suite.stack.api.url, partner)
      .post('/api/rooms/dm')
      .send({ userId: alice.id })
      .expect(201);

    const [mateS, partnerS, watcherS, strangerS] = await Promise.all(
      [mate, partner, watcher, stranger].map((u, i) => open(u, i % 2)),
    );
    const ack = await watcherS
      .timeout(5_000)
      .emitWithAck('presence.watch', { userIds: [alice.id] });
    expect(ack).toMatchObject({ ok: true, users: [{ id: alice.id, online: false }] });

    const told = [mateS, partnerS, watcherS].map((s) =>
      nextEvent<User>(s, 'user.connected', isUser(alice.id)),
    );
    const strangerSaw = collect<User>(strangerS, 'user.connected');
    await open(alice, 1);
    for (const user of await Promise.all(told))
      expect(user).toMatchObject({ id: alice.id, username: alice.username, online: true });
    await sleep(QUIET_MS);
    expect(strangerSaw.filter(isUser(alice.id))).toEqual([]);
  });

  it('presence.watch: a new list replaces the old one', async () => {
    const [watcher, first, second] = await Promise.all(
      ['watcher', 'first', 'second'].map((p) => registerUser(suite.stack.api.url, p)),
    );
    const socket = await open(watcher, 0);
    await socket.timeout(5_000).emitWithAck('presence.watch', { userIds: [first.id] });
    const replaced = await socket
      .timeout(5_000)
      .emitWithAck('presence.watch', { userIds: [second.id] });
    expect(replaced).toMatchObject({ ok: true, users: [{ id: second.id }] });

    const seen = collect<User>(socket, 'user.connected');
    const secondOnline = nextEvent<User>(socket, 'user.connected', isUser(second.id));
    await open(first, 1);
    await open(second, 1);
    await secondOnline;
    await sleep(QUIET_MS);
    expect(seen.map((u) => u.id)).toEqual([second.id]);
  });

  it.each([
    ['no list', {}],
    ['a list of 501 ids', { userIds: Array.from({ length: 501 }, (_, i) => String(i + 1)) }],
    ['ids that are not user ids', { userIds: ['x y'] }],
  ])('presence.watch with %s is a bad_request ack', async (_label, payload) => {
    const user = await registerUser(suite.stack.api.url, 'badwatch');
    const socket = await open(user, 0);
    const ack = await socket.timeout(5_000).emitWithAck('presence.watch', payload);
    expect(ack).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });
});
