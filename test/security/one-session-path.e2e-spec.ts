import { sign } from 'cookie-signature';
import { io } from 'socket.io-client';
import request from 'supertest';
import { waitFor } from '../support/api';
import {
  bearer,
  login,
  PASSWORD,
  register,
  SESSION_COOKIE,
  sessionSetCookie,
  tag,
  type Session,
} from '../support/http';
import { connectSocket } from '../support/stack';
import { useStack } from '../support/suite';

const LIMIT = 3;
const ALL_SCOPES = ['messages:read', 'messages:write', 'rooms:read', 'rooms:write'];

/**
 * issue 12, found by review: the API turned a bearer token into a forged session cookie, read
 * GETs through a path of their own and resolved API tokens in a third; the gateway parsed cookies
 * itself; the reference client's login bypassed passport. Now one service (SessionsService)
 * resolves cookie or bearer for the API's one guard and the gateways' handshake, and one
 * AuthService checks every login.
 */
describe('one session path: cookie or bearer, API and gateway alike', () => {
  const suite = useStack({
    gateways: 1,
    env: { LIMIT_LOGIN_FAILURES: String(LIMIT), SESSION_RECHECK_SECONDS: '1' },
  });
  let alice: Session;
  const api = () => request(suite.stack.api.url);
  const origin = () => suite.stack.api.url; // same host: the cookie's CSRF check passes

  beforeAll(async () => {
    alice = await register(suite.stack.api.url, `one${tag(5)}`);
  });

  /** What the gateway makes of a handshake: 'connected' or its connect_error message. */
  async function handshake(opts: { token?: string; cookie?: string; authorization?: string }) {
    const socket = io(suite.stack.gateways[0].url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: opts.token ? { token: opts.token } : undefined,
      extraHeaders: {
        ...(opts.cookie ? { cookie: opts.cookie } : {}),
        ...(opts.authorization ? { authorization: opts.authorization } : {}),
      },
    });
    try {
      return await new Promise<string>((done) => {
        socket.once('connect', () => done('connected'));
        socket.once('connect_error', (err) => done(err.message));
      });
    } finally {
      socket.disconnect();
    }
  }

  it('a bearer request gets no session cookie back, reading, writing or logging out', async () => {
    const session = await login(suite.stack.api.url, alice.user.username);
    const responses = [
      await api().get('/api/me').set(bearer(session.token)),
      await api().post('/api/rooms/0/messages').set(bearer(session.token)).send({ message: 'hi' }),
      await api().post('/api/auth/logout').set(bearer(session.token)),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 201, 204]);
    for (const res of responses) expect(sessionSetCookie(res)).toBeUndefined();
    // The logout ended the one session behind token and cookie alike.
    await api().get('/api/me').set(bearer(session.token)).expect(401);
    await api().get('/api/me').set('Cookie', session.cookie).expect(401);
  });

  it('a GET and a POST resolve the same user from the cookie and from the bearer token', async () => {
    const viaCookie = await api().get('/api/me').set('Cookie', alice.cookie).expect(200);
    const viaBearer = await api().get('/api/me').set(bearer(alice.token)).expect(200);
    expect(viaCookie.body).toEqual(viaBearer.body);
    expect(viaCookie.body.id).toBe(alice.user.id);
    const sent = await Promise.all([
      api()
        .post('/api/rooms/0/messages')
        .set({ Cookie: alice.cookie, Origin: origin() })
        .send({ message: 'by cookie' }),
      api().post('/api/rooms/0/messages').set(bearer(alice.token)).send({ message: 'by bearer' }),
    ]);
    expect(sent.map((r) => [r.status, (r.body as { from: string }).from])).toEqual([
      [201, alice.user.id],
      [201, alice.user.id],
    ]);
  });

  it('a presented token decides alone: a wrong one is a 401 even beside a valid cookie', async () => {
    for (const token of ['short', 'x'.repeat(40), `prl_${'a'.repeat(43)}`]) {
      const headers = { Cookie: alice.cookie, Authorization: `Bearer ${token}`, Origin: origin() };
      await api().get('/api/me').set(headers).expect(401);
      await api().post('/api/rooms/0/messages').set(headers).send({ message: 'no' }).expect(401);
      expect(await handshake({ cookie: alice.cookie, authorization: `Bearer ${token}` })).toBe(
        'unauthorized',
      );
    }
  });

  it('the gateway accepts exactly the credentials the API accepts', async () => {
    const created = await api()
      .post('/api/tokens')
      .set(bearer(alice.token))
      .send({ name: `bot${tag()}`, scopes: ALL_SCOPES });
    expect(created.status).toBe(201);
    const sid = decodeURIComponent(alice.cookie.split('=')[1]).slice(2).split('.')[0];
    const foreign = `${SESSION_COOKIE}=${encodeURIComponent(`s:${sign(sid, 'another-secret-0123456789')}`)}`;
    const cases: Array<[string, { token?: string; cookie?: string; authorization?: string }]> = [
      ['session cookie', { cookie: alice.cookie }],
      ['bearer session token', { authorization: `Bearer ${alice.token}` }],
      ['bearer API token', { authorization: `Bearer ${created.body.token}` }],
      ['cookie signed with another secret', { cookie: foreign }],
      ['unsigned cookie', { cookie: `${SESSION_COOKIE}=${sid}` }],
      ['unknown bearer token', { authorization: `Bearer ${'z'.repeat(32)}` }],
      ['nothing', {}],
    ];
    const outcomes = await Promise.all(
      cases.map(async ([name, c]) => {
        const headers = {
          ...(c.cookie ? { Cookie: c.cookie } : {}),
          ...(c.authorization ? { Authorization: c.authorization } : {}),
        };
        const res = await api().get('/api/me').set(headers);
        return { name, api: res.status, gateway: await handshake(c) };
      }),
    );
    expect(outcomes).toEqual([
      { name: 'session cookie', api: 200, gateway: 'connected' },
      { name: 'bearer session token', api: 200, gateway: 'connected' },
      { name: 'bearer API token', api: 200, gateway: 'connected' },
      { name: 'cookie signed with another secret', api: 401, gateway: 'unauthorized' },
      { name: 'unsigned cookie', api: 401, gateway: 'unauthorized' },
      { name: 'unknown bearer token', api: 401, gateway: 'unauthorized' },
      { name: 'nothing', api: 401, gateway: 'unauthorized' },
    ]);
  });

  it("an API token's socket outlives the session re-check; a session gone from the store does not", async () => {
    const created = await api()
      .post('/api/tokens')
      .set(bearer(alice.token))
      .send({ name: `bot${tag()}`, scopes: ALL_SCOPES });
    const bot = await connectSocket(suite.stack.gateways[0].url, created.body.token as string);
    const doomed = await login(suite.stack.api.url, alice.user.username);
    const person = await connectSocket(suite.stack.gateways[0].url, doomed.token);
    try {
      // The session vanishes without its revocation event: only the re-check can cut it.
      await suite.stack.api.redis.del(`sess:${doomed.token}`);
      await waitFor(() => !person.connected, 10_000);
      expect(bot.connected).toBe(true);
      const ack = (await bot.timeout(5_000).emitWithAck('sync', { cursors: {} })) as {
        ok: boolean;
      };
      expect(ack.ok).toBe(true);
    } finally {
      bot.disconnect();
      person.disconnect();
    }
  });

  it('both logins, /api/auth/login and the reference client’s /login, count against one lockout', async () => {
    const bob = await register(suite.stack.api.url, `lock${tag(5)}`);
    const wrong = { username: bob.user.username, password: 'not-the-password' };
    const statuses = [
      (await api().post('/api/auth/login').send(wrong)).status,
      (await api().post('/login').send(wrong)).status,
      (await api().post('/api/auth/login').send(wrong)).status,
      (await api().post('/login').send(wrong)).status,
      (await api().post('/api/auth/login').send(wrong)).status,
    ];
    expect(statuses).toEqual([401, 404, 401, 429, 429]);
    // The right password from this blocked client is refused by both routes as well.
    const right = { username: bob.user.username, password: PASSWORD };
    expect((await api().post('/login').send(right)).status).toBe(429);
    expect((await api().post('/api/auth/login').send(right)).status).toBe(429);
  });
});
