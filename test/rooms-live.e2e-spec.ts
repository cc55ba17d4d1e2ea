import type { Socket } from 'socket.io-client';
import type { MemberEvent, MembersPage, Message, Room, RoomLeftEvent } from '@app/contracts';
import { createRoom, nextEvent, send } from './support/rooms';
import { useStack } from './support/suite';
import { collect, registerUser, sleep, TestUser } from './support/stack';

/** How long "nothing arrives" is watched for after the positive side has been seen. */
const QUIET_MS = 300;

/**
 * Room membership as sockets on two gateway processes see it: who is told what, that a change
 * holds on every gateway within a second of the REST response, and that concurrent changes
 * leave a state some order of the requests would have produced.
 */
describe('group rooms live, across two gateways', () => {
  const suite = useStack({ gateways: 2 });
  const { open, api } = suite;

  /** A user with one socket on each gateway. */
  async function online(prefix: string): Promise<{
    user: TestUser;
    on: [Socket, Socket];
  }> {
    const user = await registerUser(suite.stack.api.url, prefix);
    return { user, on: [await open(user, 0), await open(user, 1)] };
  }

  const inRoom = (roomId: string) => (e: { roomId?: string; id?: string }) =>
    (e.roomId ?? e.id) === roomId;

  it('a new room is shown to its creator on every gateway', async () => {
    const alice = await online('creator');
    const joined = alice.on.map((s) => nextEvent<Room>(s, 'room.joined'));
    const room = await createRoom(suite.stack.api.url, alice.user);
    for (const seen of await Promise.all(joined))
      expect(seen).toMatchObject({ id: room.id, role: 'owner', memberCount: 1 });
  });

  it('join: the joiner’s sockets get room.joined, the members member.joined and room.updated, everywhere', async () => {
    const owner = await online('owner');
    const joiner = await online('joiner');
    const room = await createRoom(suite.stack.api.url, owner.user);
    const toJoiner = joiner.on.map((s) => nextEvent<Room>(s, 'room.joined', inRoom(room.id)));
    const toOwner = owner.on.map((s) =>
      Promise.all([
        nextEvent<MemberEvent>(s, 'member.joined', inRoom(room.id)),
        nextEvent<Room>(s, 'room.updated', inRoom(room.id)),
      ]),
    );
    const joinerSaw = collect<MemberEvent>(joiner.on[1], 'member.joined');
    await api(joiner.user).post(`/api/rooms/${room.id}/join`).expect(200);
    for (const seen of await Promise.all(toJoiner))
      expect(seen).toMatchObject({ id: room.id, role: 'member', memberCount: 2 });
    for (const [member, updated] of await Promise.all(toOwner)) {
      expect(member).toMatchObject({
        roomId: room.id,
        user: { id: joiner.user.id },
        role: 'member',
      });
      expect(updated).toMatchObject({ id: room.id, memberCount: 2 });
      expect(updated.role).toBeUndefined();
    }
    expect(joinerSaw).toEqual([]);
  });

  it.each([0, 1])(
    'an added member gets the next message live, without reconnecting (owner on gateway %i only)',
    async (ownerGw) => {
      const owner = await registerUser(suite.stack.api.url, 'adder');
      const ownerSocket = await open(owner, ownerGw);
      const guest = await online('guest');
      // Several rooms, each new to the guest's gateways: every one needs a fresh subscription.
      for (let i = 0; i < 5; i += 1) {
        const room = await createRoom(suite.stack.api.url, owner, { kind: 'private' });
        const joined = guest.on.map((s) => nextEvent<Room>(s, 'room.joined', inRoom(room.id)));
        await api(owner)
          .post(`/api/rooms/${room.id}/members`)
          .send({ userId: guest.user.id })
          .expect(201);
        await Promise.all(joined);
        const live = guest.on.map((s) =>
          nextEvent<Message>(s, 'message', (m) => m.roomId === room.id),
        );
        const ack = await send(ownerSocket, room.id, `welcome ${i}`);
        expect(ack.ok).toBe(true);
        for (const message of await Promise.all(live))
          expect(message).toMatchObject({ message: `welcome ${i}`, from: owner.id, seq: 1 });
      }
    },
  );

  it('kick: within 1 s of the REST response the member is out on both gateways, and stays out', async () => {
    const owner = await online('kicker');
    const stays = await online('stays');
    const kicked = await online('kicked');
    const room = await createRoom(suite.stack.api.url, owner.user);
    for (const u of [stays.user, kicked.user])
      await api(owner.user)
        .post(`/api/rooms/${room.id}/members`)
        .send({ userId: u.id })
        .expect(201);
    const before = kicked.on.map((s) => nextEvent<Message>(s, 'message', inRoom(room.id)));
    expect((await send(owner.on[0], room.id, 'before the kick')).ok).toBe(true);
    await Promise.all(before);

    const left = kicked.on.map((s) => nextEvent<RoomLeftEvent>(s, 'room.left', inRoom(room.id)));
    const told = owner.on.map((s) => nextEvent<MemberEvent>(s, 'member.left', inRoom(room.id)));
    await api(owner.user).delete(`/api/rooms/${room.id}/members/${kicked.user.id}`).expect(204);
    const answeredAt = Date.now();
    const leftAt = await Promise.all(left.map((p) => p.then(() => Date.now())));
    for (const at of leftAt) expect(at - answeredAt).toBeLessThanOrEqual(1_000);
    for (const event of await Promise.all(told)) expect(event.user.id).toBe(kicked.user.id);

    const after = kicked.on.map((s) => collect<Message>(s, 'message'));
    const reached = stays.on.map((s) => nextEvent<Message>(s, 'message', inRoom(room.id)));
    expect((await send(owner.on[1], room.id, 'after the kick')).ok).toBe(true);
    await api(owner.user).post(`/api/rooms/${room.id}/messages`).send({ message: 'over REST' });
    await Promise.all(reached);
    await sleep(QUIET_MS);
    for (const seen of after) expect(seen.filter((m) => m.roomId === room.id)).toEqual([]);

    for (const socket of kicked.on) {
      const join = await socket.timeout(5_000).emitWithAck('room.join', room.id);
      expect(join).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      const sync = await socket.timeout(5_000).emitWithAck('sync', { cursors: { [room.id]: '0' } });
      expect(sync.ok).toBe(true);
      expect(sync.rooms[room.id]).toBeUndefined();
      const post = await send(socket, room.id, 'let me back');
      expect(post).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    await api(kicked.user).get(`/api/rooms/${room.id}/messages`).expect(403);
  });

  it('leave: the leaver’s sockets get room.left, the others member.left and room.updated', async () => {
    const owner = await online('host');
    const leaver = await online('leaver');
    const room = await createRoom(suite.stack.api.url, owner.user);
    await api(leaver.user).post(`/api/rooms/${room.id}/join`).expect(200);
    const left = leaver.on.map((s) => nextEvent<RoomLeftEvent>(s, 'room.left', inRoom(room.id)));
    const told = owner.on.map((s) =>
      Promise.all([
        nextEvent<MemberEvent>(s, 'member.left', inRoom(room.id)),
        nextEvent<Room>(s, 'room.updated', (r) => r.id === room.id && r.memberCount === 1),
      ]),
    );
    await api(leaver.user).post(`/api/rooms/${room.id}/leave`).expect(204);
    await Promise.all(left);
    for (const [member] of await Promise.all(told)) expect(member.user.id).toBe(leaver.user.id);
  });

  it('roles: member.updated reaches every member; a hand-over announces both new roles', async () => {
    const owner = await online('boss');
    const heir = await online('heir');
    const room = await createRoom(suite.stack.api.url, owner.user);
    await api(heir.user).post(`/api/rooms/${room.id}/join`).expect(200);
    const promoted = heir.on.map((s) =>
      nextEvent<MemberEvent>(s, 'member.updated', inRoom(room.id)),
    );
    await api(owner.user)
      .put(`/api/rooms/${room.id}/members/${heir.user.id}`)
      .send({ role: 'admin' })
      .expect(200);
    for (const e of await Promise.all(promoted))
      expect(e).toMatchObject({ user: { id: heir.user.id }, role: 'admin' });

    const seen = owner.on.map((s) => collect<MemberEvent>(s, 'member.updated'));
    const handedOver = owner.on.map((s) =>
      nextEvent<MemberEvent>(s, 'member.updated', (e) => e.user.id === owner.user.id),
    );
    await api(owner.user)
      .put(`/api/rooms/${room.id}/members/${heir.user.id}`)
      .send({ role: 'owner' })
      .expect(200);
    await Promise.all(handedOver);
    for (const events of seen)
      expect(events.map((e) => [e.user.id, e.role])).toEqual(
        expect.arrayContaining([
          [heir.user.id, 'owner'],
          [owner.user.id, 'admin'],
        ]),
      );
  });

  it('rename: room.updated reaches the members on both gateways, and nobody else', async () => {
    const owner = await online('renamer');
    const member = await online('member');
    const outsider = await online('outsider');
    const room = await createRoom(suite.stack.api.url, owner.user, { kind: 'private' });
    await api(owner.user).post(`/api/rooms/${room.id}/members`).send({ userId: member.user.id });
    const updated = member.on.map((s) =>
      nextEvent<Room>(s, 'room.updated', (r) => r.id === room.id && r.topic === 'Launch day'),
    );
    const leaked = outsider.on.map((s) => collect<Room>(s, 'room.updated'));
    await api(owner.user).patch(`/api/rooms/${room.id}`).send({ topic: 'Launch day' }).expect(200);
    for (const r of await Promise.all(updated)) expect(r).toMatchObject({ name: room.name });
    await sleep(QUIET_MS);
    for (const events of leaked) expect(events.filter((r) => r.id === room.id)).toEqual([]);
  });

  it('50 concurrent joins (each sent twice) leave exactly the 50 joiners and the owner', async () => {
    const owner = await online('popular');
    const room = await createRoom(suite.stack.api.url, owner.user);
    const joiners = await Promise.all(
      Array.from({ length: 50 }, () => registerUser(suite.stack.api.url, 'crowd')),
    );
    const announced = owner.on.map((s) => collect<MemberEvent>(s, 'member.joined'));
    const answers = await Promise.all(
      [...joiners, ...joiners].map((u) => api(u).post(`/api/rooms/${room.id}/join`)),
    );
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));

    const ids = new Set<string>();
    let cursor: string | null = null;
    do {
      const res = await api(owner.user)
        .get(`/api/rooms/${room.id}/members`)
        .query(cursor ? { limit: 100, cursor } : { limit: 100 })
        .expect(200);
      const body = res.body as MembersPage;
      body.members.forEach((m) => ids.add(m.user.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect([...ids].sort()).toEqual([owner.user.id, ...joiners.map((u) => u.id)].sort());
    const view = (await api(owner.user).get(`/api/rooms/${room.id}`).expect(200)).body as Room;
    expect(view.memberCount).toBe(51);

    // Each join is announced once: 50 distinct member.joined on each of the owner's sockets.
    const ofRoom = (events: MemberEvent[]) => events.filter((e) => e.roomId === room.id);
    for (const events of announced) {
      await waitForLength(() => ofRoom(events).length, 50);
      await sleep(QUIET_MS);
      const users = ofRoom(events).map((e) => e.user.id);
      expect(users).toHaveLength(50);
      expect(new Set(users).size).toBe(50);
    }
  });
});

async function waitForLength(length: () => number, wanted: number, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (length() < wanted) {
    if (Date.now() > deadline)
      throw new Error(`only ${length()} of ${wanted} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
