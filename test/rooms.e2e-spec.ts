import type { MembersPage, Room, RoomDirectoryPage, UsersPage } from '@app/contracts';
import { createRoom, roomName } from './support/rooms';
import { registerUser, TestUser } from './support/stack';
import { useStack } from './support/suite';

/**
 * Every room route and its rules, as a client of the REST API sees them. The live side (events
 * on both gateways, the 1-second bound, concurrency) is in rooms-live.e2e-spec.ts.
 */
describe('group rooms over REST', () => {
  const suite = useStack({ gateways: 2 });
  const { api } = suite;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dave: TestUser;

  beforeAll(async () => {
    [alice, bob, carol, dave] = await Promise.all(
      ['alice', 'bob', 'carol', 'dave'].map((p) => registerUser(suite.stack.api.url, p)),
    );
  });

  const role = async (roomId: string, user: TestUser) =>
    ((await api(user).get(`/api/rooms/${roomId}`)).body as Room).role;

  describe('create', () => {
    it('201 with the room; the creator is its owner and its only member', async () => {
      const name = roomName('design');
      const res = await api(alice)
        .post('/api/rooms')
        .send({ name, kind: 'public', topic: 'Logos and type' })
        .expect(201);
      const room = res.body as Room;
      expect(room).toMatchObject({
        kind: 'public',
        name,
        topic: 'Logos and type',
        createdBy: alice.id,
        memberCount: 1,
        role: 'owner',
        lastSeq: 0,
      });
      expect(room.id).not.toContain(':');
      expect(room.id).not.toBe('0');
      const mine = (await api(alice).get('/api/rooms').expect(200)).body as Room[];
      expect(mine.find((r) => r.id === room.id)).toMatchObject({ role: 'owner' });
    });

    it('public names are unique regardless of case (409); a private room may reuse one', async () => {
      const name = roomName('Ops');
      await createRoom(suite.stack.api.url, alice, { name });
      const clash = await api(bob)
        .post('/api/rooms')
        .send({ name: name.toUpperCase(), kind: 'public' });
      expect(clash.status).toBe(409);
      expect(clash.body.message).toEqual(expect.any(String));
      await api(bob).post('/api/rooms').send({ name, kind: 'private' }).expect(201);
    });

    it.each([
      ['no name', { kind: 'public' }],
      ['an empty name', { name: '', kind: 'public' }],
      ['a name of 81 characters', { name: 'x'.repeat(81), kind: 'public' }],
      ['kind "dm"', { name: 'x', kind: 'dm' }],
      ['a topic of 251 characters', { name: 'x', kind: 'public', topic: 't'.repeat(251) }],
    ])('400 for %s', async (_label, body) => {
      const res = await api(alice).post('/api/rooms').send(body);
      expect(res.status).toBe(400);
    });

    it('401 without a session', async () => {
      const { default: request } = await import('supertest');
      await request(suite.stack.api.url)
        .post('/api/rooms')
        .send({ name: 'x', kind: 'public' })
        .expect(401);
    });
  });

  describe('directory', () => {
    const prefix = `dir${Date.now().toString(36)}`;
    let publicNames: string[];
    let privateRoom: Room;

    beforeAll(async () => {
      publicNames = [`${prefix}-b`, `${prefix}-A`, `${prefix}-c`, `${prefix}-d`, `${prefix}-E`];
      for (const name of publicNames) await createRoom(suite.stack.api.url, alice, { name });
      privateRoom = await createRoom(suite.stack.api.url, alice, {
        name: `${prefix}-secret`,
        kind: 'private',
      });
    });

    const page = async (user: TestUser, query: Record<string, string | number>) =>
      (await api(user).get('/api/rooms/directory').query(query).expect(200))
        .body as RoomDirectoryPage;

    it('lists public rooms by name, prefix-matched case-insensitively, in pages', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 5; i += 1) {
        const query: Record<string, string | number> = { q: prefix.toUpperCase(), limit: 2 };
        if (cursor) query.cursor = cursor;
        const body = await page(bob, query);
        expect(body.rooms.length).toBeLessThanOrEqual(2);
        body.rooms.forEach((r) => expect(r.role).toBeUndefined());
        seen.push(...body.rooms.map((r) => r.name));
        cursor = body.nextCursor;
        if (!cursor) break;
      }
      expect(cursor).toBeNull();
      const expected = [...publicNames].sort((a, b) =>
        a.toLowerCase().localeCompare(b.toLowerCase()),
      );
      expect(seen).toEqual(expected);
    });

    it('never lists a private room, not even to its owner searching its exact name', async () => {
      for (const user of [alice, bob]) {
        const body = await page(user, { q: privateRoom.name, limit: 100 });
        expect(body.rooms.map((r) => r.id)).not.toContain(privateRoom.id);
      }
      const all = await page(alice, { q: prefix, limit: 100 });
      expect(all.rooms.map((r) => r.kind)).toEqual(publicNames.map(() => 'public'));
    });

    it.each([
      ['limit=0', { limit: 0 }],
      ['limit=101', { limit: 101 }],
      ['limit=abc', { limit: 'abc' }],
      ['a forged cursor', { cursor: '!!not-a-cursor!!' }],
    ])('400 for %s', async (_label, query) => {
      await api(bob).get('/api/rooms/directory').query(query).expect(400);
    });
  });

  describe('join', () => {
    it('a public room: 200 with the room and role "member"; joining again changes nothing', async () => {
      const room = await createRoom(suite.stack.api.url, alice);
      const res = await api(bob).post(`/api/rooms/${room.id}/join`).expect(200);
      expect(res.body).toMatchObject({ id: room.id, role: 'member', memberCount: 2 });
      const again = await api(bob).post(`/api/rooms/${room.id}/join`).expect(200);
      expect(again.body).toMatchObject({ memberCount: 2 });
    });

    it('a private room or a DM: 403; an unknown room: 404', async () => {
      const secret = await createRoom(suite.stack.api.url, alice, { kind: 'private' });
      await api(bob).post(`/api/rooms/${secret.id}/join`).expect(403);
      const dm = await api(alice).post('/api/rooms/dm').send({ userId: bob.id });
      expect([200, 201]).toContain(dm.status);
      await api(carol)
        .post(`/api/rooms/${(dm.body as Room).id}/join`)
        .expect(403);
      await api(bob).post('/api/rooms/gzzzzzzzzzzzzzzzz/join').expect(404);
    });
  });

  describe('add members', () => {
    it('public room: any member adds (201), again is 200; a non-member cannot (403)', async () => {
      const room = await createRoom(suite.stack.api.url, alice);
      await api(alice).post(`/api/rooms/${room.id}/members`).send({ userId: bob.id }).expect(201);
      await api(bob).post(`/api/rooms/${room.id}/members`).send({ userId: carol.id }).expect(201);
      await api(bob).post(`/api/rooms/${room.id}/members`).send({ userId: carol.id }).expect(200);
      await api(dave).post(`/api/rooms/${room.id}/members`).send({ userId: dave.id }).expect(403);
      expect(await role(room.id, carol)).toBe('member');
    });

    it('private room: admins add, members cannot (403)', async () => {
      const room = await createRoom(suite.stack.api.url, alice, { kind: 'private' });
      await api(alice).post(`/api/rooms/${room.id}/members`).send({ userId: bob.id }).expect(201);
      await api(bob).post(`/api/rooms/${room.id}/members`).send({ userId: carol.id }).expect(403);
      await api(alice)
        .put(`/api/rooms/${room.id}/members/${bob.id}`)
        .send({ role: 'admin' })
        .expect(200);
      await api(bob).post(`/api/rooms/${room.id}/members`).send({ userId: carol.id }).expect(201);
      expect(await role(room.id, carol)).toBe('member');
    });

    it('an unknown user is a 404; a malformed body a 400', async () => {
      const room = await createRoom(suite.stack.api.url, alice);
      await api(alice).post(`/api/rooms/${room.id}/members`).send({ userId: '999999' }).expect(404);
      await api(alice).post(`/api/rooms/${room.id}/members`).send({ userId: 'x y' }).expect(400);
      await api(alice).post(`/api/rooms/${room.id}/members`).send({}).expect(400);
    });
  });

  describe('roles and removal', () => {
    let room: Room;

    beforeEach(async () => {
      room = await createRoom(suite.stack.api.url, alice);
      for (const u of [bob, carol, dave])
        await api(alice).post(`/api/rooms/${room.id}/members`).send({ userId: u.id }).expect(201);
      await api(alice)
        .put(`/api/rooms/${room.id}/members/${bob.id}`)
        .send({ role: 'admin' })
        .expect(200);
    });

    it('a member cannot remove anyone (403) and cannot change roles (403)', async () => {
      await api(carol).delete(`/api/rooms/${room.id}/members/${dave.id}`).expect(403);
      await api(carol)
        .put(`/api/rooms/${room.id}/members/${dave.id}`)
        .send({ role: 'admin' })
        .expect(403);
      expect(await role(room.id, dave)).toBe('member');
    });

    it('nobody removes the owner, not even an admin (403)', async () => {
      await api(bob).delete(`/api/rooms/${room.id}/members/${alice.id}`).expect(403);
      expect(await role(room.id, alice)).toBe('owner');
    });

    it('an admin removes a member (204): the member loses the room at once', async () => {
      await api(bob).delete(`/api/rooms/${room.id}/members/${dave.id}`).expect(204);
      await api(dave).get(`/api/rooms/${room.id}/messages`).expect(403);
      await api(dave)
        .post(`/api/rooms/${room.id}/messages`)
        .send({ message: 'still here?' })
        .expect(403);
      const mine = (await api(dave).get('/api/rooms').expect(200)).body as Room[];
      expect(mine.map((r) => r.id)).not.toContain(room.id);
      await api(bob).delete(`/api/rooms/${room.id}/members/${dave.id}`).expect(404);
    });

    it('only the owner sets roles; an admin cannot promote (403)', async () => {
      await api(bob)
        .put(`/api/rooms/${room.id}/members/${carol.id}`)
        .send({ role: 'admin' })
        .expect(403);
      await api(alice)
        .put(`/api/rooms/${room.id}/members/${carol.id}`)
        .send({ role: 'boss' })
        .expect(400);
    });

    it('the last owner cannot leave (409) until ownership is handed over', async () => {
      await api(alice).post(`/api/rooms/${room.id}/leave`).expect(409);
      const res = await api(alice)
        .put(`/api/rooms/${room.id}/members/${carol.id}`)
        .send({ role: 'owner' })
        .expect(200);
      expect(res.body).toMatchObject({ user: { id: carol.id }, role: 'owner' });
      expect(await role(room.id, carol)).toBe('owner');
      expect(await role(room.id, alice)).toBe('admin');
      await api(alice).post(`/api/rooms/${room.id}/leave`).expect(204);
      await api(carol).delete(`/api/rooms/${room.id}/members/${bob.id}`).expect(204);
    });
  });

  describe('leave', () => {
    it('a member leaves (204) and can join a public room again', async () => {
      const room = await createRoom(suite.stack.api.url, alice);
      await api(bob).post(`/api/rooms/${room.id}/join`).expect(200);
      await api(bob).post(`/api/rooms/${room.id}/leave`).expect(204);
      await api(bob).get(`/api/rooms/${room.id}/messages`).expect(403);
      await api(bob).post(`/api/rooms/${room.id}/leave`).expect(403);
      await api(bob).post(`/api/rooms/${room.id}/join`).expect(200);
    });

    it('General and DMs cannot be left (409)', async () => {
      await api(bob).post('/api/rooms/0/leave').expect(409);
      const dm = (await api(bob).post('/api/rooms/dm').send({ userId: carol.id })).body as Room;
      await api(bob).post(`/api/rooms/${dm.id}/leave`).expect(409);
    });
  });

  describe('rename and topic', () => {
    it('admins rename and set the topic (200); members cannot (403); a taken name is 409', async () => {
      const taken = await createRoom(suite.stack.api.url, carol);
      const room = await createRoom(suite.stack.api.url, alice);
      await api(alice).post(`/api/rooms/${room.id}/members`).send({ userId: bob.id }).expect(201);
      await api(bob).patch(`/api/rooms/${room.id}`).send({ topic: 'mine now' }).expect(403);
      const newName = roomName('renamed');
      const res = await api(alice)
        .patch(`/api/rooms/${room.id}`)
        .send({ name: newName, topic: 'Quarterly planning' })
        .expect(200);
      expect(res.body).toMatchObject({ id: room.id, name: newName, topic: 'Quarterly planning' });
      await api(alice).patch(`/api/rooms/${room.id}`).send({ name: taken.name }).expect(409);
      const found = (await api(dave).get('/api/rooms/directory').query({ q: newName }).expect(200))
        .body as RoomDirectoryPage;
      expect(found.rooms.map((r) => r.id)).toEqual([room.id]);
      const old = (await api(dave).get('/api/rooms/directory').query({ q: room.name }).expect(200))
        .body as RoomDirectoryPage;
      expect(old.rooms.map((r) => r.id)).not.toContain(room.id);
    });
  });

  describe('members listing and private rooms', () => {
    it('pages through every member with their role; non-members of a private room get 403', async () => {
      const room = await createRoom(suite.stack.api.url, alice, { kind: 'private' });
      for (const u of [bob, carol, dave])
        await api(alice).post(`/api/rooms/${room.id}/members`).send({ userId: u.id }).expect(201);
      await api(alice).delete(`/api/rooms/${room.id}/members/${dave.id}`).expect(204);
      const seen: Array<[string, string]> = [];
      let cursor: string | null = null;
      do {
        const res = await api(bob)
          .get(`/api/rooms/${room.id}/members`)
          .query(cursor ? { limit: 1, cursor } : { limit: 1 })
          .expect(200);
        const body = res.body as MembersPage;
        expect(body.members.length).toBeLessThanOrEqual(1);
        seen.push(...body.members.map((m): [string, string] => [m.user.id, m.role]));
        cursor = body.nextCursor;
      } while (cursor);
      expect(new Map(seen)).toEqual(
        new Map([
          [alice.id, 'owner'],
          [bob.id, 'member'],
          [carol.id, 'member'],
        ]),
      );
      await api(dave).get(`/api/rooms/${room.id}/members`).expect(403);
      await api(dave).get(`/api/rooms/${room.id}`).expect(403);
      await api(dave).get(`/api/rooms/${room.id}/messages`).expect(403);
    });
  });

  describe('users search', () => {
    it('finds users by username prefix, case-insensitively, in pages; never the whole list', async () => {
      const tag = `srch${Date.now().toString(36)}`;
      const made = await Promise.all([1, 2, 3].map(() => registerUser(suite.stack.api.url, tag)));
      const found: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await api(alice)
          .get('/api/users/search')
          .query(
            cursor
              ? { q: tag.toUpperCase(), limit: 2, cursor }
              : { q: tag.toUpperCase(), limit: 2 },
          )
          .expect(200);
        const body = res.body as UsersPage;
        found.push(...body.users.map((u) => u.id));
        cursor = body.nextCursor;
      } while (cursor);
      expect(found.sort()).toEqual(made.map((u) => u.id).sort());
      await api(alice).get('/api/users').expect(400);
      await api(alice).get('/api/users/search').query({ q: tag, limit: 0 }).expect(400);
    });
  });

  describe('the seed-compatible routes', () => {
    it('list only General and DMs, never a group room', async () => {
      const room = await createRoom(suite.stack.api.url, carol);
      const res = await api(carol).get(`/rooms/${carol.id}`).expect(200);
      const ids = (res.body as Room[]).map((r) => r.id);
      expect(ids).toContain('0');
      expect(ids).not.toContain(room.id);
      ids.forEach((id) => expect(id === '0' || id.includes(':')).toBe(true));
    });
  });
});
