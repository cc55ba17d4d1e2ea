import type { FeedItem, Room } from '@app/contracts';
import type { Socket } from 'socket.io-client';
import request from 'supertest';
import { waitFor } from './support/api';
import { ApiProcess } from './support/api-process';
import { mq } from './support/mq';
import { as, createRoom, send } from './support/rooms';
import { freePort, registerUser, type TestUser } from './support/stack';
import { useStack } from './support/suite';

/** LIMIT_QUEUE_LENGTH for this suite: small enough to fill a queue with a few messages. */
const QUEUE_LENGTH = 30;

describe('room feeds', () => {
  const suite = useStack({ gateways: 2, env: { LIMIT_QUEUE_LENGTH: String(QUEUE_LENGTH) } });
  let second: ApiProcess;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let room: Room;
  const api = () => suite.stack.api.url;
  const feedsOf = (roomId: string) => `/api/rooms/${encodeURIComponent(roomId)}/feeds`;
  const post = (url: string, user: TestUser, roomId: string, message: string) =>
    as(url, user)
      .post(`/api/rooms/${encodeURIComponent(roomId)}/messages`)
      .send({ message });

  /** Everything in the user's queue, taken with hard gets. */
  async function drain(user: TestUser, queue: string): Promise<FeedItem[]> {
    const items: FeedItem[] = [];
    for (;;) {
      const res = await mq(api(), user.token).get(`/mq/q/${queue}`);
      if (res.status === 404) return items;
      items.push(JSON.parse((res.body as { value: string }).value) as FeedItem);
    }
  }
  /** Takes from the queue until `done` holds for what was taken so far. */
  async function drainUntil(user: TestUser, queue: string, done: (items: FeedItem[]) => boolean) {
    const items: FeedItem[] = [];
    await waitFor(async () => {
      items.push(...(await drain(user, queue)));
      return done(items);
    });
    return items;
  }
  const texts = (items: FeedItem[]) =>
    items.filter((i) => i.type === 'message').map((i) => i.message.message);

  beforeAll(async () => {
    second = new ApiProcess(await freePort(), suite.stack.env);
    await second.start();
    [alice, bob, carol] = await Promise.all(
      ['fda', 'fdb', 'fdc'].map((p) => registerUser(api(), p)),
    );
    room = await createRoom(api(), alice);
    await as(api(), bob).post(`/api/rooms/${room.id}/join`).expect(200);
  }, 60_000);
  afterAll(async () => {
    await second?.stop('SIGKILL');
  });

  it('a member creates, lists and removes feeds; a non-member gets 403; bad input a 4xx', async () => {
    const created = await as(api(), alice).post(feedsOf(room.id)).send({ queue: 'crud' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ roomId: room.id, queue: 'crud' });
    expect((await as(api(), alice).get(feedsOf(room.id))).body).toEqual([created.body]);
    expect((await as(api(), alice).post(feedsOf(room.id)).send({ queue: 'crud' })).status).toBe(
      409,
    );
    expect((await as(api(), alice).post(feedsOf(room.id)).send({ queue: 'a b' })).status).toBe(400);
    expect((await as(api(), alice).post(feedsOf(room.id)).send({})).status).toBe(400);
    expect((await as(api(), carol).post(feedsOf(room.id)).send({ queue: 'spy' })).status).toBe(403);
    expect((await as(api(), carol).get(feedsOf(room.id))).status).toBe(403);
    expect(
      (await as(api(), alice).post(feedsOf('gaaaaaaaaaaaaaaaa')).send({ queue: 'x' })).status,
    ).toBe(404);
    expect((await as(api(), alice).delete(`${feedsOf(room.id)}/crud`)).status).toBe(204);
    expect((await as(api(), alice).delete(`${feedsOf(room.id)}/crud`)).status).toBe(404);
    expect((await as(api(), alice).get(feedsOf(room.id))).body).toEqual([]);
  });

  it('each message lands once, from REST on two API processes and sockets on two gateways; edits as updates', async () => {
    await as(api(), alice).post(feedsOf(room.id)).send({ queue: 'all' }).expect(201);
    const sockets: Socket[] = [await suite.open(alice, 0), await suite.open(bob, 1)];
    await post(api(), alice, room.id, 'rest one').expect(201);
    await post(second.url, bob, room.id, 'rest two').expect(201);
    expect((await send(sockets[0], room.id, 'socket one')).ok).toBe(true);
    const edited = await send(sockets[1], room.id, 'socket two');
    await as(second.url, bob)
      .patch(`/api/rooms/${room.id}/messages/${edited.message!.id}`)
      .send({ message: 'socket two, edited' })
      .expect(200);
    const items = await drainUntil(alice, 'all', (got) => got.length >= 5);
    expect(texts(items).sort()).toEqual(
      ['rest one', 'rest two', 'socket one', 'socket two'].sort(),
    );
    const update = items.find((i) => i.type === 'update');
    expect(update).toMatchObject({
      type: 'update',
      roomId: room.id,
      message: { id: edited.message!.id, message: 'socket two, edited' },
    });
    await post(api(), alice, room.id, 'marker').expect(201);
    const rest = await drainUntil(alice, 'all', (got) => texts(got).includes('marker'));
    expect(rest).toHaveLength(1); // nothing came twice
  });

  it("is one user's own: others never see it, nor the queue behind it", async () => {
    await as(api(), alice).post(feedsOf(room.id)).send({ queue: 'mine' }).expect(201);
    expect((await as(api(), bob).get(feedsOf(room.id))).body).toEqual([]);
    expect((await as(api(), bob).delete(`${feedsOf(room.id)}/mine`)).status).toBe(404);
    await post(api(), bob, room.id, 'for alice only').expect(201);
    await drainUntil(alice, 'mine', (got) => texts(got).includes('for alice only'));
    const bobs = (await mq(api(), bob.token).get('/mq/q')).body as Array<{ queue: string }>;
    expect(bobs.map((q) => q.queue)).not.toContain('mine');
    expect((await mq(api(), bob.token).get('/mq/q/mine')).status).toBe(404);
  });

  it('stops when its owner is kicked (and when they leave)', async () => {
    const dave = await registerUser(api(), 'fdd');
    await as(api(), dave).post(`/api/rooms/${room.id}/join`).expect(200);
    await as(api(), dave).post(feedsOf(room.id)).send({ queue: 'kicked' }).expect(201);
    await as(api(), bob).post(feedsOf(room.id)).send({ queue: 'left' }).expect(201);
    await as(api(), alice).post(feedsOf(room.id)).send({ queue: 'witness' }).expect(201);
    await post(api(), alice, room.id, 'before').expect(201);
    await drainUntil(dave, 'kicked', (got) => texts(got).includes('before'));
    await drainUntil(bob, 'left', (got) => texts(got).includes('before'));

    await as(api(), alice).delete(`/api/rooms/${room.id}/members/${dave.id}`).expect(204);
    await as(api(), bob).post(`/api/rooms/${room.id}/leave`).expect(204);
    await post(second.url, alice, room.id, 'after').expect(201);
    await drainUntil(alice, 'witness', (got) => texts(got).includes('after'));
    expect(await drain(dave, 'kicked')).toEqual([]);
    expect(await drain(bob, 'left')).toEqual([]);
    expect((await as(api(), dave).get(feedsOf(room.id))).status).toBe(403);
    await as(api(), bob).post(`/api/rooms/${room.id}/join`).expect(200);
    expect((await as(api(), bob).get(feedsOf(room.id))).body).toEqual([]);
  });

  it('a full queue drops feed items and counts them; the messages are still sent', async () => {
    const own = await createRoom(api(), carol);
    await as(api(), carol).post(feedsOf(own.id)).send({ queue: 'small' }).expect(201);
    for (let i = 0; i < QUEUE_LENGTH + 5; i += 1) {
      await post(i % 2 ? api() : second.url, carol, own.id, `n${i}`).expect(201);
    }
    const stats = async () =>
      (await mq(api(), carol.token).get('/mq/stats/small')).body as {
        len: number;
        metrics: Record<string, number>;
      };
    await waitFor(async () => (await stats()).metrics.dropped === 5);
    expect(await stats()).toMatchObject({ len: QUEUE_LENGTH, metrics: { added: QUEUE_LENGTH } });
  });

  it('a room and an account hold a bounded number of feeds (409 beyond)', async () => {
    const own = await createRoom(api(), carol);
    const token = carol.token;
    for (let i = 0; i < 20; i += 1) {
      await request(api())
        .post(feedsOf(own.id))
        .set('Authorization', `Bearer ${token}`)
        .send({ queue: `q${i}` })
        .expect(201);
    }
    const over = await as(api(), carol).post(feedsOf(own.id)).send({ queue: 'q20' });
    expect(over.status).toBe(409);
    expect(over.body.message).toMatch(/at most 20 feeds/);
  });

  it('an API token needs messages:read for feeds', async () => {
    const create = async (scopes: string[]) =>
      (await as(api(), alice).post('/api/tokens').send({ name: 'feeds', scopes }).expect(201))
        .body as { token: string };
    const narrow = await create(['queues', 'rooms:write']);
    const reader = await create(['messages:read']);
    const withToken = (token: string): TestUser => ({ ...alice, token });
    expect((await as(api(), withToken(narrow.token)).get(feedsOf(room.id))).status).toBe(403);
    expect((await as(api(), withToken(reader.token)).get(feedsOf(room.id))).status).toBe(200);
  });
});
