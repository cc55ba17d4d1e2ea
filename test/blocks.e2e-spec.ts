import type { Message, Room, User } from '@app/contracts';
import { createRoom, nextEvent, send } from './support/rooms';
import { registerUser, TestUser } from './support/stack';
import { useStack } from './support/suite';

/**
 * Blocking, enforced by the server: a blocked user cannot open a DM with the blocker, post into
 * their DM or add them to a room; in shared group rooms messages still flow.
 */
describe('blocking', () => {
  const suite = useStack({ gateways: 2 });
  const { api, open } = suite;
  let ann: TestUser;
  let ben: TestUser;

  beforeEach(async () => {
    [ann, ben] = await Promise.all(['ann', 'ben'].map((p) => registerUser(suite.stack.api.url, p)));
  });

  const block = (by: TestUser, who: TestUser) => api(by).put(`/api/me/blocks/${who.id}`);
  const openDm = (from: TestUser, to: TestUser) =>
    api(from).post('/api/rooms/dm').send({ userId: to.id });

  it('refuses the blocked user’s messages in the DM (REST 403, socket ack "blocked"), not the blocker’s', async () => {
    const dm = (await openDm(ann, ben).expect(201)).body as Room;
    await api(ben).post(`/api/rooms/${dm.id}/messages`).send({ message: 'before' }).expect(201);
    await block(ann, ben).expect(204);
    await block(ann, ben).expect(204);

    const rest = await api(ben).post(`/api/rooms/${dm.id}/messages`).send({ message: 'hey' });
    expect(rest.status).toBe(403);
    const socket = await open(ben, 1);
    expect(await send(socket, dm.id, 'hey?')).toMatchObject({
      ok: false,
      error: { code: 'blocked' },
    });
    await api(ann).post(`/api/rooms/${dm.id}/messages`).send({ message: 'bye' }).expect(201);
    const history = (await api(ann).get(`/api/rooms/${dm.id}/messages`).expect(200)).body as {
      messages: Message[];
    };
    expect(history.messages.map((m) => m.message)).toEqual(['before', 'bye']);
    expect(history.messages.map((m) => m.seq)).toEqual([1, 2]);
  });

  it('a blocked user cannot open a DM with the blocker, even by a first socket message', async () => {
    await block(ann, ben).expect(204);
    await openDm(ben, ann).expect(403);
    const socket = await open(ben, 0);
    const roomId = [ann.id, ben.id].sort((a, b) => Number(a) - Number(b)).join(':');
    expect(await send(socket, roomId, 'hi')).toMatchObject({
      ok: false,
      error: { code: 'blocked' },
    });
    // The blocker may still open it; the block holds inside the new DM too.
    const dm = (await openDm(ann, ben).expect(201)).body as Room;
    await api(ben).post(`/api/rooms/${dm.id}/messages`).send({ message: 'hi' }).expect(403);
  });

  it('a blocked user cannot add the blocker to a room; group rooms they share still carry both', async () => {
    const room = await createRoom(suite.stack.api.url, ben);
    await block(ann, ben).expect(204);
    await api(ben).post(`/api/rooms/${room.id}/members`).send({ userId: ann.id }).expect(403);
    await api(ann).post(`/api/rooms/${room.id}/join`).expect(200);
    const annSocket = await open(ann, 0);
    const live = nextEvent<Message>(annSocket, 'message', (m) => m.roomId === room.id);
    await api(ben).post(`/api/rooms/${room.id}/messages`).send({ message: 'all here' }).expect(201);
    expect((await live).from).toBe(ben.id);
  });

  it('unblocking restores DMs; the list shows who is blocked', async () => {
    const carl = await registerUser(suite.stack.api.url, 'carl');
    await block(ann, ben).expect(204);
    await block(ann, carl).expect(204);
    const listed = (await api(ann).get('/api/me/blocks').expect(200)).body as User[];
    expect(listed.map((u) => u.id)).toEqual([ben.id, carl.id]);
    expect(listed[0]).toMatchObject({ username: ben.username });

    await api(ann).delete(`/api/me/blocks/${ben.id}`).expect(204);
    await api(ann).delete(`/api/me/blocks/${ben.id}`).expect(204);
    const dm = (await openDm(ben, ann).expect(201)).body as Room;
    await api(ben).post(`/api/rooms/${dm.id}/messages`).send({ message: 'friends' }).expect(201);
    expect(((await api(ann).get('/api/me/blocks')).body as User[]).map((u) => u.id)).toEqual([
      carl.id,
    ]);
  });

  it('400 for yourself or a malformed id, 404 for an unknown user', async () => {
    await api(ann).put(`/api/me/blocks/${ann.id}`).expect(400);
    await api(ann).put('/api/me/blocks/x1').expect(400);
    await api(ann).put('/api/me/blocks/999999').expect(404);
  });
});
