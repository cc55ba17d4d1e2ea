import { type Message, type Room, type User } from '@app/contracts';
import { MessagesRepository, RedisKeys } from '@app/redis';
import { MessageType } from 'socket.io-adapter';
import request, { type Response } from 'supertest';
import { AdapterTap } from './support/adapter-tap';
import { startApi, testRedisUrl, type TestApi, waitFor } from './support/api';
import {
  bearer,
  compareStreamIds,
  expectError,
  expectFieldError,
  login,
  PASSWORD,
  register,
  SESSION_COOKIE,
  sessionSetCookie,
  type Session,
  tag,
  toSession,
  userView,
} from './support/http';

/** REST half of docs/protocol.md against the real API and the private test Redis (db 1; db 3 for limits). */

const FOREIGN_ORIGIN = 'http://evil.example';

interface Page {
  messages: Message[];
  nextBefore: string | null;
}

describe('REST API', () => {
  let api: TestApi;
  /** Twelve users registered in order, so their ids are "1".."12" (two-digit ids included). */
  const users: Session[] = [];
  const http = () => request(api.url);

  /** Every user, through the paged search (no route lists the whole table at once). */
  async function everyone(token: string): Promise<User[]> {
    const found: User[] = [];
    let cursor: string | null = null;
    do {
      const res = await http()
        .get('/api/users/search')
        .query(cursor ? { limit: 100, cursor } : { limit: 100 })
        .set(bearer(token))
        .expect(200);
      const body = res.body as { users: User[]; nextCursor: string | null };
      found.push(...body.users);
      cursor = body.nextCursor;
    } while (cursor);
    return found.sort((a, b) => Number(a.id) - Number(b.id));
  }

  const post = (s: Session, roomId: string, body: object) =>
    http().post(`/api/rooms/${roomId}/messages`).set(bearer(s.token)).send(body);
  const page = (s: Session, roomId: string, query: Record<string, string | number> = {}) =>
    http().get(`/api/rooms/${roomId}/messages`).query(query).set(bearer(s.token));
  const openDm = (s: Session, userId: string) =>
    http().post('/api/rooms/dm').set(bearer(s.token)).send({ userId });
  const dmId = (a: Session, b: Session) =>
    Number(a.user.id) < Number(b.user.id)
      ? `${a.user.id}:${b.user.id}`
      : `${b.user.id}:${a.user.id}`;

  /** Every message of a room, oldest first, through `nextBefore`. */
  async function fullHistory(s: Session, roomId: string): Promise<Message[]> {
    const all: Message[] = [];
    let before: string | null = null;
    for (let i = 0; i < 1000; i++) {
      const res = await page(s, roomId, before ? { before, limit: 100 } : { limit: 100 });
      expect(res.status).toBe(200);
      const body = res.body as Page;
      all.unshift(...body.messages);
      if (body.nextBefore === null) return all;
      before = body.nextBefore;
    }
    throw new Error('history did not end');
  }

  beforeAll(async () => {
    api = await startApi({}, { db: 1 });
    const names = [
      'alice',
      'bob',
      'carol',
      'dave',
      'erin',
      'frank',
      'grace',
      'heidi',
      'ivan',
      'judy',
      'mallory',
      'oscar',
    ];
    for (const name of names) users.push(await register(api.url, name));
  });
  afterAll(() => api.close());

  describe('auth', () => {
    it('register: 201 {user, token} with an HttpOnly SameSite=Lax session cookie', async () => {
      const res = await http()
        .post('/api/auth/register')
        .send({ username: 'Newcomer', password: PASSWORD });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        user: userView(expect.stringMatching(/^[1-9]\d*$/), 'Newcomer', false),
        token: expect.any(String),
      });
      const body = res.body as { user: User; token: string };
      expect(Object.keys(body.user).sort()).toEqual([
        'id',
        'lastSeen',
        'online',
        'status',
        'statusText',
        'username',
      ]);
      expect(Number(body.user.id)).toBe(users.length + 1);
      const line = sessionSetCookie(res);
      expect(line).toBeDefined();
      expect(line).toMatch(/;\s*HttpOnly/i);
      expect(line).toMatch(/;\s*SameSite=Lax/i);
      expect(line).toMatch(/;\s*Path=\//i);
      expect(line).not.toMatch(/;\s*Secure/i); // plain HTTP here
      // The token and the cookie are one session: both authenticate as the new user.
      const s = toSession(res);
      const viaBearer = await http().get('/api/me').set(bearer(s.token));
      const viaCookie = await http().get('/api/me').set('Cookie', s.cookie);
      expect(viaBearer.status).toBe(200);
      expect(viaCookie.status).toBe(200);
      expect(viaBearer.body).toEqual(body.user);
      expect(viaCookie.body).toEqual(body.user);
    });

    it('user ids are decimal integer strings in creation order', () => {
      expect(users.map((u) => u.user.id)).toEqual(users.map((_, i) => String(i + 1)));
    });

    it('login: 200 {user, token}; every login gets a new session id', async () => {
      const name = 'LoginTwice';
      const reg = await register(api.url, name);
      const a = await http().post('/api/auth/login').send({ username: name, password: PASSWORD });
      const b = await http().post('/api/auth/login').send({ username: name, password: PASSWORD });
      for (const res of [a, b]) {
        expect(res.status).toBe(200);
        expect(res.body).toEqual({
          user: userView(reg.user.id, name, false),
          token: expect.any(String),
        });
        expect(sessionSetCookie(res)).toMatch(/HttpOnly/i);
      }
      const tokens = new Set([reg.token, (a.body as Session).token, (b.body as Session).token]);
      expect(tokens.size).toBe(3);
    });

    it('login from a client that already has a session replaces it: the old cookie and token get 401', async () => {
      const agent = request.agent(api.url);
      const reg = await agent
        .post('/api/auth/register')
        .send({ username: 'Relogger', password: PASSWORD });
      expect(reg.status).toBe(201);
      const old = toSession(reg);
      const again = await agent
        .post('/api/auth/login')
        .send({ username: 'Relogger', password: PASSWORD });
      expect(again.status).toBe(200);
      const fresh = toSession(again);
      expect(fresh.token).not.toBe(old.token);
      expect(fresh.cookie).not.toBe(old.cookie);

      expect((await http().get('/api/me').set(bearer(old.token))).status).toBe(401);
      expect((await http().get('/api/me').set('Cookie', old.cookie)).status).toBe(401);
      expect((await agent.get('/api/me')).status).toBe(200); // the agent now holds the new cookie
      expect((await http().get('/api/me').set(bearer(fresh.token))).status).toBe(200);
    });

    it('login: one 401 message for an unknown user and for a wrong password', async () => {
      const unknown = await http()
        .post('/api/auth/login')
        .send({ username: 'nobody_here', password: PASSWORD });
      const wrong = await http()
        .post('/api/auth/login')
        .send({ username: 'alice', password: 'wrong-password' });
      expectError(unknown, 401);
      expectError(wrong, 401);
      expect(wrong.body).toEqual(unknown.body);
      expect(sessionSetCookie(wrong)).toBeUndefined();
    });

    it('logout with the cookie: 204, then the cookie and the bearer token of that session get 401', async () => {
      const s = await login(api.url, 'alice');
      const out = await http().post('/api/auth/logout').set('Cookie', s.cookie);
      expect(out.status).toBe(204);
      expect(out.text).toBe('');
      // The browser is told to drop the cookie.
      expect(sessionSetCookie(out)).toMatch(/^parley\.sid=;.*Expires=Thu, 01 Jan 1970/i);
      expect((await http().get('/api/me').set('Cookie', s.cookie)).status).toBe(401);
      expect((await http().get('/api/me').set(bearer(s.token))).status).toBe(401);
      expect(
        (await http().post('/api/rooms/0/messages').set(bearer(s.token)).send({ message: 'x' }))
          .status,
      ).toBe(401);
      // Other sessions of the same user are untouched.
      expect((await http().get('/api/me').set(bearer(users[0].token))).status).toBe(200);
    });

    it('logout with the bearer token: 204, then the cookie of that session gets 401 too', async () => {
      const s = await login(api.url, 'bob');
      expect((await http().post('/api/auth/logout').set(bearer(s.token))).status).toBe(204);
      expect((await http().get('/api/rooms').set('Cookie', s.cookie)).status).toBe(401);
      expect((await http().get('/api/rooms').set(bearer(s.token))).status).toBe(401);
      // A second logout with the dead session is a 401, not a 500.
      expectError(await http().post('/api/auth/logout').set(bearer(s.token)), 401);
    });
  });

  describe('users', () => {
    it('GET /api/me: 200 User of the caller', async () => {
      const res = await http().get('/api/me').set(bearer(users[2].token));
      expect(res.status).toBe(200);
      expect(res.body).toEqual(userView(users[2].user.id, 'carol', false));
    });

    it('GET /api/users?ids=1,2,3: the known users, unknown ids left out', async () => {
      const res = await http().get('/api/users?ids=1,2,999999,3').set(bearer(users[0].token));
      expect(res.status).toBe(200);
      const list = res.body as User[];
      expect([...list].sort((a, b) => Number(a.id) - Number(b.id))).toEqual([
        userView('1', 'alice', false),
        userView('2', 'bob', false),
        userView('3', 'carol', false),
      ]);
    });

    it.each([
      ['ids[]=', '/api/users?ids[]=10&ids[]=2&ids[]=424242'],
      ['repeated ids=', '/api/users?ids=10&ids=2&ids=424242'],
      ['encoded ids%5B%5D=', '/api/users?ids%5B%5D=10&ids%5B%5D=2'],
    ])('GET /api/users with the %s form', async (_form, path) => {
      const res = await http().get(path).set(bearer(users[0].token));
      expect(res.status).toBe(200);
      const ids = (res.body as User[]).map((u) => u.id).sort((a, b) => Number(a) - Number(b));
      expect(ids).toEqual(['2', '10']);
      expect((res.body as User[]).find((u) => u.id === '10')).toEqual(
        userView('10', 'judy', false),
      );
    });

    it('GET /api/users with only unknown ids is an empty list', async () => {
      const res = await http().get('/api/users?ids=777777,888888').set(bearer(users[0].token));
      expect(res.status).toBe(200);
      expect(res.body).toEqual([]);
    });

    it('GET /api/users/online lists the users the gateways marked online, with online:true', async () => {
      const none = await http().get('/api/users/online').set(bearer(users[0].token));
      expect(none.status).toBe(200);
      expect(none.body).toEqual([]);
      // The gateways keep this set; the API only reads it.
      await api.redis.sadd(RedisKeys.onlineUsers(), users[4].user.id, users[1].user.id);
      try {
        const res = await http().get('/api/users/online').set(bearer(users[0].token));
        expect(res.status).toBe(200);
        const online = [...(res.body as User[])].sort((a, b) => Number(a.id) - Number(b.id));
        expect(online).toEqual([
          userView(users[1].user.id, 'bob', true),
          userView(users[4].user.id, 'erin', true),
        ]);
        const me = await http().get('/api/me').set(bearer(users[4].token));
        expect(me.body).toEqual(userView(users[4].user.id, 'erin', true));
        const some = await http()
          .get(`/api/users?ids=${users[4].user.id},${users[5].user.id}`)
          .set(bearer(users[0].token));
        const flags = Object.fromEntries((some.body as User[]).map((u) => [u.username, u.online]));
        expect(flags).toEqual({ erin: true, frank: false });
      } finally {
        await api.redis.del(RedisKeys.onlineUsers());
      }
    });
  });

  describe('rooms', () => {
    it('POST /api/rooms/dm: 201 Room with id "a:b" (numeric order), then 200 for the existing one from either side', async () => {
      const [two, ten] = [users[1], users[9]];
      // The pair where numeric and string order differ ("2" < "10" but "10" < "2" as text).
      expect(Number(two.user.id) < Number(ten.user.id) && two.user.id > ten.user.id).toBe(true);
      const created = await openDm(ten, two.user.id);
      expect(created.status).toBe(201);
      const expected: Room = {
        id: `${two.user.id}:${ten.user.id}`,
        kind: 'dm',
        names: ['bob', 'judy'],
        name: 'bob', // the other member, as the caller (judy) sees it
        topic: '',
        createdBy: null,
        memberCount: 2,
        role: 'member',
        lastSeq: 0,
        readSeq: 0,
        unread: 0,
      };
      expect({
        ...(created.body as Room),
        names: [...(created.body as Room).names].sort(),
      }).toEqual(expected);

      const again = await openDm(ten, two.user.id);
      expect(again.status).toBe(200);
      expect((again.body as Room).id).toBe(expected.id);
      const fromOtherSide = await openDm(two, ten.user.id);
      expect(fromOtherSide.status).toBe(200);
      expect((fromOtherSide.body as Room).id).toBe(expected.id);
      expect([...(fromOtherSide.body as Room).names].sort()).toEqual(['bob', 'judy']);
    });

    it('GET /api/rooms: General first, then only the caller’s own DMs (in numeric order)', async () => {
      const [a, b, c, d] = [users[0], users[2], users[10], users[3]]; // ids 1, 3, 11, 4
      expect((await openDm(a, c.user.id)).status).toBe(201);
      expect((await openDm(b, a.user.id)).status).toBe(201);
      expect((await openDm(c, d.user.id)).status).toBe(201);

      const res = await http().get('/api/rooms').set(bearer(a.token));
      expect(res.status).toBe(200);
      const rooms = (res.body as Room[]).map(({ id, kind, names }) => ({
        id,
        kind,
        names: [...names].sort(),
      }));
      expect(rooms).toEqual([
        { id: '0', kind: 'public', names: ['General'] },
        { id: dmId(a, b), kind: 'dm', names: ['alice', 'carol'] },
        { id: dmId(a, c), kind: 'dm', names: ['alice', 'mallory'] },
      ]);

      const other = await http().get('/api/rooms').set(bearer(users[7].token)); // heidi: no DMs
      expect(other.body).toEqual([
        {
          id: '0',
          kind: 'public',
          names: ['General'],
          name: 'General',
          topic: '',
          createdBy: null,
          memberCount: expect.any(Number),
          role: 'member',
          lastSeq: expect.any(Number),
          readSeq: 0,
          unread: expect.any(Number),
        },
      ]);
    });

    it('POST /api/rooms/dm with yourself is a 400; with an unknown user a 404', async () => {
      const self = await openDm(users[5], users[5].user.id);
      expectError(self, 400);
      const unknown = await openDm(users[5], '987654');
      expectError(unknown, 404);
      // Neither created anything.
      const rooms = await http().get('/api/rooms').set(bearer(users[5].token));
      expect((rooms.body as Room[]).map((r) => r.id)).toEqual(['0']);
    });
  });

  describe('messages and history', () => {
    it('POST /api/rooms/0/messages: 201 Message; it is in the history', async () => {
      const before = Date.now();
      const res = await post(users[0], '0', { message: 'hello General' });
      const after = Date.now();
      expect(res.status).toBe(201);
      const m = res.body as Message;
      expect(m).toEqual({
        id: expect.any(String),
        roomId: '0',
        from: users[0].user.id,
        message: 'hello General',
        date: expect.any(Number),
        seq: expect.any(Number),
      });
      expect(m.date * 1000).toBeGreaterThanOrEqual(before - 1);
      expect(m.date * 1000).toBeLessThanOrEqual(after + 1);
      expect(Math.abs(m.date * 1000 - Math.round(m.date * 1000))).toBeLessThan(1e-3); // ms precision
      expect(Number.isInteger(m.seq) && m.seq >= 1).toBe(true);

      const hist = await page(users[1], '0');
      expect(hist.status).toBe(200);
      expect((hist.body as Page).messages.at(-1)).toEqual(m);
    });

    it('a new DM has an empty history: {messages: [], nextBefore: null}', async () => {
      const [a, b] = [users[4], users[5]];
      expect((await openDm(a, b.user.id)).status).toBe(201);
      const res = await page(b, dmId(a, b));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ messages: [], nextBefore: null });
    });

    it('the newest page is never stale: a message stored by another process shows at once', async () => {
      // The API keeps the newest page of a room in memory. Messages are also stored by the
      // gateways and by other API replicas: here a repository on its own connection stands in
      // for them, and the API must serve the new page on its very next read.
      const elsewhere = new MessagesRepository(api.redis);
      const [a, b] = [users[6], users[7]];
      for (const text of ['one', 'two'])
        expect((await post(b, '0', { message: text })).status).toBe(201);
      for (let i = 0; i < 5; i += 1) {
        await page(a, '0'); // read (and keep) the current newest page
        const stored = await elsewhere.append({
          roomId: '0',
          from: b.user.id,
          text: `stored elsewhere ${i}`,
          maxLen: 10_000,
          clientIdTtlSeconds: 60,
          everyone: true,
        });
        const res = await page(a, '0');
        expect(res.status).toBe(200);
        expect((res.body as Page).messages.at(-1)).toEqual(
          stored.status === 'created' && stored.message,
        );
        // A different page size is a different page.
        const small = (await page(a, '0', { limit: 3 })).body as Page;
        expect(small.messages).toHaveLength(3);
        expect(small.messages.at(-1)).toEqual((res.body as Page).messages.at(-1));
      }
    });

    it('the newest page carries an ETag: 304 while nothing changed, 200 with the new message after', async () => {
      const [a, b] = [users[6], users[7]];
      const first = await page(a, '0');
      const etag = first.headers.etag;
      expect(etag).toMatch(/^W\/"/);
      expect(first.headers['content-type']).toMatch(/^application\/json; charset=utf-8/);
      // Another user's read of the same page gets the same body and ETag.
      const second = await page(b, '0');
      expect(second.text).toBe(first.text);
      expect(second.headers.etag).toBe(etag);
      const notModified = await page(a, '0').set('If-None-Match', etag);
      expect(notModified.status).toBe(304);
      expect(notModified.text).toBe('');
      const sent = await post(b, '0', { message: 'news' });
      const changed = await page(a, '0').set('If-None-Match', etag);
      expect(changed.status).toBe(200);
      expect(changed.headers.etag).not.toBe(etag);
      expect((changed.body as Page).messages.at(-1)).toEqual(sent.body);
    });

    describe('pagination over 120 messages', () => {
      const N = 120;
      let roomId: string;
      let sent: Message[];

      beforeAll(async () => {
        const [a, b] = [users[6], users[7]];
        roomId = dmId(a, b);
        expect((await openDm(a, b.user.id)).status).toBe(201);
        sent = [];
        for (let i = 1; i <= N; i++) {
          const res = await post(i % 2 ? a : b, roomId, { message: `m${i}` });
          expect(res.status).toBe(201);
          sent.push(res.body as Message);
        }
      });

      it('default page is the newest 50, oldest first, with nextBefore = its first id', async () => {
        const res = await page(users[6], roomId);
        expect(res.status).toBe(200);
        const body = res.body as Page;
        expect(body.messages).toEqual(sent.slice(N - 50));
        expect(body.nextBefore).toBe(sent[N - 50].id);
      });

      it.each([1, 7, 40, 50, 60, 100])(
        'limit=%i: chaining nextBefore gives every message once, in order, every page full but the last',
        async (limit) => {
          const pages: Message[][] = [];
          let before: string | null = null;
          do {
            const res = await page(users[7], roomId, before ? { limit, before } : { limit });
            expect(res.status).toBe(200);
            const body = res.body as Page;
            pages.push(body.messages);
            if (body.nextBefore !== null) {
              expect(body.messages).toHaveLength(limit);
              expect(body.nextBefore).toBe(body.messages[0].id);
            }
            before = body.nextBefore;
            expect(pages.length).toBeLessThanOrEqual(N + 1);
          } while (before !== null);

          expect(pages.length).toBe(Math.ceil(N / limit));
          const last = pages[pages.length - 1];
          expect(last.length).toBe(N - limit * (pages.length - 1));
          const all = pages.reverse().flat();
          expect(all).toEqual(sent);
        },
      );

      it('ids and dates increase together, seq is 1..N without gaps, from/message as sent', () => {
        expect(sent.map((m) => m.seq)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
        expect(new Set(sent.map((m) => m.id)).size).toBe(N);
        for (let i = 1; i < N; i++) {
          expect(compareStreamIds(sent[i - 1].id, sent[i].id)).toBe(-1);
          expect(sent[i].date).toBeGreaterThanOrEqual(sent[i - 1].date);
        }
        expect(sent.map((m) => m.message)).toEqual(
          Array.from({ length: N }, (_, i) => `m${i + 1}`),
        );
        expect(sent.map((m) => m.from)).toEqual(
          Array.from({ length: N }, (_, i) => (i % 2 === 0 ? users[6].user.id : users[7].user.id)),
        );
      });

      it('before = the oldest id gives an empty last page', async () => {
        const res = await page(users[6], roomId, { before: sent[0].id });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ messages: [], nextBefore: null });
      });
    });
  });

  describe('health and docs', () => {
    it.each(['/api/health/live', '/api/health/ready'])('%s: 200 without auth', async (path) => {
      const res = await http().get(path);
      expect(res.status).toBe(200);
      expect((res.body as { status: string }).status).toBe('ok');
    });

    it('/api/docs: 200 HTML', async () => {
      const res = await http().get('/api/docs').redirects(2);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.text).toMatch(/swagger/i);
    });

    it('/api/docs-json: an OpenAPI document with every /api route of the contract', async () => {
      const res = await http().get('/api/docs-json');
      expect(res.status).toBe(200);
      const doc = res.body as { openapi: string; paths: Record<string, Record<string, unknown>> };
      expect(doc.openapi).toMatch(/^3\./);
      const expected: Array<[string, string]> = [
        ['/api/auth/register', 'post'],
        ['/api/auth/login', 'post'],
        ['/api/auth/logout', 'post'],
        ['/api/me', 'get'],
        ['/api/users', 'get'],
        ['/api/users/online', 'get'],
        ['/api/rooms', 'get'],
        ['/api/rooms/dm', 'post'],
        ['/api/rooms/{id}/messages', 'get'],
        ['/api/rooms/{id}/messages', 'post'],
        ['/api/health/live', 'get'],
        ['/api/health/ready', 'get'],
      ];
      for (const [path, method] of expected) {
        expect({ path, method, present: Boolean(doc.paths[path]?.[method]) }).toEqual({
          path,
          method,
          present: true,
        });
      }
    });
  });

  describe('errors', () => {
    const protectedRoutes: Array<[string, string, object?]> = [
      ['get', '/api/me'],
      ['get', '/api/users'],
      ['get', '/api/users?ids=1'],
      ['get', '/api/users/online'],
      ['get', '/api/rooms'],
      ['post', '/api/rooms/dm', { userId: '2' }],
      ['get', '/api/rooms/0/messages'],
      ['post', '/api/rooms/0/messages', { message: 'sneaky' }],
      ['post', '/api/auth/logout'],
    ];
    const badCredentials: Array<[string, Record<string, string>]> = [
      ['no session', {}],
      ['an unknown bearer token', bearer('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')],
      ['a malformed bearer token', { Authorization: 'Bearer not a token!' }],
      ['a garbage cookie', { Cookie: `${SESSION_COOKIE}=garbage` }],
      [
        'a cookie with a forged signature',
        { Cookie: `${SESSION_COOKIE}=s%3AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.Zm9yZ2Vk` },
      ],
    ];
    const cases = protectedRoutes.flatMap(([method, path, body]) =>
      badCredentials.map(([what, headers]) => ({ method, path, body, what, headers })),
    );

    it.each(cases)('401: $method $path with $what', async ({ method, path, body, headers }) => {
      const req =
        method === 'get'
          ? http().get(path)
          : http()
              .post(path)
              .send(body ?? {});
      const res = await req.set(headers);
      expectError(res, 401);
    });

    it('unauthenticated posts stored nothing', async () => {
      const hist = await fullHistory(users[0], '0');
      expect(hist.some((m) => m.message === 'sneaky')).toBe(false);
    });

    describe('403 for non-members', () => {
      it('reading and posting in a DM you are not in', async () => {
        const [a, b, outsider] = [users[8], users[11], users[0]];
        expect((await openDm(a, b.user.id)).status).toBe(201);
        const roomId = dmId(a, b);
        expect((await post(a, roomId, { message: 'private' })).status).toBe(201);

        expectError(await page(outsider, roomId), 403);
        expectError(await post(outsider, roomId, { message: 'let me in' }), 403);
        const hist = await page(b, roomId);
        expect((hist.body as Page).messages.map((m) => m.message)).toEqual(['private']);
      });
    });

    describe('404 for unknown rooms', () => {
      it.each([
        ['a DM that was never created', '5:9'],
        ['a DM of unknown users', '5000:9000'],
        ['a non-canonical DM id', '9:5'],
        ['a DM with yourself', '5:5'],
        // Ids no room can have ("abc", "01:02") are a 400, as on the socket: rest-edges.e2e-spec.
      ])('%s (%s): GET and POST are 404', async (_what, roomId) => {
        const s = users[4]; // erin, id 5
        const id = encodeURIComponent(roomId);
        expectError(await page(s, id), 404);
        expectError(await post(s, id, { message: 'hello?' }), 404);
      });
    });

    it('409 for a taken name, ignoring case ("Pablo" vs "pablo")', async () => {
      expect(
        (await http().post('/api/auth/register').send({ username: 'Pablo', password: PASSWORD }))
          .status,
      ).toBe(201);
      for (const name of ['pablo', 'PABLO', 'Pablo', 'pAbLo']) {
        const res = await http()
          .post('/api/auth/register')
          .send({ username: name, password: 'other-password' });
        expectError(res, 409);
        expect(sessionSetCookie(res)).toBeUndefined();
      }
      const all = await everyone(users[0].token);
      expect(all.filter((u) => u.username.toLowerCase() === 'pablo')).toHaveLength(1);
      // The losers' password did not replace the winner's.
      expect(
        (
          await http()
            .post('/api/auth/login')
            .send({ username: 'Pablo', password: 'other-password' })
        ).status,
      ).toBe(401);
      expect(
        (await http().post('/api/auth/login').send({ username: 'Pablo', password: PASSWORD }))
          .status,
      ).toBe(200);
    });

    describe('cross-site requests (Origin check on cookie sessions)', () => {
      it('a cookie POST with a foreign Origin is refused with 403 and changes nothing', async () => {
        const s = users[3];
        const text = `csrf ${tag()}`;
        const res = await http()
          .post('/api/rooms/0/messages')
          .set('Cookie', s.cookie)
          .set('Origin', FOREIGN_ORIGIN)
          .send({ message: text });
        expectError(res, 403);
        const dm = await http()
          .post('/api/rooms/dm')
          .set('Cookie', s.cookie)
          .set('Origin', FOREIGN_ORIGIN)
          .send({ userId: users[11].user.id });
        expectError(dm, 403);
        const out = await http()
          .post('/api/auth/logout')
          .set('Cookie', s.cookie)
          .set('Origin', FOREIGN_ORIGIN);
        expectError(out, 403);

        expect((await http().get('/api/me').set('Cookie', s.cookie)).status).toBe(200); // still logged in
        const hist = await fullHistory(s, '0');
        expect(hist.some((m) => m.message === text)).toBe(false);
        const rooms = await http().get('/api/rooms').set('Cookie', s.cookie);
        expect((rooms.body as Room[]).map((r) => r.id)).not.toContain(dmId(s, users[11]));
      });

      it.each([
        ['a look-alike host', 'http://127.0.0.1.evil.example'],
        ['the literal "null"', 'null'],
        ['a non-http scheme', 'file://127.0.0.1'],
      ])('a cookie POST whose Origin is %s is refused', async (_what, origin) => {
        const res = await http()
          .post('/api/rooms/0/messages')
          .set('Cookie', users[3].cookie)
          .set('Origin', origin)
          .send({ message: 'nope' });
        expectError(res, 403);
      });

      it('a bearer POST with a foreign Origin is allowed', async () => {
        const res = await http()
          .post('/api/rooms/0/messages')
          .set(bearer(users[3].token))
          .set('Origin', FOREIGN_ORIGIN)
          .send({ message: 'bearer from anywhere' });
        expect(res.status).toBe(201);
        expect((res.body as Message).from).toBe(users[3].user.id);
      });

      it('a cookie POST is allowed when the Origin host equals the Host header (any port) or there is no Origin', async () => {
        const port = new URL(api.url).port;
        const sameHostOtherPort = await http()
          .post('/api/rooms/0/messages')
          .set('Cookie', users[3].cookie)
          .set('Origin', 'http://127.0.0.1:1')
          .send({ message: 'same host' });
        expect(sameHostOtherPort.status).toBe(201);
        const virtualHost = await http()
          .post('/api/rooms/0/messages')
          .set('Host', `chat.example.com:${port}`)
          .set('Cookie', users[3].cookie)
          .set('Origin', 'https://chat.example.com')
          .send({ message: 'same virtual host' });
        expect(virtualHost.status).toBe(201);
        const noOrigin = await http()
          .post('/api/rooms/0/messages')
          .set('Cookie', users[3].cookie)
          .send({ message: 'no origin' });
        expect(noOrigin.status).toBe(201);
      });

      it('a cookie GET with a foreign Origin is not state-changing and is answered', async () => {
        const res = await http()
          .get('/api/me')
          .set('Cookie', users[3].cookie)
          .set('Origin', FOREIGN_ORIGIN);
        expect(res.status).toBe(200);
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
      });
    });
  });

  describe('malformed input', () => {
    type Send = () => request.Test;
    interface Case {
      name: string;
      send: Send;
      /** Exact status, or 'client-error' for any 4xx. */
      status: number | 'client-error';
      /** A 400 with field errors naming this field. */
      field?: string;
    }
    let me: Session;
    let dmRoom: string;
    let baseline: { general: Message[]; dm: Message[]; users: User[] };

    const reg =
      (body: unknown): Send =>
      () =>
        http()
          .post('/api/auth/register')
          .send(body as object);
    const log =
      (body: unknown): Send =>
      () =>
        http()
          .post('/api/auth/login')
          .send(body as object);
    const msg =
      (body: unknown, roomId = '0'): Send =>
      () =>
        http()
          .post(`/api/rooms/${roomId}/messages`)
          .set(bearer(me.token))
          .send(body as object);
    const dm =
      (body: unknown): Send =>
      () =>
        http()
          .post('/api/rooms/dm')
          .set(bearer(me.token))
          .send(body as object);
    const raw =
      (path: string, body: string, type = 'application/json', auth = true): Send =>
      () => {
        const req = http().post(path).set('Content-Type', type);
        return (auth ? req.set(bearer(me.token)) : req).send(body);
      };
    const get =
      (path: string): Send =>
      () =>
        http().get(path).set(bearer(me.token));
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    const range = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));

    const wrongTypes: Array<[string, unknown]> = [
      ['a number', 42],
      ['an array', ['x']],
      ['an object', { x: 1 }],
      ['null', null],
      ['a boolean', true],
    ];

    const cases: Case[] = [
      ...wrongTypes.flatMap(([what, v]): Case[] => [
        {
          name: `register: username is ${what}`,
          send: reg({ username: v, password: PASSWORD }),
          status: 400,
          field: 'username',
        },
        {
          name: `register: password is ${what}`,
          send: reg({ username: 'typed', password: v }),
          status: 400,
          field: 'password',
        },
        {
          name: `login: username is ${what}`,
          send: log({ username: v, password: PASSWORD }),
          status: 400,
          field: 'username',
        },
        {
          name: `login: password is ${what}`,
          send: log({ username: 'alice', password: v }),
          status: 400,
          field: 'password',
        },
        {
          name: `message: message is ${what}`,
          send: msg({ message: v }),
          status: 400,
          field: 'message',
        },
        { name: `dm: userId is ${what}`, send: dm({ userId: v }), status: 400, field: 'userId' },
      ]),
      ...wrongTypes
        .filter(([what]) => what !== 'null')
        .map(([what, v]): Case => ({
          name: `message: clientId is ${what}`,
          send: msg({ message: 'typed clientId', clientId: v }),
          status: 400,
          field: 'clientId',
        })),
      { name: 'register: missing fields', send: reg({}), status: 400, field: 'username' },
      { name: 'login: missing fields', send: log({}), status: 400, field: 'password' },
      {
        name: 'message: missing message',
        send: msg({ clientId: 'abc' }),
        status: 400,
        field: 'message',
      },
      { name: 'dm: missing userId', send: dm({}), status: 400, field: 'userId' },
      { name: 'message: empty', send: msg({ message: '' }), status: 400, field: 'message' },
      {
        name: 'message: white space only',
        send: msg({ message: ' \t\r\n  ' }),
        status: 400,
        field: 'message',
      },
      {
        name: 'message: Unicode white space only',
        send: msg({ message: '\u00a0\u3000\u2003\n' }),
        status: 400,
        field: 'message',
      },
      {
        name: 'message: 4001 emoji code points',
        send: msg({ message: '😀'.repeat(4001) }),
        status: 400,
        field: 'message',
      },
      {
        name: 'message: 4001 ASCII characters',
        send: msg({ message: 'a'.repeat(4001) }),
        status: 400,
        field: 'message',
      },
      {
        name: 'message: clientId of 65 characters',
        send: msg({ message: 'x', clientId: 'c'.repeat(65) }),
        status: 400,
        field: 'clientId',
      },
      { name: 'dm: userId "abc"', send: dm({ userId: 'abc' }), status: 400, field: 'userId' },
      { name: 'dm: userId "-1"', send: dm({ userId: '-1' }), status: 400, field: 'userId' },
      { name: 'dm: userId "1.5"', send: dm({ userId: '1.5' }), status: 400, field: 'userId' },
      { name: 'dm: userId "0"', send: dm({ userId: '0' }), status: 400, field: 'userId' },
      {
        name: 'register: username with a space',
        send: reg({ username: 'two words', password: PASSWORD }),
        status: 400,
        field: 'username',
      },
      {
        name: 'register: username with a leading space (not trimmed)',
        send: reg({ username: ' alice2', password: PASSWORD }),
        status: 400,
        field: 'username',
      },
      {
        name: 'register: username of 33 characters',
        send: reg({ username: 'u'.repeat(33), password: PASSWORD }),
        status: 400,
        field: 'username',
      },
      {
        name: 'register: empty username',
        send: reg({ username: '', password: PASSWORD }),
        status: 400,
        field: 'username',
      },
      {
        name: 'register: unicode username (Páblo)',
        send: reg({ username: 'Páblo', password: PASSWORD }),
        status: 400,
        field: 'username',
      },
      {
        name: 'register: unicode username (名前)',
        send: reg({ username: '名前', password: PASSWORD }),
        status: 400,
        field: 'username',
      },
      {
        name: 'register: username with a newline',
        send: reg({ username: 'alice\n', password: PASSWORD }),
        status: 400,
        field: 'username',
      },
      {
        name: 'register: password of 7 bytes',
        send: reg({ username: 'shortpw', password: '1234567' }),
        status: 400,
        field: 'password',
      },
      {
        name: 'register: password of 7 bytes in 4 characters',
        send: reg({ username: 'shortpw', password: 'ééé1' }),
        status: 400,
        field: 'password',
      },
      {
        name: 'register: password of 73 bytes',
        send: reg({ username: 'longpw', password: 'p'.repeat(73) }),
        status: 400,
        field: 'password',
      },
      {
        name: 'register: password of 74 bytes in 37 characters',
        send: reg({ username: 'longpw', password: 'é'.repeat(37) }),
        status: 400,
        field: 'password',
      },
      {
        name: 'login: username of 33 characters',
        send: log({ username: 'u'.repeat(33), password: PASSWORD }),
        status: 400,
        field: 'username',
      },
      {
        name: 'login: password of 73 bytes',
        send: log({ username: 'alice', password: 'p'.repeat(73) }),
        status: 400,
        field: 'password',
      },
      // Bodies that are not (object) JSON
      {
        name: 'register: body is not JSON',
        send: raw('/api/auth/register', '{"username": "x",', 'application/json', false),
        status: 400,
      },
      {
        name: 'message: body is not JSON',
        send: raw('/api/rooms/0/messages', 'hello there'),
        status: 400,
      },
      {
        name: 'message: body is a JSON string',
        send: raw('/api/rooms/0/messages', '"hello"'),
        status: 400,
      },
      {
        name: 'message: body is a JSON number',
        send: raw('/api/rooms/0/messages', '123'),
        status: 400,
      },
      {
        name: 'message: body is text/plain',
        send: raw('/api/rooms/0/messages', 'hello', 'text/plain'),
        status: 400,
      },
      {
        name: 'register: body is form-encoded',
        send: raw(
          '/api/auth/register',
          'username=a&password=password123',
          'application/x-www-form-urlencoded',
          false,
        ),
        status: 400,
      },
      {
        name: 'message: JSON in an unsupported charset',
        send: raw('/api/rooms/0/messages', '{"message":"x"}', 'application/json; charset=latin1'),
        status: 415,
      },
      {
        name: 'register: JSON array body',
        send: raw(
          '/api/auth/register',
          JSON.stringify([{ username: 'arr', password: PASSWORD }]),
          'application/json',
          false,
        ),
        status: 400,
      },
      {
        name: 'login: JSON array body',
        send: raw(
          '/api/auth/login',
          JSON.stringify([{ username: 'alice', password: PASSWORD }]),
          'application/json',
          false,
        ),
        status: 400,
      },
      {
        name: 'message: JSON array body',
        send: raw('/api/rooms/0/messages', JSON.stringify([{ message: 'arr' }])),
        status: 400,
      },
      {
        name: 'dm: JSON array body',
        send: raw('/api/rooms/dm', JSON.stringify(['2'])),
        status: 400,
      },
      // ~10 KB bodies nested thousands of levels deep (a recursive transformer would overflow the stack)
      {
        name: 'register: username nested 5,000 arrays deep',
        send: raw(
          '/api/auth/register',
          `{"username":${nested(5000)},"password":"${PASSWORD}"}`,
          'application/json',
          false,
        ),
        status: 400,
      },
      {
        name: 'login: username nested 5,000 arrays deep',
        send: raw(
          '/api/auth/login',
          `{"username":${nested(5000)},"password":"${PASSWORD}"}`,
          'application/json',
          false,
        ),
        status: 400,
      },
      {
        name: 'message: message nested 5,000 arrays deep',
        send: raw('/api/rooms/0/messages', `{"message":${nested(5000)}}`),
        status: 400,
      },
      {
        name: 'message: unknown field nested 5,000 arrays deep',
        send: raw('/api/rooms/0/messages', `{"message":"deep","x":${nested(5000)}}`),
        status: 400,
      },
      {
        name: 'dm: userId nested 5,000 arrays deep',
        send: raw('/api/rooms/dm', `{"userId":${nested(5000)}}`),
        status: 400,
      },
      {
        name: 'register: password with a lone surrogate',
        send: reg({ username: 'surrogate', password: 'abcdefgh\ud800' }),
        status: 400,
        field: 'password',
      },
      {
        name: 'login: password with a lone surrogate',
        send: log({ username: 'alice', password: 'abcdefgh\udc00' }),
        status: 400,
        field: 'password',
      },
      {
        name: 'register: username with a lone surrogate',
        send: reg({ username: 'a\ud800', password: PASSWORD }),
        status: 400,
        field: 'username',
      },
      { name: 'message: body over 64 KB', send: msg({ message: 'a'.repeat(70_000) }), status: 413 },
      {
        name: 'register: body over 64 KB',
        send: reg({ username: 'big', password: 'p'.repeat(70_000) }),
        status: 413,
      },
      // Query strings
      {
        name: 'history: limit=0',
        send: get('/api/rooms/0/messages?limit=0'),
        status: 400,
        field: 'limit',
      },
      {
        name: 'history: limit=101',
        send: get('/api/rooms/0/messages?limit=101'),
        status: 400,
        field: 'limit',
      },
      {
        name: 'history: limit=abc',
        send: get('/api/rooms/0/messages?limit=abc'),
        status: 400,
        field: 'limit',
      },
      {
        name: 'history: limit=1.5',
        send: get('/api/rooms/0/messages?limit=1.5'),
        status: 400,
        field: 'limit',
      },
      {
        name: 'history: limit=-5',
        send: get('/api/rooms/0/messages?limit=-5'),
        status: 400,
        field: 'limit',
      },
      {
        name: 'history: limit given twice',
        send: get('/api/rooms/0/messages?limit=5&limit=6'),
        status: 400,
        field: 'limit',
      },
      {
        name: 'history: limit[]=5',
        send: get('/api/rooms/0/messages?limit[]=5'),
        status: 400,
        field: 'limit',
      },
      {
        name: 'history: before=garbage',
        send: get('/api/rooms/0/messages?before=garbage'),
        status: 400,
        field: 'before',
      },
      {
        name: 'history: before=1-2-3',
        send: get('/api/rooms/0/messages?before=1-2-3'),
        status: 400,
        field: 'before',
      },
      {
        name: 'history: before[]=1-0',
        send: get('/api/rooms/0/messages?before[]=1-0'),
        status: 400,
        field: 'before',
      },
      {
        name: 'history: before[x]=1-0',
        send: get('/api/rooms/0/messages?before[x]=1-0'),
        status: 400,
        field: 'before',
      },
      {
        name: 'history: room id with a broken %-escape',
        send: get('/api/rooms/%E0%A4%A/messages'),
        status: 400,
      },
      { name: 'users: ids=abc', send: get('/api/users?ids=1,abc'), status: 400, field: 'id' },
      {
        name: 'users: 501 ids',
        send: get(`/api/users?ids=${range(501).join(',')}`),
        status: 400,
        field: 'ids',
      },
      {
        name: 'users: 1,200 repeated ids[]=',
        send: get(
          `/api/users?${range(1200)
            .map((i) => `ids[]=${i}`)
            .join('&')}`,
        ),
        status: 400,
        field: 'ids',
      },
      {
        name: 'users: ?ids=1,2,...,10000',
        send: get(`/api/users?ids=${range(10_000).join(',')}`),
        status: 'client-error',
      },
      {
        name: 'users: 10,000 repeated ids[]=',
        send: get(
          `/api/users?${range(10_000)
            .map((i) => `ids[]=${i}`)
            .join('&')}`,
        ),
        status: 'client-error',
      },
    ];

    beforeAll(async () => {
      me = users[5]; // frank
      const peer = users[6];
      const opened = await openDm(me, peer.user.id);
      expect([200, 201]).toContain(opened.status);
      dmRoom = dmId(me, peer);
      expect((await post(me, '0', { message: 'stored before the table' })).status).toBe(201);
      expect(
        (await post(me, dmRoom, { message: 'dm before the table', clientId: 'before-table' }))
          .status,
      ).toBe(201);
      const allUsers = await everyone(me.token);
      baseline = {
        general: await fullHistory(me, '0'),
        dm: await fullHistory(me, dmRoom),
        users: allUsers,
      };
    });

    it.each(cases)('$name', async ({ send, status, field }) => {
      const res = await send();
      if (status === 'client-error') {
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        return;
      }
      expectError(res, status);
      if (field) expectFieldError(res, field);
    });

    it('a non-JSON body gets a JSON error, not an HTML page', async () => {
      const res = await raw('/api/rooms/0/messages', '{"message": ')();
      expectError(res, 400);
      expect(res.text).not.toMatch(/<html|<pre|<!DOCTYPE/i);
    });

    it('a message of exactly 4000 code points (emoji, 8000 UTF-16 units) is accepted and stored intact', async () => {
      const text = '😀'.repeat(3999) + 'a';
      const res = await post(me, dmRoom, { message: text });
      expect(res.status).toBe(201);
      expect((res.body as Message).message).toBe(text);
      const hist = await page(me, dmRoom, { limit: 1 });
      expect((hist.body as Page).messages[0].message).toBe(text);
      baseline.dm.push(res.body as Message);
    });

    it('clientId of exactly 64 characters is accepted', async () => {
      const clientId = 'k'.repeat(64);
      const res = await post(me, dmRoom, { message: 'long clientId', clientId });
      expect(res.status).toBe(201);
      expect((res.body as Message).clientId).toBe(clientId);
      baseline.dm.push(res.body as Message);
    });

    it('passwords of exactly 8 and 72 bytes are accepted', async () => {
      expect(
        // Not 12345678: that one is refused as one of the most common passwords.
        (await http().post('/api/auth/register').send({ username: 'pw8', password: 'k3#v9q!z' }))
          .status,
      ).toBe(201);
      expect(
        (
          await http()
            .post('/api/auth/register')
            .send({ username: 'pw72', password: `xy${'é'.repeat(35)}` })
        ).status,
      ).toBe(201);
      expect(
        (
          await http()
            .post('/api/auth/login')
            .send({ username: 'pw72', password: `xy${'é'.repeat(35)}` })
        ).status,
      ).toBe(200);
      expect(
        (
          await http()
            .post('/api/auth/login')
            .send({ username: 'pw72', password: `xy${'é'.repeat(34)}e` })
        ).status,
      ).toBe(401);
      const all = await everyone(me.token);
      baseline.users = all;
    });

    it('afterwards the server still answers and the stored data is intact', async () => {
      expect((await http().get('/api/health/ready')).status).toBe(200);
      const meRes = await http().get('/api/me').set(bearer(me.token));
      expect(meRes.status).toBe(200);
      expect((meRes.body as User).username).toBe('frank');
      expect(await fullHistory(me, '0')).toEqual(baseline.general);
      expect(await fullHistory(me, dmRoom)).toEqual(baseline.dm);
      const allUsers = await everyone(me.token);
      expect(allUsers).toEqual(baseline.users);
      // And login still works for an existing user.
      expect(
        (await http().post('/api/auth/login').send({ username: 'alice', password: PASSWORD }))
          .status,
      ).toBe(200);
    });
  });

  describe('precise rules', () => {
    it('identical messages sent concurrently (same millisecond) are distinct messages with distinct ids and seqs', async () => {
      const [a, b] = [users[0], users[1]];
      const roomId = dmId(a, b);
      const opened = await openDm(a, b.user.id);
      expect([200, 201]).toContain(opened.status);
      const before = (await fullHistory(a, roomId)).length;

      // Rounds of 4 identical concurrent posts until at least one pair shared a millisecond (a stream
      // id with a non-zero sequence part), so the same-millisecond case is really exercised.
      const responses: Response[] = [];
      const sameMs = () => responses.filter((r) => !(r.body as Message).id.endsWith('-0')).length;
      for (let round = 0; round < 8 || (sameMs() === 0 && round < 100); round++) {
        responses.push(
          ...(await Promise.all(
            Array.from({ length: 4 }, () => post(a, roomId, { message: 'same text' })),
          )),
        );
      }
      for (const res of responses) expect(res.status).toBe(201);
      expect(sameMs()).toBeGreaterThan(0);
      const msgs = responses.map((r) => r.body as Message);
      const msOf = (m: Message) => m.id.split('-')[0];
      expect(
        msgs.some((m, i) =>
          msgs.some((o, j) => i !== j && msOf(m) === msOf(o) && m.date === o.date),
        ),
      ).toBe(true);
      expect(new Set(msgs.map((m) => m.id)).size).toBe(msgs.length);
      expect(new Set(msgs.map((m) => m.seq)).size).toBe(msgs.length);

      const hist = await fullHistory(a, roomId);
      expect(hist.length).toBe(before + msgs.length);
      expect(hist.filter((m) => m.message === 'same text')).toHaveLength(msgs.length);
      expect(hist.map((m) => m.seq)).toEqual(Array.from({ length: hist.length }, (_, i) => i + 1));
      const sortedIds = [...hist.map((m) => m.id)].sort(compareStreamIds);
      expect(hist.map((m) => m.id)).toEqual(sortedIds);
    });

    it('one clientId sent 10 times concurrently stores one message; every response carries it', async () => {
      const s = users[2];
      const clientId = `cid-${tag(10)}`;
      const before = (await fullHistory(s, '0')).length;
      const responses = await Promise.all(
        Array.from({ length: 10 }, () => post(s, '0', { message: 'exactly once', clientId })),
      );
      for (const res of responses) expect([200, 201]).toContain(res.status);
      // One of them stored it; the others are told theirs was a replay.
      const replays = responses.filter((r) => (r.body as { replayed?: true }).replayed === true);
      expect(replays).toHaveLength(9);
      const bodies = responses.map(({ body }) => {
        const { replayed: _replayed, ...message } = body as Message & { replayed?: true };
        return message;
      });
      expect(new Set(bodies.map((m) => m.id)).size).toBe(1);
      for (const m of bodies) expect(m).toEqual(bodies[0]);
      expect(bodies[0]).toMatchObject({
        roomId: '0',
        from: s.user.id,
        message: 'exactly once',
        clientId,
      });

      const hist = await fullHistory(s, '0');
      expect(hist.length).toBe(before + 1);
      expect(hist.filter((m) => m.clientId === clientId)).toEqual([bodies[0]]);

      // A later retry returns the stored message too; a different text under the key is a 409.
      const retry = await post(s, '0', { message: 'exactly once', clientId });
      expect([200, 201]).toContain(retry.status);
      expect(retry.body).toEqual({ ...bodies[0], replayed: true });
      expectError(await post(s, '0', { message: 'changed my mind', clientId }), 409);
      expect((await fullHistory(s, '0')).length).toBe(before + 1);
    });

    it('clientId is scoped per user: another user with the same clientId gets their own message', async () => {
      const clientId = `shared-${tag(8)}`;
      const a = await post(users[0], '0', { message: 'from alice', clientId });
      const b = await post(users[1], '0', { message: 'from bob', clientId });
      expect(a.status).toBe(201);
      expect(b.status).toBe(201);
      expect((a.body as Message).id).not.toBe((b.body as Message).id);
      expect(b.body as Message).toMatchObject({ from: users[1].user.id, message: 'from bob' });
    });

    it('50 parallel registrations of one name: one 201, 49 409, one user', async () => {
      const before = (await everyone(users[0].token)).length;
      const casings = ['Racer', 'racer', 'RACER', 'rAcEr', 'RaCeR'];
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          http()
            .post('/api/auth/register')
            .send({ username: casings[i % casings.length], password: `password-${i}` }),
        ),
      );
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(49);
      for (const res of responses.filter((r) => r.status === 409)) expectError(res, 409);

      const after = await everyone(users[0].token);
      expect(after.length).toBe(before + 1);
      const racers = after.filter((u) => u.username.toLowerCase() === 'racer');
      expect(racers).toHaveLength(1);
      const winner = responses.find((r) => r.status === 201)!.body as { user: User };
      expect(racers[0]).toEqual(winner.user);
    });

    it.each([
      ['an HTML tag', '<img src=x onerror=alert(1)>'],
      ['an entity', '&lt;'],
      ['a double-escaped entity', '&amp;lt;script&amp;gt;'],
      ['quotes and backslashes', `"it's" \\ \\n \`tick\``],
      ['leading and trailing white space', '  padded text \n'],
      ['control and zero-width characters', 'a\u0000b\u0007c\u200bd\u202e'],
      ['emoji and combining marks', '👩‍👩‍👧 e\u0301 🇫🇷'],
    ])('message text is stored raw: %s', async (_what, text) => {
      const res = await post(users[3], '0', { message: text });
      expect(res.status).toBe(201);
      expect((res.body as Message).message).toBe(text);
      const hist = await page(users[3], '0', { limit: 5 });
      const stored = (hist.body as Page).messages.find((m) => m.id === (res.body as Message).id);
      expect(stored?.message).toBe(text);
    });

    it('text that is not valid Unicode (a lone surrogate) is refused, or stored and answered identically', async () => {
      const text = 'x\ud800y';
      const res = await post(users[3], '0', { message: text });
      if (res.status === 400) return expectFieldError(res, 'message');
      expect(res.status).toBe(201);
      const hist = await page(users[3], '0', { limit: 5 });
      const stored = (hist.body as Page).messages.find((m) => m.id === (res.body as Message).id);
      // What the sender (and the live broadcast, built from the same object) saw is what history has.
      expect(stored).toEqual(res.body);
    });

    it('clientId: null is treated as no clientId (or refused), never as a shared key', async () => {
      const s = users[3];
      const first = await post(s, '0', { message: 'null cid 1', clientId: null });
      if (first.status === 400) return expectFieldError(first, 'clientId');
      const second = await post(s, '0', { message: 'null cid 2', clientId: null });
      expect([first.status, second.status]).toEqual([201, 201]);
      expect((first.body as Message).id).not.toBe((second.body as Message).id);
      expect((second.body as Message).message).toBe('null cid 2');
      expect('clientId' in (first.body as Message)).toBe(false);
    });

    it('`from`, `date`, `id`, `seq` and `roomId` in the body are ignored: the server sets them', async () => {
      const s = users[4];
      const before = Date.now();
      const res = await post(s, '0', {
        message: 'who am i',
        from: users[0].user.id,
        date: 1,
        id: '1-1',
        seq: 1,
        roomId: '1:2',
      });
      expect(res.status).toBe(201);
      const m = res.body as Message;
      expect(m.from).toBe(s.user.id);
      expect(m.roomId).toBe('0');
      expect(m.id).not.toBe('1-1');
      expect(m.date * 1000).toBeGreaterThanOrEqual(before - 1);
      expect(m.seq).toBeGreaterThan(1);
      const hist = await page(users[0], '0', { limit: 5 });
      expect((hist.body as Page).messages.find((x) => x.id === m.id)).toEqual(m);
    });
  });

  describe('announcements (the Socket.IO adapter, as the gateways hear them)', () => {
    let tap: AdapterTap;
    const t = tag(6);
    let a: Session;
    let b: Session;
    let c: Session;

    const broadcasts = (event: string, pick: (payload: any) => boolean = () => true) =>
      tap.of((x) => x.type === MessageType.BROADCAST && x.event === event && pick(x.payload));
    const eventually = (event: string, pick: (payload: any) => boolean) =>
      waitFor(() => broadcasts(event, pick).length > 0, 5000, 10);
    const revocations = (sessionId: string) =>
      tap.of(
        (x) =>
          x.type === MessageType.SERVER_SIDE_EMIT &&
          x.event === 'parley:revoke' &&
          x.payload === sessionId,
      );

    beforeAll(async () => {
      a = await register(api.url, `busA_${t}`);
      b = await register(api.url, `busB_${t}`);
      c = await register(api.url, `busC_${t}`);
      // Sharded channels are not per database: this suite's names and texts are unique.
      tap = await AdapterTap.start(testRedisUrl(1), [
        'room:0',
        ...[a, b, c].map((s) => `user:${s.user.id}`),
      ]);
    });
    afterAll(() => tap.stop());

    it("a posted message is announced once on its room's channel; a clientId retry not at all", async () => {
      const text = `bus message ${t}`;
      const clientId = `bus-${t}`;
      const first = await post(a, '0', { message: text, clientId });
      expect(first.status).toBe(201);
      const retries = await Promise.all(
        Array.from({ length: 5 }, () => post(a, '0', { message: text, clientId })),
      );
      for (const r of retries) expect((r.body as Message).id).toBe((first.body as Message).id);
      // A marker announced after the retries: once it has arrived, anything the retries sent has too.
      const marker = await post(a, '0', { message: `marker ${t}` });
      expect(marker.status).toBe(201);
      await eventually('message', (m: Message) => m.id === (marker.body as Message).id);

      const announced = broadcasts('message', (m: Message) => m.message === text);
      expect(announced).toHaveLength(1);
      expect(announced[0]).toMatchObject({ channel: 'room:0', rooms: ['room:0'] });
      expect(announced[0].payload).toEqual(first.body as Message);
    });

    it('a rejected post announces nothing', async () => {
      const text = `rejected ${t}`;
      expect((await post(a, '5:9', { message: text })).status).toBe(404);
      expect(
        (
          await http()
            .post('/api/rooms/0/messages')
            .set('Cookie', a.cookie)
            .set('Origin', FOREIGN_ORIGIN)
            .send({ message: text })
        ).status,
      ).toBe(403);
      const marker = await post(a, '0', { message: `marker2 ${t}` });
      expect(marker.status).toBe(201);
      await eventually('message', (m: Message) => m.id === (marker.body as Message).id);
      expect(broadcasts('message', (m: Message) => m.message === text)).toHaveLength(0);
    });

    it("a new DM moves both members' sockets into it and shows it to each of them once; reopening announces nothing", async () => {
      const created = await openDm(a, b.user.id);
      expect(created.status).toBe(201);
      expect((await openDm(b, a.user.id)).status).toBe(200);
      expect((await openDm(a, b.user.id)).status).toBe(200);
      const roomId = (created.body as Room).id;
      const marker = await openDm(a, c.user.id);
      expect(marker.status).toBe(201);
      await eventually('room.joined', (r: Room) => r.id === (marker.body as Room).id);

      const joins = tap.of((x) => x.type === MessageType.SOCKETS_JOIN);
      for (const s of [a, b]) {
        const forUser = joins.filter((j) => j.raw.includes(`"user:${s.user.id}"`));
        expect(forUser.filter((j) => j.raw.includes(`"room:${roomId}"`))).toHaveLength(1);
        const shown = broadcasts('show.room', (r: Room) => r.id === roomId).filter(
          (x) => x.channel === `user:${s.user.id}`,
        );
        expect(shown).toHaveLength(1);
        const other = s === a ? b : a;
        expect(shown[0].payload).toMatchObject({
          id: roomId,
          kind: 'dm',
          name: other.user.username,
        });
      }
      expect(broadcasts('room.joined', (r: Room) => r.id === roomId)).toHaveLength(2);
    });

    it('concurrent creations of one DM: one 201, the rest 200, one announcement', async () => {
      const responses = await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 ? openDm(b, c.user.id) : openDm(c, b.user.id))),
      );
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 200, 200, 200, 201]);
      const roomId = dmId(b, c);
      for (const r of responses) expect((r.body as Room).id).toBe(roomId);
      await tap.watch(`room:${roomId}`);
      const marker = await post(b, roomId, { message: `marker3 ${t}` });
      expect(marker.status).toBe(201);
      await eventually('message', (m: Message) => m.id === (marker.body as Message).id);
      // One publisher connection, in order: the room's announcements came before the marker.
      expect(
        broadcasts('show.room', (r: Room) => r.id === roomId).filter(
          (x) => x.channel === `user:${b.user.id}`,
        ),
      ).toHaveLength(1);
    });

    it('logout asks every gateway to cut the session (one server-side event with its id)', async () => {
      const s = await login(api.url, a.user.username);
      expect((await http().post('/api/auth/logout').set(bearer(s.token))).status).toBe(204);
      await waitFor(() => revocations(s.token).length > 0, 5000, 10);
      expect(revocations(s.token)).toHaveLength(1);
      expect(revocations(s.token)[0].channel).toBe('(main)');
    });

    it('a login that replaces a session revokes the old one', async () => {
      const agent = request.agent(api.url);
      const first = await agent
        .post('/api/auth/login')
        .send({ username: b.user.username, password: PASSWORD });
      expect(first.status).toBe(200);
      const second = await agent
        .post('/api/auth/login')
        .send({ username: b.user.username, password: PASSWORD });
      expect(second.status).toBe(200);
      const oldToken = (first.body as Session).token;
      await waitFor(() => revocations(oldToken).length > 0, 5000, 10);
      expect(revocations(oldToken)).toHaveLength(1);
    });
  });
});

