import { RedisKeys } from '@app/redis';
import { sign } from 'cookie-signature';
import Redis from 'ioredis';
import request, { type Response } from 'supertest';
import { startApi, TestApi, testRedisUrl, waitFor } from './support/api';
import { SESSION_COOKIE, sessionCookie, setCookies } from './support/http';

/**
 * The reference demo's root-path routes (docs/reference-client.md), its demo data,
 * and one test per numbered defect of research/seed-api.md §9 that the REST side can show. Each
 * defect test fails against the reference demo's behaviour.
 */

const PASSWORD = 'password123';
const DEMO_USERS = ['Pablo', 'Joe', 'Mary', 'Alex'];
const DEMO_GREETINGS = ['Hello', 'Hi', 'Yo', 'Hola'];
const DEMO_GENERAL = [
  'Hello!',
  'Hi, How are you? What about our next meeting?',
  'Yeah everything is fine',
  'Next meeting tomorrow 10.00AM',
  "Wow that's great",
];
const DEMO_DMS = ['1:2', '1:3', '1:4', '2:3', '2:4', '3:4'];
const MESSAGE_KEYS = ['clientId', 'date', 'from', 'id', 'message', 'roomId', 'seq'];

interface SeedUser {
  id: string;
  username: string;
  cookie: string;
}

interface SeedMessage {
  id: string;
  roomId: string;
  from: string;
  message: string;
  date: number;
  seq: number;
}

/** POST /login as the reference client does; asserts the status and returns the session. */
async function seedLogin(
  url: string,
  username: string,
  status: 200 | 201,
  password = PASSWORD,
): Promise<SeedUser> {
  const res = await request(url).post('/login').send({ username, password });
  if (res.status !== status) {
    throw new Error(`POST /login ${username}: ${res.status} ${res.text} (wanted ${status})`);
  }
  const body = res.body as { id: string; username: string };
  return { id: body.id, username: body.username, cookie: sessionCookie(res) };
}

async function post(
  url: string,
  user: SeedUser,
  roomId: string,
  message: string,
): Promise<SeedMessage> {
  const res = await request(url)
    .post(`/api/rooms/${roomId}/messages`)
    .set('Cookie', user.cookie)
    .send({ message });
  if (res.status !== 201) throw new Error(`post to ${roomId}: ${res.status} ${res.text}`);
  return res.body as SeedMessage;
}

async function ready(url: string, timeoutMs = 15_000): Promise<void> {
  await waitFor(
    async () => (await request(url).get('/api/health/ready')).status === 200,
    timeoutMs,
  );
}

/** A root-route error: the status and a string `message` (the reference client shows it as text). */
function expectSeedError(res: Response, status: number | number[]): void {
  const statuses = Array.isArray(status) ? status : [status];
  expect(statuses).toContain(res.status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(typeof (res.body as { message?: unknown }).message).toBe('string');
}

function hasSessionCookie(res: Response): boolean {
  return setCookies(res).some((c) => c.startsWith(`${SESSION_COOKIE}=`));
}

async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

async function expectAlive(url: string): Promise<void> {
  expect((await request(url).get('/api/health/live')).status).toBe(200);
}

describe('seed-client compatibility', () => {
  let api: TestApi;
  let alice: SeedUser;
  let bob: SeedUser;
  let carol: SeedUser;

  beforeAll(async () => {
    api = await startApi({}, { db: 2 });
    // A fresh database: ids are "1", "2", "3" in creation order.
    alice = await seedLogin(api.url, 'alice', 201);
    bob = await seedLogin(api.url, 'bob', 201);
    carol = await seedLogin(api.url, 'carol', 201);
  });
  afterAll(() => api?.close());

  describe('root routes with the reference demo shapes', () => {
    it('assigns decimal user ids in creation order', () => {
      expect([alice.id, bob.id, carol.id]).toEqual(['1', '2', '3']);
    });

    it('GET /me is the JSON literal null without a session and the user with one', async () => {
      const anon = await request(api.url).get('/me');
      expect(anon.status).toBe(200);
      expect(anon.headers['content-type']).toMatch(/^application\/json/);
      expect(anon.text).toBe('null');

      const me = await request(api.url).get('/me').set('Cookie', alice.cookie);
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ id: '1', username: 'alice' });
    });

    it('GET /links answers 200 without auth', async () => {
      const res = await request(api.url).get('/links');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ github: expect.stringMatching(/^https:\/\/github\.com\//) });
    });

    it('POST /login registers an unknown name (201), logs in an existing one (200), 404 with a string message on a wrong password', async () => {
      const created = await request(api.url)
        .post('/login')
        .send({ username: 'newbie', password: PASSWORD });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        id: expect.stringMatching(/^[1-9]\d*$/),
        username: 'newbie',
      });
      const cookie = sessionCookie(created);
      expect((await request(api.url).get('/me').set('Cookie', cookie)).body).toMatchObject({
        id: created.body.id,
        username: 'newbie',
      });

      const again = await request(api.url)
        .post('/login')
        .send({ username: 'newbie', password: PASSWORD });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id: created.body.id, username: 'newbie' });

      // Names are one account ignoring case: this is a login, not a second registration.
      const otherCase = await request(api.url)
        .post('/login')
        .send({ username: 'NEWBIE', password: PASSWORD });
      expect(otherCase.status).toBe(200);
      expect(otherCase.body.id).toBe(created.body.id);

      const wrong = await request(api.url)
        .post('/login')
        .send({ username: 'newbie', password: 'not-the-password' });
      expectSeedError(wrong, 404);
      expect(hasSessionCookie(wrong)).toBe(false);
    });

    it('with SIGNUP_ON_LOGIN=false an unknown name is a 404 and nothing is created', async () => {
      const strict = await startApi({ SIGNUP_ON_LOGIN: 'false' }, { db: 2, flush: false });
      try {
        const before = await api.redis.hlen(RedisKeys.profiles());
        const res = await request(strict.url)
          .post('/login')
          .send({ username: 'ghost', password: PASSWORD });
        expectSeedError(res, 404);
        expect(hasSessionCookie(res)).toBe(false);
        expect(await api.redis.hlen(RedisKeys.profiles())).toBe(before);
        expect(await api.redis.hget(RedisKeys.usernames(), 'ghost')).toBeNull();

        const existing = await request(strict.url)
          .post('/login')
          .send({ username: 'alice', password: PASSWORD });
        expect(existing.status).toBe(200);
        expect(existing.body).toMatchObject({ id: alice.id, username: 'alice' });
      } finally {
        await strict.close();
      }
    });

    it('POST /logout ends the session', async () => {
      const session = await seedLogin(api.url, 'alice', 200);
      const res = await request(api.url).post('/logout').set('Cookie', session.cookie);
      expect(res.status).toBe(200);
      expect((await request(api.url).get('/me').set('Cookie', session.cookie)).text).toBe('null');
      expect(
        (await request(api.url).get('/users/online').set('Cookie', session.cookie)).status,
      ).toBe(401);
    });

    it('GET /users?ids[]= answers an object keyed by id, for several ids and for one', async () => {
      const two = await request(api.url).get('/users?ids[]=1&ids[]=2').set('Cookie', alice.cookie);
      expect(two.status).toBe(200);
      expect(two.body).toEqual({
        '1': { id: '1', username: 'alice', online: false },
        '2': { id: '2', username: 'bob', online: false },
      });

      const one = await request(api.url).get('/users?ids[]=1').set('Cookie', alice.cookie);
      expect(one.status).toBe(200);
      expect(one.body).toEqual({ '1': { id: '1', username: 'alice', online: false } });

      // A single id may also arrive as a plain string.
      const scalar = await request(api.url).get('/users?ids=2').set('Cookie', alice.cookie);
      expect(scalar.status).toBe(200);
      expect(scalar.body).toEqual({ '2': { id: '2', username: 'bob', online: false } });
    });

    it('GET /users/online answers an object keyed by id', async () => {
      const empty = await request(api.url).get('/users/online').set('Cookie', alice.cookie);
      expect(empty.status).toBe(200);
      expect(empty.body).toEqual({});

      // Presence is written by the gateways; stand in for them.
      await api.redis.sadd(RedisKeys.onlineUsers(), alice.id, carol.id);
      try {
        const res = await request(api.url).get('/users/online').set('Cookie', bob.cookie);
        expect(res.status).toBe(200);
        expect(res.body).toEqual({
          '1': { id: '1', username: 'alice', online: true },
          '3': { id: '3', username: 'carol', online: true },
        });
        const users = await request(api.url)
          .get('/users?ids[]=1&ids[]=2')
          .set('Cookie', bob.cookie);
        expect(users.body['1'].online).toBe(true);
        expect(users.body['2'].online).toBe(false);
      } finally {
        await api.redis.srem(RedisKeys.onlineUsers(), alice.id, carol.id);
      }
    });

    it('POST /room takes the ids as strings, answers 201 {id:"a:b", names}; the caller must be one of them', async () => {
      const res = await request(api.url)
        .post('/room')
        .set('Cookie', alice.cookie)
        .send({ user1: '1', user2: '2' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ id: '1:2', names: ['alice', 'bob'] });

      // Either order, and again: the same room.
      const reversed = await request(api.url)
        .post('/room')
        .set('Cookie', bob.cookie)
        .send({ user1: '2', user2: '1' });
      expect(reversed.status).toBe(201);
      expect(reversed.body).toMatchObject({ id: '1:2', names: ['alice', 'bob'] });

      const byCarol = await request(api.url)
        .post('/room')
        .set('Cookie', carol.cookie)
        .send({ user1: '3', user2: '1' });
      expect(byCarol.status).toBe(201);
      expect(byCarol.body).toMatchObject({ id: '1:3', names: ['alice', 'carol'] });

      const foreign = await request(api.url)
        .post('/room')
        .set('Cookie', carol.cookie)
        .send({ user1: '1', user2: '2' });
      expectSeedError(foreign, 403);

      // Numbers are taken as the same ids (the reference server parseInt()s them).
      const numeric = await request(api.url)
        .post('/room')
        .set('Cookie', carol.cookie)
        .send({ user1: 1, user2: 3 });
      expect(numeric.status).toBe(201);
      expect(numeric.body).toMatchObject({ id: '1:3' });
    });

    it("GET /rooms/:userId lists the caller's rooms (General and DMs); another user's id is a 403", async () => {
      const res = await request(api.url).get(`/rooms/${alice.id}`).set('Cookie', alice.cookie);
      expect(res.status).toBe(200);
      const rooms = res.body as { id: string; names: string[] }[];
      expect(rooms[0]).toMatchObject({ id: '0', names: ['General'] });
      expect(rooms.map((r) => r.id)).toEqual(expect.arrayContaining(['0', '1:2', '1:3']));
      expect(rooms.find((r) => r.id === '1:2')?.names).toEqual(['alice', 'bob']);

      const bobs = await request(api.url).get(`/rooms/${bob.id}`).set('Cookie', bob.cookie);
      expect((bobs.body as { id: string }[]).map((r) => r.id)).toEqual(
        expect.arrayContaining(['0', '1:2']),
      );
      expect((bobs.body as { id: string }[]).map((r) => r.id)).not.toContain('1:3');

      expectSeedError(
        await request(api.url).get(`/rooms/${bob.id}`).set('Cookie', alice.cookie),
        403,
      );
    });

    it('GET /room/:id/messages pages newest first (offset/size, size=1 previews, defaults 0 and 15), DM id with a raw colon, members only', async () => {
      const dm = await request(api.url)
        .post('/room')
        .set('Cookie', bob.cookie)
        .send({ user1: '2', user2: '3' });
      expect(dm.body.id).toBe('2:3');
      const sent: SeedMessage[] = [];
      for (let i = 1; i <= 20; i += 1)
        sent.push(await post(api.url, i % 2 ? bob : carol, '2:3', `dm ${i}`));
      const newestFirst = [...sent].reverse();

      // The reference client's request, with the DM id's colon unencoded in the path.
      const page = await request(api.url)
        .get('/room/2:3/messages?offset=0&size=15')
        .set('Cookie', bob.cookie);
      expect(page.status).toBe(200);
      // What went over the wire: the colon was not percent-encoded.
      const sentPath = (page as unknown as { req: { path: string } }).req.path;
      expect(sentPath).toBe('/room/2:3/messages?offset=0&size=15');
      const messages = page.body as SeedMessage[];
      expect(messages.map((m) => m.message)).toEqual(
        newestFirst.slice(0, 15).map((m) => m.message),
      );
      expect(messages).toEqual(newestFirst.slice(0, 15));
      for (const m of messages) {
        expect(m).toEqual({
          id: expect.any(String),
          roomId: '2:3',
          from: expect.stringMatching(/^[23]$/),
          message: expect.any(String),
          date: expect.any(Number),
          seq: expect.any(Number),
        });
      }

      const defaults = await request(api.url).get('/room/2:3/messages').set('Cookie', carol.cookie);
      expect(defaults.status).toBe(200);
      expect(defaults.body).toEqual(messages);

      const preview = await request(api.url)
        .get('/room/2:3/messages?offset=0&size=1')
        .set('Cookie', carol.cookie);
      expect(preview.body).toEqual([newestFirst[0]]);

      const rest = await request(api.url)
        .get('/room/2:3/messages?offset=15&size=15')
        .set('Cookie', carol.cookie);
      expect((rest.body as SeedMessage[]).map((m) => m.message)).toEqual([
        'dm 5',
        'dm 4',
        'dm 3',
        'dm 2',
        'dm 1',
      ]);

      expectSeedError(
        await request(api.url)
          .get('/room/2:3/messages?offset=0&size=15')
          .set('Cookie', alice.cookie),
        403,
      );

      const general = await request(api.url)
        .get('/room/0/messages?offset=0&size=15')
        .set('Cookie', alice.cookie);
      expect(general.status).toBe(200);
      expect(Array.isArray(general.body)).toBe(true);
    });

    it('unauthenticated calls to protected root routes get 401 or 403', async () => {
      const calls = [
        request(api.url).get('/users/online'),
        request(api.url).get('/users?ids[]=1'),
        request(api.url).get('/rooms/1'),
        request(api.url).post('/room').send({ user1: '1', user2: '2' }),
        request(api.url).get('/room/0/messages?offset=0&size=15'),
        request(api.url).get('/room/1:2/messages'),
        request(api.url).post('/logout'),
      ];
      for (const res of await Promise.all(calls)) {
        expectSeedError(res, [401, 403]);
        expect(res.text).not.toMatch(/alice|bob|carol/);
      }
    });
  });

  describe('demo data (DEMO_DATA=true)', () => {
    const DB = 4;
    let redis: Redis;
    const apps: TestApi[] = [];

    interface Counts {
      users: number;
      general: number;
      dms: number[];
    }
    const counts = async (): Promise<Counts> => ({
      users: await redis.hlen(RedisKeys.profiles()),
      general: await redis.xlen(RedisKeys.roomMessages('0')),
      dms: await Promise.all(DEMO_DMS.map((id) => redis.xlen(RedisKeys.roomMessages(id)))),
    });
    const EXPECTED: Counts = { users: 4, general: 5, dms: [2, 2, 2, 2, 2, 2] };
    const atReady: Counts[] = [];

    beforeAll(async () => {
      redis = new Redis(testRedisUrl(DB));
      await redis.flushdb();
      // Three instances starting at the same moment on one empty database.
      apps.push(
        ...(await Promise.all(
          [0, 1, 2].map(() => startApi({ DEMO_DATA: 'true' }, { db: DB, flush: false })),
        )),
      );
      await Promise.all(
        apps.map(async (a) => {
          await ready(a.url);
          // Readiness turns 200 only once the data is complete.
          atReady.push(await counts());
        }),
      );
    });
    afterAll(async () => {
      await Promise.all(apps.map((a) => a.close()));
      redis?.disconnect();
    });

    it('seeds exactly once when three instances start at once, and each is ready only after seeding', async () => {
      expect(atReady).toEqual([EXPECTED, EXPECTED, EXPECTED]);
      expect(await counts()).toEqual(EXPECTED);
      expect(await redis.get(RedisKeys.userSeq())).toBe('4');
      expect(await redis.get(RedisKeys.roomSeq('0'))).toBe('5');
    });

    it('has the users Pablo, Joe, Mary, Alex with ids "1".."4" and password password123', async () => {
      for (const [i, name] of DEMO_USERS.entries()) {
        const res = await request(apps[i % 3].url)
          .post('/login')
          .send({ username: name, password: PASSWORD });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ id: String(i + 1), username: name });
      }
      const pablo = await seedLogin(apps[0].url, 'Pablo', 200);
      const rooms = await request(apps[0].url).get('/rooms/1').set('Cookie', pablo.cookie);
      expect((rooms.body as { id: string }[]).map((r) => r.id)).toEqual(['0', '1:2', '1:3', '1:4']);
    });

    it('has six DMs, each with one greeting from each side (Hello|Hi|Yo|Hola), dated in the past', async () => {
      const sessions = new Map<string, SeedUser>();
      for (const [i, name] of DEMO_USERS.entries()) {
        sessions.set(String(i + 1), await seedLogin(apps[1].url, name, 200));
      }
      const now = Date.now() / 1000;
      for (const roomId of DEMO_DMS) {
        const [a, b] = roomId.split(':');
        const res = await request(apps[1].url)
          .get(`/room/${roomId}/messages`)
          .set('Cookie', sessions.get(a)!.cookie);
        expect(res.status).toBe(200);
        const messages = res.body as SeedMessage[];
        expect(messages).toHaveLength(2);
        expect(messages.map((m) => m.from).sort()).toEqual([a, b]);
        for (const m of messages) {
          expect(DEMO_GREETINGS).toContain(m.message);
          expect(m.date).toBeLessThanOrEqual(now);
          expect(m.date).toBeGreaterThan(now - 300);
        }
        expect(messages[0].date).toBeGreaterThanOrEqual(messages[1].date);
      }
    });

    it('has the five reference texts in General, once each, in order, with increasing dates in the past', async () => {
      const alex = await seedLogin(apps[2].url, 'Alex', 200);
      const res = await request(apps[2].url)
        .get('/api/rooms/0/messages')
        .set('Cookie', alex.cookie);
      expect(res.status).toBe(200);
      const messages = (res.body as { messages: SeedMessage[] }).messages;
      expect(messages.map((m) => m.message)).toEqual(DEMO_GENERAL);
      const dates = messages.map((m) => m.date);
      for (let i = 1; i < dates.length; i += 1) expect(dates[i]).toBeGreaterThan(dates[i - 1]);
      expect(dates[dates.length - 1]).toBeLessThan(Date.now() / 1000);
      for (const m of messages) expect(['1', '2', '3', '4']).toContain(m.from);

      // The reference client's view of the same room: newest first.
      const seedView = await request(apps[2].url)
        .get('/room/0/messages?offset=0&size=15')
        .set('Cookie', alex.cookie);
      expect((seedView.body as SeedMessage[]).map((m) => m.message)).toEqual(
        [...DEMO_GENERAL].reverse(),
      );
    });

    it('does not seed again when an instance restarts on that database (even after the clientId memory expired)', async () => {
      const snapshot = async () =>
        Promise.all(
          ['0', ...DEMO_DMS].map((id) => redis.xrange(RedisKeys.roomMessages(id), '-', '+')),
        );
      const before = await snapshot();
      await apps.pop()!.close();
      // A restart a day later: the seed messages' clientId keys have expired by then.
      const cids = await scanKeys(redis, 'room:*:cid:*');
      expect(cids.length).toBeGreaterThan(0);
      await redis.del(...cids);

      apps.push(await startApi({ DEMO_DATA: 'true' }, { db: DB, flush: false }));
      await ready(apps[apps.length - 1].url);
      await new Promise((r) => setTimeout(r, 300));
      expect(await counts()).toEqual(EXPECTED);
      expect(await snapshot()).toEqual(before);
      expect(await redis.get(RedisKeys.userSeq())).toBe('4');
    });

    it('DEMO_DATA=false seeds nothing', async () => {
      const bare = await startApi({ DEMO_DATA: 'false' }, { db: 5 });
      try {
        await ready(bare.url);
        expect(await bare.redis.hlen(RedisKeys.profiles())).toBe(0);
        expect(await bare.redis.xlen(RedisKeys.roomMessages('0'))).toBe(0);
        const res = await request(bare.url)
          .post('/api/auth/login')
          .send({ username: 'Pablo', password: PASSWORD });
        expect(res.status).toBe(401);
      } finally {
        await bare.close();
      }
    });
  });

  describe('defects of the reference demo (seed-api.md §9), REST side', () => {
    it('defect #1: unauthenticated GET /users?ids[]=999 does not crash (401) and an unknown id is left out when authenticated', async () => {
      expectSeedError(await request(api.url).get('/users?ids[]=999'), 401);
      await expectAlive(api.url);

      const unknown = await request(api.url).get('/users?ids[]=999').set('Cookie', alice.cookie);
      expect(unknown.status).toBe(200);
      expect(unknown.body).toEqual({});
      const mixed = await request(api.url)
        .get('/users?ids[]=999&ids[]=2')
        .set('Cookie', alice.cookie);
      expect(mixed.status).toBe(200);
      expect(Object.keys(mixed.body)).toEqual(['2']);
      await expectAlive(api.url);
    });

    it('defect #2: unauthenticated POST /login without a JSON body or without a password is a 400 with a string message, not a crash', async () => {
      const attempts = [
        request(api.url).post('/login'),
        request(api.url).post('/login').send({}),
        request(api.url).post('/login').send({ username: 'alice' }),
        request(api.url).post('/login').send({ password: PASSWORD }),
        request(api.url).post('/login').send({ username: 'alice', password: null }),
        request(api.url).post('/login').send({ username: 42, password: 12345678 }),
        request(api.url)
          .post('/login')
          .send({ username: ['alice'], password: { $gt: '' } }),
        request(api.url)
          .post('/login')
          .set('Content-Type', 'application/json')
          .send('{"username": "alice",'),
        request(api.url).post('/login').set('Content-Type', 'text/plain').send('username=alice'),
      ];
      for (const res of await Promise.all(attempts)) {
        expectSeedError(res, 400);
        expect(hasSessionCookie(res)).toBe(false);
      }
      await expectAlive(api.url);
    });

    it('defect #3: GET /room/:id/messages without offset/size uses 0 and 15; malformed values are a 400, not a crash', async () => {
      const defaults = await request(api.url).get('/room/2:3/messages').set('Cookie', bob.cookie);
      const explicit = await request(api.url)
        .get('/room/2:3/messages?offset=0&size=15')
        .set('Cookie', bob.cookie);
      expect(defaults.status).toBe(200);
      expect(defaults.body).toHaveLength(15);
      expect(defaults.body).toEqual(explicit.body);

      for (const query of [
        'offset=abc&size=15',
        'offset=0&size=x',
        'size=-1',
        'size=0',
        'offset=-5',
        'size=1e9',
        'offset[]=1&size=5',
      ]) {
        const res = await request(api.url)
          .get(`/room/2:3/messages?${query}`)
          .set('Cookie', bob.cookie);
        expectSeedError(res, 400);
      }
      await expectAlive(api.url);
    });

    it('defect #8: room history is members-only and no route dumps a room without auth', async () => {
      expectSeedError(
        await request(api.url)
          .get('/room/1:2/messages?offset=0&size=15')
          .set('Cookie', carol.cookie),
        403,
      );
      expect(
        (await request(api.url).get('/api/rooms/1:2/messages').set('Cookie', carol.cookie)).status,
      ).toBe(403);
      // The reference's size=-1 returned the whole room.
      expectSeedError(
        await request(api.url)
          .get('/room/1:2/messages?offset=0&size=-1')
          .set('Cookie', alice.cookie),
        400,
      );
      // The reference's unauthenticated preload route.
      const preload = await request(api.url).get('/room/0/preload');
      expect([401, 403, 404]).toContain(preload.status);
      expect(preload.text).not.toContain('"messages"');
    });

    it("defect #9: from/date in a POST body are ignored, the sender is the session user, posting into someone else's DM is a 403", async () => {
      const before = Date.now() / 1000;
      const res = await request(api.url)
        .post('/api/rooms/0/messages')
        .set('Cookie', alice.cookie)
        .send({ message: 'it is really me', from: bob.id, date: 1, roomId: '2:3', admin: true });
      expect(res.status).toBe(201);
      const stored = res.body as SeedMessage;
      expect(stored).toMatchObject({ from: alice.id, roomId: '0', message: 'it is really me' });
      expect(stored.date).toBeGreaterThanOrEqual(before - 1);
      expect(stored.date).toBeLessThanOrEqual(Date.now() / 1000 + 1);
      for (const key of Object.keys(stored)) expect(MESSAGE_KEYS).toContain(key);

      const newest = await request(api.url)
        .get('/room/0/messages?offset=0&size=1')
        .set('Cookie', bob.cookie);
      expect(newest.body).toEqual([stored]);

      const dmLength = await api.redis.xlen(RedisKeys.roomMessages('1:2'));
      const intrusion = await request(api.url)
        .post('/api/rooms/1:2/messages')
        .set('Cookie', carol.cookie)
        .send({ message: 'hi' });
      expect(intrusion.status).toBe(403);
      expect(await api.redis.xlen(RedisKeys.roomMessages('1:2'))).toBe(dmLength);
    });

    it("defect #10: another user's room list is a 403 and /users, /users/online need a session", async () => {
      const res = await request(api.url).get(`/rooms/${bob.id}`).set('Cookie', alice.cookie);
      expectSeedError(res, 403);
      expect(res.text).not.toContain('2:3');
      expectSeedError(await request(api.url).get('/users?ids[]=1&ids[]=2&ids[]=3'), 401);
      expectSeedError(await request(api.url).get('/users/online'), 401);
      expectSeedError(await request(api.url).get(`/rooms/${bob.id}`), 401);
    });

    it("defect #11: POST /room cannot add other users to each other's room lists, nor open a DM with an unknown user", async () => {
      const foreign = await request(api.url)
        .post('/room')
        .set('Cookie', alice.cookie)
        .send({ user1: '7', user2: '9' });
      expectSeedError(foreign, 403);
      expect(
        await api.redis.exists(
          RedisKeys.room('7:9'),
          RedisKeys.userRooms('7'),
          RedisKeys.userRooms('9'),
        ),
      ).toBe(0);

      const unknown = await request(api.url)
        .post('/room')
        .set('Cookie', alice.cookie)
        .send({ user1: alice.id, user2: '999' });
      expectSeedError(unknown, 404);
      expect(await api.redis.exists(RedisKeys.room('1:999'), RedisKeys.userRooms('999'))).toBe(0);
      expect(await api.redis.sismember(RedisKeys.userRooms(alice.id), '1:999')).toBe(0);

      expectSeedError(
        await request(api.url)
          .post('/room')
          .set('Cookie', alice.cookie)
          .send({ user1: '1', user2: '1' }),
        400,
      );
      expectSeedError(
        await request(api.url)
          .post('/room')
          .set('Cookie', alice.cookie)
          .send({ user1: '1', user2: 'x' }),
        400,
      );
    });

    it('defect #13: login rotates the session id, logout revokes it, the cookie is HttpOnly and SameSite, and the secret is not hard-coded', async () => {
      const first = await request(api.url)
        .post('/login')
        .send({ username: 'bob', password: PASSWORD });
      const line = setCookies(first).find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
      expect(line).toMatch(/;\s*HttpOnly/i);
      expect(line).toMatch(/;\s*SameSite=(Lax|Strict)/i);
      const c1 = sessionCookie(first);

      // Logging in again with the old cookie: a new session id, and the old one is gone.
      const second = await request(api.url)
        .post('/login')
        .set('Cookie', c1)
        .send({ username: 'bob', password: PASSWORD });
      expect(second.status).toBe(200);
      const c2 = sessionCookie(second);
      expect(c2).not.toBe(c1);
      expect((await request(api.url).get('/users/online').set('Cookie', c1)).status).toBe(401);
      expect((await request(api.url).get('/users/online').set('Cookie', c2)).status).toBe(200);

      // Logout revokes: the cookie copied before logging out no longer works.
      expect((await request(api.url).post('/logout').set('Cookie', c2)).status).toBe(200);
      expect((await request(api.url).get('/users/online').set('Cookie', c2)).status).toBe(401);
      expect((await request(api.url).get('/me').set('Cookie', c2)).text).toBe('null');

      // The session id signed with the reference's secret is refused.
      const c3 = (await seedLogin(api.url, 'bob', 200)).cookie;
      expect((await request(api.url).get('/users/online').set('Cookie', c3)).status).toBe(200);
      const sid = decodeURIComponent(c3.slice(c3.indexOf('=') + 1))
        .replace(/^s:/, '')
        .replace(/\.[^.]*$/, '');
      const forged = `${SESSION_COOKIE}=${encodeURIComponent(`s:${sign(sid, 'keyboard cat')}`)}`;
      expect((await request(api.url).get('/users/online').set('Cookie', forged)).status).toBe(401);

      // Two deployments with different secrets do not accept each other's cookies.
      const other = await startApi(
        { SESSION_SECRET: 'another-secret-fedcba9876543210' },
        { db: 2, flush: false },
      );
      try {
        expect((await request(other.url).get('/users/online').set('Cookie', c3)).status).toBe(401);
        const theirs = await seedLogin(other.url, 'carol', 200);
        expect(
          (await request(other.url).get('/users/online').set('Cookie', theirs.cookie)).status,
        ).toBe(200);
        expect(
          (await request(api.url).get('/users/online').set('Cookie', theirs.cookie)).status,
        ).toBe(401);
      } finally {
        await other.close();
      }
    });

    it('defect #14: signup-on-login validates username and password (400, string message) and with SIGNUP_ON_LOGIN=false reveals no names', async () => {
      const users = await api.redis.hlen(RedisKeys.profiles());
      const bad = [
        { username: '', password: PASSWORD },
        { username: 'x'.repeat(1000), password: PASSWORD },
        { username: '<script>alert(1)</script>', password: PASSWORD },
        { username: '<b>bold</b>', password: PASSWORD },
        { username: '   ', password: PASSWORD },
        { username: ' spaced ', password: PASSWORD },
        { username: 'tab\tname', password: PASSWORD },
        { username: 'fine_name', password: '' },
        { username: 'fine_name', password: 'short' },
        { username: 'fine_name', password: 'p'.repeat(1000) },
      ];
      for (const body of bad) {
        const res = await request(api.url).post('/login').send(body);
        expectSeedError(res, 400);
        expect(hasSessionCookie(res)).toBe(false);
      }
      expect(await api.redis.hlen(RedisKeys.profiles())).toBe(users);

      const strict = await startApi({ SIGNUP_ON_LOGIN: 'false' }, { db: 2, flush: false });
      try {
        const unknown = await request(strict.url)
          .post('/login')
          .send({ username: 'nobody_here', password: PASSWORD });
        const wrong = await request(strict.url)
          .post('/login')
          .send({ username: 'alice', password: 'wrong-password' });
        expect(unknown.status).toBe(404);
        expect(wrong.status).toBe(404);
        expect(unknown.body).toEqual(wrong.body);
        expect(hasSessionCookie(unknown) || hasSessionCookie(wrong)).toBe(false);
        expect(await api.redis.hlen(RedisKeys.profiles())).toBe(users);
      } finally {
        await strict.close();
      }
    });

    it('defect #15: login attempts are rate-limited per IP (429 with Retry-After)', async () => {
      const limited = await startApi({ LIMIT_AUTH_PER_MINUTE: '5' }, { db: 5 });
      try {
        const statuses: number[] = [];
        let last: Response | undefined;
        for (let i = 0; i < 8; i += 1) {
          last = await request(limited.url)
            .post('/login')
            .send({ username: 'limited', password: i === 0 ? PASSWORD : 'wrong-password' });
          statuses.push(last.status);
        }
        expect(statuses.slice(0, 5)).toEqual([201, 404, 404, 404, 404]);
        expect(statuses.slice(5)).toEqual([429, 429, 429]);
        expectSeedError(last!, 429);
        const retryAfter = Number(last!.headers['retry-after']);
        expect(Number.isInteger(retryAfter)).toBe(true);
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(60);
        // Also the right password is refused now, and the /api login shares the budget.
        expect(
          (
            await request(limited.url)
              .post('/login')
              .send({ username: 'limited', password: PASSWORD })
          ).status,
        ).toBe(429);
        expect(
          (
            await request(limited.url)
              .post('/api/auth/login')
              .send({ username: 'limited', password: PASSWORD })
          ).status,
        ).toBe(429);
        // Other routes are not affected.
        expect((await request(limited.url).get('/links')).status).toBe(200);
      } finally {
        await limited.close();
      }
    });

    it('defect #16: 20 concurrent POST /login of one new name create exactly one user', async () => {
      const name = `racer${Date.now() % 100000}`;
      const responses = await Promise.all(
        Array.from({ length: 20 }, () =>
          request(api.url).post('/login').send({ username: name, password: PASSWORD }),
        ),
      );
      const statuses = responses.map((r) => r.status);
      for (const s of statuses) expect([200, 201]).toContain(s);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      const ids = new Set(responses.map((r) => (r.body as { id: string }).id));
      expect(ids.size).toBe(1);

      const profiles = Object.values(await api.redis.hgetall(RedisKeys.profiles())).map(
        (raw) => (JSON.parse(raw) as { u: string }).u,
      );
      expect(profiles.filter((u) => u.toLowerCase() === name)).toHaveLength(1);
      expect(await api.redis.hget(RedisKeys.usernames(), name)).toBe([...ids][0]);
    });

    it('defect #21: identical messages sent in the same second (or millisecond) are all stored', async () => {
      const text = `same text ${Date.now()}`;
      const sent = await Promise.all(
        Array.from({ length: 10 }, () => post(api.url, alice, '0', text)),
      );
      expect(new Set(sent.map((m) => m.id)).size).toBe(10);
      expect(new Set(sent.map((m) => m.seq)).size).toBe(10);
      // Ten sends cannot spread over ten different seconds: some share one, as in the reference's collision.
      expect(new Set(sent.map((m) => Math.floor(m.date))).size).toBeLessThan(10);

      const history = await request(api.url)
        .get('/room/0/messages?offset=0&size=10')
        .set('Cookie', bob.cookie);
      expect((history.body as SeedMessage[]).filter((m) => m.message === text)).toHaveLength(10);
    });

    it('defect #26: /users with 300 ids and /users/online answer in a few Redis round trips; 10,000 ids are a 4xx, not a 500', async () => {
      const monitor = await api.redis.monitor();
      const commands: string[] = [];
      monitor.on('monitor', (_time: string, args: string[], _source: string, database: string) => {
        if (database === '2') commands.push(String(args[0]).toLowerCase());
      });
      await new Promise((r) => setTimeout(r, 100));
      await api.redis.sadd(
        RedisKeys.onlineUsers(),
        ...Array.from({ length: 300 }, (_, i) => String(i + 1)),
      );
      try {
        const ids = Array.from({ length: 300 }, (_, i) => `ids[]=${i + 1}`).join('&');
        await new Promise((r) => setTimeout(r, 100));
        commands.length = 0;
        const many = await request(api.url).get(`/users?${ids}`).set('Cookie', alice.cookie);
        expect(many.status).toBe(200);
        expect(Object.keys(many.body)).toEqual(expect.arrayContaining(['1', '2', '3']));
        for (const [id, user] of Object.entries(many.body as Record<string, { id: string }>))
          expect(user.id).toBe(id);
        await new Promise((r) => setTimeout(r, 100));
        const forUsers = commands.length;

        commands.length = 0;
        const online = await request(api.url).get('/users/online').set('Cookie', alice.cookie);
        expect(online.status).toBe(200);
        expect(Object.keys(online.body)).toEqual(expect.arrayContaining(['1', '2', '3']));
        await new Promise((r) => setTimeout(r, 100));
        const forOnline = commands.length;

        // The reference does 2 round trips per id (600 here) and 1 + N for the online list.
        expect(forUsers).toBeGreaterThan(0);
        expect(forUsers).toBeLessThanOrEqual(10);
        expect(forOnline).toBeLessThanOrEqual(10);
      } finally {
        monitor.disconnect();
        await api.redis.del(RedisKeys.onlineUsers());
      }

      const huge = Array.from({ length: 10_000 }, (_, i) => `ids[]=${i + 1}`).join('&');
      const tooMany = await request(api.url).get(`/users?${huge}`).set('Cookie', alice.cookie);
      expect(tooMany.status).toBeGreaterThanOrEqual(400);
      expect(tooMany.status).toBeLessThan(500);
      // Below the HTTP header limit, the app's own bound answers.
      const comma = Array.from({ length: 1500 }, (_, i) => i + 1).join(',');
      expectSeedError(
        await request(api.url).get(`/users?ids=${comma}`).set('Cookie', alice.cookie),
        400,
      );
      const brackets = Array.from({ length: 1000 }, (_, i) => `ids[]=${i + 1}`).join('&');
      expectSeedError(
        await request(api.url).get(`/users?${brackets}`).set('Cookie', alice.cookie),
        400,
      );
      await expectAlive(api.url);
    });

    it('defect #27: history is trimmed to about HISTORY_MAX_PER_ROOM, and cursor paging is stable while new messages arrive', async () => {
      const small = await startApi({ HISTORY_MAX_PER_ROOM: '100' }, { db: 6 });
      try {
        const user = await seedLogin(small.url, 'writer', 201);
        for (let batch = 0; batch < 300; batch += 30) {
          await Promise.all(
            Array.from({ length: 30 }, (_, i) => post(small.url, user, '0', `m${batch + i}`)),
          );
        }
        const length = await small.redis.xlen(RedisKeys.roomMessages('0'));
        expect(length).toBeGreaterThanOrEqual(100);
        expect(length).toBeLessThanOrEqual(200);

        const page1 = await request(small.url)
          .get('/api/rooms/0/messages?limit=10')
          .set('Cookie', user.cookie);
        expect(page1.status).toBe(200);
        const first = page1.body as { messages: SeedMessage[]; nextBefore: string };
        expect(first.messages).toHaveLength(10);
        expect(first.messages[9].seq).toBe(300);

        // New messages arrive between the two pages; the next page continues where the first ended.
        for (let i = 0; i < 5; i += 1) await post(small.url, user, '0', `late ${i}`);
        const page2 = await request(small.url)
          .get(`/api/rooms/0/messages?limit=10&before=${first.nextBefore}`)
          .set('Cookie', user.cookie);
        const second = (page2.body as { messages: SeedMessage[] }).messages;
        expect(second.map((m) => m.seq)).toEqual(Array.from({ length: 10 }, (_, i) => 281 + i));
        expect(second.some((m) => first.messages.some((f) => f.id === m.id))).toBe(false);
      } finally {
        await small.close();
      }
    });

    it('defect #28: anonymous requests create no session in Redis and set no cookie', async () => {
      const fresh = await startApi({}, { db: 5 });
      try {
        await seedLogin(fresh.url, 'someone', 201);
        const sessions = await scanKeys(fresh.redis, 'sess:*');
        expect(sessions).toHaveLength(1);

        const anonymous = [
          request(fresh.url).get('/links'),
          request(fresh.url).get('/me'),
          request(fresh.url).get('/api/health/live'),
          request(fresh.url).get('/api/health/ready'),
          request(fresh.url).get('/'),
          request(fresh.url).get('/users/online'),
          request(fresh.url).post('/login').send({}),
          request(fresh.url)
            .post('/login')
            .send({ username: 'someone', password: 'wrong-password' }),
        ];
        for (const res of await Promise.all(anonymous)) {
          expect(res.status).toBeLessThan(500);
          expect(setCookies(res)).toEqual([]);
        }
        expect(await scanKeys(fresh.redis, 'sess:*')).toEqual(sessions);
      } finally {
        await fresh.close();
      }
    });
  });
});