describe('rate limits', () => {
  describe('per-IP register/login attempts (LIMIT_AUTH_PER_MINUTE=3)', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startApi({ LIMIT_AUTH_PER_MINUTE: '3' }, { db: 3 });
    });
    afterAll(() => api.close());

    it('the 4th attempt in a minute gets 429 with Retry-After, on register and login alike', async () => {
      const http = () => request(api.url);
      expect(
        (await http().post('/api/auth/register').send({ username: 'limited', password: PASSWORD }))
          .status,
      ).toBe(201);
      expect(
        (
          await http()
            .post('/api/auth/login')
            .send({ username: 'limited', password: 'wrong-password' })
        ).status,
      ).toBe(401);
      expect(
        (await http().post('/api/auth/login').send({ username: 'limited', password: PASSWORD }))
          .status,
      ).toBe(200);

      for (const res of [
        await http().post('/api/auth/login').send({ username: 'limited', password: PASSWORD }),
        await http().post('/api/auth/register').send({ username: 'another', password: PASSWORD }),
      ]) {
        expectError(res, 429);
        const retryAfter = Number(res.headers['retry-after']);
        expect(Number.isInteger(retryAfter)).toBe(true);
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(60);
        expect(sessionSetCookie(res)).toBeUndefined();
      }
      // The refused registration did not happen; other routes are not limited.
      const s = await http().get('/api/health/live');
      expect(s.status).toBe(200);
      const users = await api.redis.hlen(RedisKeys.profiles());
      expect(users).toBe(1);
    });
  });

  describe('per-username failed logins and per-user messages', () => {
    let api: TestApi;
    const http = () => request(api.url);
    beforeAll(async () => {
      api = await startApi(
        { LIMIT_LOGIN_FAILURES: '3', LIMIT_MESSAGES_PER_MINUTE: '3' },
        { db: 3 },
      );
    });
    afterAll(() => api.close());

    it('after LIMIT_LOGIN_FAILURES failures even the right password gets 429 with Retry-After; other names are unaffected', async () => {
      await register(api.url, 'Victim');
      const bystander = await register(api.url, 'bystander');
      for (let i = 0; i < 3; i++) {
        const res = await http()
          .post('/api/auth/login')
          .send({ username: 'Victim', password: `wrong-${i}-password` });
        expectError(res, 401);
      }
      for (const name of ['Victim', 'victim', 'VICTIM']) {
        const res = await http()
          .post('/api/auth/login')
          .send({ username: name, password: PASSWORD });
        expectError(res, 429);
        const retryAfter = Number(res.headers['retry-after']);
        expect(Number.isInteger(retryAfter)).toBe(true);
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(15 * 60);
        expect(sessionSetCookie(res)).toBeUndefined();
      }
      // The existing session of the victim keeps working, and other users can log in.
      const ok = await http()
        .post('/api/auth/login')
        .send({ username: 'bystander', password: PASSWORD });
      expect(ok.status).toBe(200);
      expect((await http().get('/api/me').set(bearer(bystander.token))).status).toBe(200);
    });

    it('POST messages beyond LIMIT_MESSAGES_PER_MINUTE gets 429 with Retry-After; nothing is stored; other users unaffected', async () => {
      const post = (who: Session, message: string) =>
        http().post('/api/rooms/0/messages').set(bearer(who.token)).send({ message });
      const s = await register(api.url, 'chatty');
      const other = await register(api.url, 'quiet');
      for (let i = 1; i <= 3; i++) expect((await post(s, `msg ${i}`)).status).toBe(201);
      const res = await post(s, 'msg 4');
      expectError(res, 429);
      const retryAfter = Number(res.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);

      expect((await post(other, 'still fine')).status).toBe(201);
      const hist = await http().get('/api/rooms/0/messages').set(bearer(other.token));
      expect((hist.body as Page).messages.map((m) => m.message)).toEqual([
        'msg 1',
        'msg 2',
        'msg 3',
        'still fine',
      ]);
    });
  });
});
