import type { Message as Msg } from '@app/contracts';
import { sign } from 'cookie-signature';
import Redis from 'ioredis';
import http from 'node:http';
import { io, Socket } from 'socket.io-client';
import request, { type Response } from 'supertest';
import { WebSocket } from 'ws';
import { TEST_ENV, waitFor } from './support/api';
import { bearer, login, Session, SESSION_COOKIE, sessionCookie } from './support/http';
import {
  collect,
  connectSocket,
  registerUser,
  sleep,
  Stack,
  startStack,
  TestUser,
} from './support/stack';

/**
 * The OWASP WebSocket checklist (research/anchors.md §4.3) as tests, for what the other suites do
 * not already show (gateway-abuse: fuzzing, the 64 KB WebSocket frame, event and message floods;
 * gateway-features: Origin on direct WebSocket handshakes; gateway-revocation: logout on direct
 * sockets; rest: per-IP and per-name login limits, 413 bodies), plus one named test per defect of
 * the reference demo (research/seed-api.md §9) that only the socket side can show. #5 and #19 are
 * shown by chaos-smoke.e2e-spec.ts; the REST-side defects by seed-compat.e2e-spec.ts.
 */

type Ack = { ok: true; [key: string]: unknown } | { ok: false; error: { code: string } };

const CAP = 6;
const LOGIN_FAILURES = 4;
const ALLOWED = 'https://app.example';
const FOREIGN_ORIGINS = ['http://evil.example', 'null', 'http://127.0.0.1.evil.example'];

/** Stored-XSS payloads: each must come back byte for byte, on every path. */
const XSS = [
  '<script>alert(1)</script>',
  '<img src=x onerror="alert(document.cookie)">',
  '"><svg/onload=alert(1)>',
  "'; alert(String.fromCharCode(88,83,83)); //",
  'javascript:alert(1)',
  '&lt;b&gt;already escaped&lt;/b&gt; &amp; &#x3C;',
  '</script><script>alert(1)</script><!--',
  '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
  '{{constructor.constructor("alert(1)")()}} ${alert(1)}',
  'line\u2028separator\u2029 and \u202eRTL override',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
  '\\u003cscript\\u003e \\" \\\\',
];

/** The Engine.IO polling handshake, raw: status and body. */
function pollingHandshake(
  baseUrl: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${baseUrl}/socket.io/?EIO=4&transport=polling`, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

/** A raw WebSocket upgrade of Engine.IO: 'open', or the HTTP status it was refused with. */
function websocketUpgrade(
  baseUrl: string,
  headers: Record<string, string>,
): Promise<number | string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(
      `${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`,
      { headers },
    );
    ws.on('open', () => {
      ws.terminate();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', (err) => resolve(err.message));
  });
}

/** What a Socket.IO client gets: 'connected' (then closed) or the connect_error message. */
function outcome(url: string, opts: Record<string, unknown>): Promise<string> {
  return new Promise((resolve) => {
    const socket = io(url, { reconnection: false, forceNew: true, timeout: 5_000, ...opts });
    socket.once('connect', () => {
      socket.disconnect();
      resolve('connected');
    });
    socket.once('connect_error', (err) => {
      socket.disconnect();
      resolve(err.message);
    });
  });
}

async function ackOf(socket: Socket, event: string, ...args: unknown[]): Promise<Ack | 'no ack'> {
  try {
    return (await socket.timeout(5_000).emitWithAck(event, ...args)) as Ack;
  } catch {
    return 'no ack';
  }
}

/** The stored message of an ok ack; throws (failing the test) on anything else. */
function stored(ack: Ack | 'no ack'): Msg {
  if (ack === 'no ack' || !ack.ok)
    throw new Error(`expected an ok ack, got ${JSON.stringify(ack)}`);
  return ack.message as Msg;
}

function expectJsonNosniff(res: Response): void {
  expect(res.headers['content-type']).toMatch(/^application\/json; charset=utf-8$/);
  expect(res.headers['x-content-type-options']).toBe('nosniff');
}

describe('abuse: the OWASP WebSocket checklist and the reference demo’s socket-side defects', () => {
  let stack: Stack;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    stack = await startStack({
      gateways: 2,
      env: {
        LIMIT_CONNECTIONS_PER_USER: String(CAP),
        LIMIT_LOGIN_FAILURES: String(LOGIN_FAILURES),
        LIMIT_EVENTS_PER_SECOND: '20',
        ALLOWED_ORIGINS: ALLOWED,
      },
    });
  });

  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await stack?.close();
  });

  const gw = (i: number) => stack.gateways[i].url;

  async function open(url: string, token: string, opts: Record<string, unknown> = {}) {
    const socket = await connectSocket(url, token, opts);
    sockets.push(socket);
    return socket;
  }

  async function dm(a: TestUser, b: TestUser): Promise<string> {
    const res = await request(stack.api.url)
      .post('/api/rooms/dm')
      .set(bearer(a.token))
      .send({ userId: b.id })
      .expect(201);
    return (res.body as { id: string }).id;
  }

  async function history(token: string, roomId: string): Promise<Msg[]> {
    const res = await request(stack.api.url)
      .get(`/api/rooms/${encodeURIComponent(roomId)}/messages`)
      .query({ limit: 100 })
      .set(bearer(token))
      .expect(200);
    return (res.body as { messages: Msg[] }).messages;
  }

  describe('cross-site WebSocket hijacking', () => {
    it('a foreign Origin carrying the victim’s cookie is refused on polling (403) and WebSocket (400), at a gateway and through the API proxy', async () => {
      const user = await registerUser(stack.api.url, 'cswsh');
      const { cookie } = await login(stack.api.url, user.username);
      for (const base of [gw(0), gw(1), stack.api.url]) {
        for (const origin of FOREIGN_ORIGINS) {
          const poll = await pollingHandshake(base, { origin, cookie });
          expect({ base, origin, status: poll.status }).toEqual({ base, origin, status: 403 });
          expect(poll.body).not.toContain('"sid"');
          // Engine.IO answers a refused upgrade with 400 (its abortUpgrade), polling with 403.
          expect({ base, origin, ws: await websocketUpgrade(base, { origin, cookie }) }).toEqual({
            base,
            origin,
            ws: 400,
          });
        }
        // The allowlist is an allowlist, not a blanket refusal: listed and same-host origins pass.
        for (const origin of [ALLOWED, 'http://127.0.0.1:5173']) {
          const poll = await pollingHandshake(base, { origin, cookie });
          expect(poll.status).toBe(200);
          expect(poll.body).toContain('"sid"');
          expect(await websocketUpgrade(base, { origin, cookie })).toBe('open');
        }
      }
      // A full Socket.IO client riding the cookie from a foreign page gets nowhere, either transport.
      for (const transports of [['polling'], ['websocket']]) {
        for (const url of [gw(0), stack.api.url]) {
          const got = await outcome(url, {
            transports,
            extraHeaders: { origin: 'http://evil.example', cookie },
          });
          expect(got).not.toBe('connected');
        }
      }
      // The same cookie from the same site connects (so the refusals above are the Origin's doing).
      expect(
        await outcome(stack.api.url, {
          transports: ['polling', 'websocket'],
          extraHeaders: { origin: 'http://127.0.0.1:3000', cookie },
        }),
      ).toBe('connected');
    });
  });

  describe('tokens in the query string', () => {
    it('are not accepted: ?token= and ?auth= handshakes get connect_error "unauthorized", and REST ignores ?token=', async () => {
      const user = await registerUser(stack.api.url, 'qtok');
      for (const url of [gw(0), stack.api.url]) {
        for (const query of [
          { token: user.token },
          { auth: user.token },
          { auth: JSON.stringify({ token: user.token }) },
          { access_token: user.token },
        ]) {
          expect({
            url,
            query,
            got: await outcome(url, { transports: ['websocket'], query }),
          }).toEqual({ url, query, got: 'unauthorized' });
        }
        expect(await outcome(url, { transports: ['polling'], query: { token: user.token } })).toBe(
          'unauthorized',
        );
        // The same token in the handshake's auth payload is the way in.
        expect(await outcome(url, { transports: ['websocket'], auth: { token: user.token } })).toBe(
          'connected',
        );
      }
      for (const q of ['token', 'access_token', 'auth', 'sid']) {
        await request(stack.api.url).get(`/api/me?${q}=${user.token}`).expect(401);
      }
    });
  });

  describe('oversize frames', () => {
    it('a Socket.IO packet over 64 KB on HTTP long-polling is refused (413) and never handled, at a gateway and through the proxy', async () => {
      const user = await registerUser(stack.api.url, 'poll');
      for (const base of [gw(1), stack.api.url]) {
        // A raw polling session: Engine.IO handshake, then Socket.IO CONNECT with the token.
        const hs = await pollingHandshake(base, {});
        expect(hs.status).toBe(200);
        const sid = /"sid":"([^"]+)"/.exec(hs.body)?.[1] as string;
        const path = `/socket.io/?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`;
        const post = (body: string) =>
          request(base).post(path).set('content-type', 'text/plain;charset=UTF-8').send(body);
        expect((await post(`40${JSON.stringify({ token: user.token })}`)).status).toBe(200);
        expect((await request(base).get(path)).text).toMatch(/^40\{"sid":/);

        const big = await post(
          `421["message",{"roomId":"0","message":"${'x'.repeat(100_000)}","clientId":"big"}]`,
        );
        expect(big.status).toBe(413);
        // A normal packet afterwards is handled (and acked) as usual.
        expect(
          (await post('422["message",{"roomId":"0","message":"small after big"}]')).status,
        ).toBe(200);
        // The ack arrives on a later poll (a poll may first bring presence broadcasts); the packets
        // of one poll are separated by the record separator (U+001E).
        const acked = async () => {
          for (let poll = 0; poll < 5; poll += 1) {
            const packets = (await request(base).get(path)).text.split(String.fromCharCode(0x1e));
            if (packets.some((p) => p.startsWith('432[{"ok":true,"message":{'))) return true;
          }
          return false;
        };
        expect(await acked()).toBe(true);
      }
      const mine = (await history(user.token, '0')).filter((m) => m.from === user.id);
      expect(mine.map((m) => m.message)).toEqual(['small after big', 'small after big']);
      expect((await request(gw(1)).get('/health/live')).status).toBe(200);
    });
  });

  describe('rate limits', () => {
    it('the per-connection budget covers every event (typing, sync, room.join), not only messages, and is per connection', async () => {
      const user = await registerUser(stack.api.url, 'rlev');
      const flood = await open(gw(0), user.token);
      const calm = await open(gw(1), user.token);
      const acks = await Promise.all(
        Array.from({ length: 120 }, (_, i) =>
          i % 3 === 0
            ? ackOf(flood, 'typing', { roomId: '0', typing: i % 2 === 0 })
            : i % 3 === 1
              ? ackOf(flood, 'sync', { cursors: { '0': '0' } })
              : ackOf(flood, 'room.join', '0'),
        ),
      );
      expect(acks.filter((a) => a === 'no ack')).toEqual([]);
      const limited = acks.filter(
        (a) => a !== 'no ack' && !a.ok && a.error.code === 'rate_limited',
      );
      expect(acks.slice(0, 40).every((a) => a !== 'no ack' && a.ok)).toBe(true);
      expect(limited.length).toBeGreaterThanOrEqual(70);
      // The same user's other connection has its own budget.
      for (let i = 0; i < 10; i += 1)
        expect(await ackOf(calm, 'room.join', '0')).toEqual({ ok: true });
      expect(flood.connected).toBe(true);
    });
  });

  describe('connections per user (LIMIT_CONNECTIONS_PER_USER)', () => {
    it(`holds across gateways: of 2×${CAP} concurrent handshakes exactly ${CAP} get in, the rest get "too_many_connections"; closing frees slots; others are unaffected`, async () => {
      const user = await registerUser(stack.api.url, 'cap');
      const other = await registerUser(stack.api.url, 'capo');
      const attempt = (i: number) =>
        new Promise<Socket | string>((resolve) => {
          const socket = io(gw(i % 2), {
            auth: { token: user.token },
            transports: ['websocket'],
            reconnection: false,
            forceNew: true,
          });
          socket.once('connect', () => {
            sockets.push(socket);
            resolve(socket);
          });
          socket.once('connect_error', (err) => resolve(err.message));
        });
      const first = await Promise.all(Array.from({ length: 2 * CAP }, (_, i) => attempt(i)));
      const inside = first.filter((r): r is Socket => typeof r !== 'string');
      expect(first.map((r) => (typeof r === 'string' ? r : 'connected')).sort()).toEqual([
        ...Array<string>(CAP).fill('connected'),
        ...Array<string>(CAP).fill('too_many_connections'),
      ]);
      // Through the API proxy too, and the refused ones were not counted.
      expect(
        await outcome(stack.api.url, { transports: ['websocket'], auth: { token: user.token } }),
      ).toBe('too_many_connections');
      // Another user is not affected.
      expect(
        await outcome(gw(0), { transports: ['websocket'], auth: { token: other.token } }),
      ).toBe('connected');
      // Those inside work.
      expect(await ackOf(inside[0], 'room.join', '0')).toEqual({ ok: true });

      // Two close: exactly two new ones get in (once the gateways have counted the closes).
      inside[0].disconnect();
      inside[1].disconnect();
      const again: (Socket | string)[] = [];
      await waitFor(
        async () => {
          const r = await attempt(again.length);
          if (typeof r !== 'string') again.push(r);
          return again.length === 2;
        },
        5_000,
        50,
      );
      expect(await Promise.all([attempt(0), attempt(1), attempt(0)])).toEqual(
        Array(3).fill('too_many_connections'),
      );

      // No reservation outlives its handshake; the counts match the open sockets.
      const redis = stack.api.redis;
      const counted = async () => {
        const counts = await Promise.all(
          stack.gateways.map((_, i) => redis.hget(`{presence}:gw:gw${i + 1}`, user.id)),
        );
        return counts.reduce((n, c) => n + Number(c ?? 0), 0);
      };
      await waitFor(async () => (await redis.zcard(`{presence}:pending:${user.id}`)) === 0, 2_000);
      expect(await counted()).toBe(CAP);
    });
  });

  describe('login brute force', () => {
    it('failures on /api/auth/login, the seed /login and the password change share one per-name budget (any letter case); then even the right password gets 429', async () => {
      const victim = await registerUser(stack.api.url, 'brute');
      const bystander = await registerUser(stack.api.url, 'brutb');
      const session = await login(stack.api.url, victim.username);
      const upper = victim.username.toUpperCase();
      await request(stack.api.url)
        .post('/api/auth/login')
        .send({ username: victim.username, password: 'wrong-password-1' })
        .expect(401);
      await request(stack.api.url)
        .post('/api/auth/login')
        .send({ username: upper, password: 'wrong-password-2' })
        .expect(401);
      await request(stack.api.url)
        .post('/login')
        .send({ username: victim.username, password: 'wrong-password-3' })
        .expect(404);
      await request(stack.api.url)
        .post('/api/auth/password')
        .set(bearer(session.token))
        .send({ currentPassword: 'wrong-password-4', newPassword: 'new-password-123' })
        .expect(403);

      for (const res of [
        await request(stack.api.url)
          .post('/api/auth/login')
          .send({ username: victim.username, password: 'password123' }),
        await request(stack.api.url)
          .post('/login')
          .send({ username: victim.username, password: 'password123' }),
        await request(stack.api.url)
          .post('/api/auth/password')
          .set(bearer(session.token))
          .send({ currentPassword: 'password123', newPassword: 'new-password-123' }),
      ]) {
        expect(res.status).toBe(429);
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
      // Nothing changed for the victim's password, and other names are unaffected.
      await login(stack.api.url, bystander.username);
      await request(stack.api.url)
        .post('/api/auth/login')
        .send({ username: victim.username, password: 'new-password-123' })
        .expect(429);
    });
  });

  describe('session fixation', () => {
    it('a session id chosen by the client (cookie, signed cookie, bearer token) is never adopted by login, and opens no socket', async () => {
      const user = await registerUser(stack.api.url, 'fix');
      const chosen = 'AttackerChosenSessionId0123456789';
      const signed = `${SESSION_COOKIE}=${encodeURIComponent(`s:${sign(chosen, TEST_ENV.SESSION_SECRET)}`)}`;
      const plants: Record<string, string>[] = [
        { Cookie: `${SESSION_COOKIE}=${chosen}` },
        { Cookie: signed },
        bearer(chosen),
      ];
      for (const headers of plants) {
        for (const path of ['/api/auth/login', '/login']) {
          const res = await request(stack.api.url)
            .post(path)
            .set(headers)
            .send({ username: user.username, password: 'password123' });
          expect(res.status).toBe(200);
          const cookie = sessionCookie(res);
          expect(cookie).not.toContain(chosen);
          if (path === '/api/auth/login') expect(res.body.token).not.toBe(chosen);
          await request(stack.api.url).get('/api/me').set('Cookie', cookie).expect(200);
        }
      }
      // The chosen id is no session: not in Redis, not on REST, not at a gateway.
      expect(await stack.api.redis.exists(`sess:${chosen}`)).toBe(0);
      await request(stack.api.url).get('/api/me').set(bearer(chosen)).expect(401);
      await request(stack.api.url).get('/api/me').set('Cookie', signed).expect(401);
      expect(await outcome(gw(0), { transports: ['websocket'], auth: { token: chosen } })).toBe(
        'unauthorized',
      );
      expect(
        await outcome(gw(1), { transports: ['websocket'], extraHeaders: { cookie: signed } }),
      ).toBe('unauthorized');
    });
  });

  describe('revocation', () => {
    /** Records `session.revoked` and the disconnect of a socket, with times. */
    function watch(socket: Socket) {
      const log: string[] = [];
      let cutAt = 0;
      socket.on('session.revoked', () => log.push('session.revoked'));
      socket.on('disconnect', (reason) => {
        log.push(`disconnect:${reason}`);
        cutAt = Date.now();
      });
      return { socket, log, cutAt: () => cutAt };
    }

    it('POST /api/auth/password: new hash, a rotated session for the caller, and every earlier session of the user revoked with all its sockets within 1 s', async () => {
      const user = await registerUser(stack.api.url, 'pw');
      const bystander = await registerUser(stack.api.url, 'pwb');
      const sessions: Session[] = [
        await login(stack.api.url, user.username),
        await login(stack.api.url, user.username),
        await login(stack.api.url, user.username),
      ];
      // Sockets of every session, on both gateways and through the proxy (polling and WebSocket).
      const doomed = [
        watch(await open(gw(0), sessions[0].token)),
        watch(await open(gw(1), sessions[0].token)),
        watch(await open(gw(1), sessions[1].token)),
        watch(
          await open(stack.api.url, '', {
            auth: undefined,
            transports: ['polling'],
            extraHeaders: { cookie: sessions[2].cookie },
          }),
        ),
        watch(await open(stack.api.url, sessions[2].token)),
      ];
      const kept = watch(await open(gw(0), bystander.token));

      // Malformed, unauthenticated and wrong-password calls change nothing.
      await request(stack.api.url)
        .post('/api/auth/password')
        .set(bearer(sessions[0].token))
        .send({ currentPassword: 'password123', newPassword: 'short' })
        .expect(400);
      await request(stack.api.url)
        .post('/api/auth/password')
        .send({ currentPassword: 'password123', newPassword: 'new-password-123' })
        .expect(401);
      await request(stack.api.url)
        .post('/api/auth/password')
        .set(bearer(sessions[0].token))
        .send({ currentPassword: 'not-the-password', newPassword: 'new-password-123' })
        .expect(403);
      await sleep(200);
      expect(doomed.every((w) => w.log.length === 0 && w.socket.connected)).toBe(true);

      // By cookie (a same-site page): the answer is a new session, token and cookie alike.
      const res = await request(stack.api.url)
        .post('/api/auth/password')
        .set('Cookie', sessions[1].cookie)
        .set('Origin', 'http://127.0.0.1')
        .send({ currentPassword: 'password123', newPassword: 'new-password-123' });
      const changedAt = Date.now();
      expect(res.status).toBe(200);
      expectJsonNosniff(res);
      const body = res.body as { user: { id: string }; token: string };
      expect(body.user.id).toBe(user.id);
      const fresh = sessionCookie(res);
      expect(decodeURIComponent(fresh.slice(fresh.indexOf('=') + 1))).toMatch(
        new RegExp(`^s:${body.token}\\.`),
      );
      expect(sessions.map((s) => s.token)).not.toContain(body.token);

      await waitFor(() => doomed.every((w) => w.cutAt() > 0), 3_000, 10);
      for (const w of doomed) {
        expect(w.log).toEqual(['session.revoked', 'disconnect:io server disconnect']);
        expect(w.cutAt() - changedAt).toBeLessThanOrEqual(1_000);
      }
      expect(kept.log).toEqual([]);
      expect(kept.socket.connected).toBe(true);

      // Every earlier session is dead everywhere; the new one works everywhere.
      for (const s of sessions) {
        await request(stack.api.url).get('/api/me').set(bearer(s.token)).expect(401);
        await request(stack.api.url).get('/api/me').set('Cookie', s.cookie).expect(401);
        expect(await outcome(gw(0), { transports: ['websocket'], auth: { token: s.token } })).toBe(
          'unauthorized',
        );
      }
      await request(stack.api.url).get('/api/me').set(bearer(body.token)).expect(200);
      await request(stack.api.url).get('/api/me').set('Cookie', fresh).expect(200);
      expect(await outcome(gw(1), { transports: ['websocket'], auth: { token: body.token } })).toBe(
        'connected',
      );
      expect(await stack.api.redis.smembers(`user:{${user.id}}:sessions`)).toEqual([body.token]);
      // The old password is gone, the new one logs in.
      await request(stack.api.url)
        .post('/api/auth/login')
        .send({ username: user.username, password: 'password123' })
        .expect(401);
      await login(stack.api.url, user.username, 'new-password-123');

      const docs = await request(stack.api.url).get('/api/docs-json').expect(200);
      const op = (docs.body as { paths: Record<string, { post?: { responses: object } }> }).paths[
        '/api/auth/password'
      ]?.post;
      expect(Object.keys(op?.responses ?? {}).sort()).toEqual(
        expect.arrayContaining(['200', '400', '401', '403', '429']),
      );
    });

    it('logout cuts the session’s sockets that came through the API proxy, on polling and WebSocket', async () => {
      const user = await registerUser(stack.api.url, 'lo');
      const session = await login(stack.api.url, user.username);
      const doomed = [
        watch(
          await open(stack.api.url, '', {
            auth: undefined,
            transports: ['polling'],
            extraHeaders: { cookie: session.cookie },
          }),
        ),
        watch(await open(stack.api.url, session.token)),
        watch(await open(stack.api.url, session.token, { transports: ['polling', 'websocket'] })),
      ];
      await request(stack.api.url).post('/api/auth/logout').set(bearer(session.token)).expect(204);
      const at = Date.now();
      await waitFor(() => doomed.every((w) => w.cutAt() > 0), 3_000, 10);
      for (const w of doomed) {
        expect(w.log).toEqual(['session.revoked', 'disconnect:io server disconnect']);
        expect(w.cutAt() - at).toBeLessThanOrEqual(1_000);
      }
    });

    it('a deleted account cannot reconnect: its live session is refused at every handshake (no recovery path around it)', async () => {
      const user = await registerUser(stack.api.url, 'del');
      const live = await open(gw(0), user.token);
      const before = await ackOf(live, 'sync', { cursors: { '0': '0' } });
      expect(before).toMatchObject({ ok: true });
      live.disconnect();

      // The account goes (as an operator would remove it); its session record is still in Redis.
      const redis = stack.api.redis;
      await redis.hdel('{users}:profiles', user.id);
      await redis.hdel('{users}:names', user.username.toLowerCase());
      expect(await redis.exists(`sess:${user.token}`)).toBe(1);

      for (const url of [gw(0), gw(1), stack.api.url]) {
        for (const transports of [['websocket'], ['polling']]) {
          expect(await outcome(url, { transports, auth: { token: user.token } })).toBe(
            'unauthorized',
          );
        }
      }
      // Nothing of it is left reserved or counted.
      expect(await redis.zcard(`{presence}:pending:${user.id}`)).toBe(0);
    });

    it('a deleted account is refused over REST too, within the 2 s the API trusts an account it has seen', async () => {
      const user = await registerUser(stack.api.url, 'delrest');
      const witness = await registerUser(stack.api.url, 'witness');
      const cookie = `${SESSION_COOKIE}=${encodeURIComponent(`s:${sign(user.token, TEST_ENV.SESSION_SECRET)}`)}`;
      const me = () => request(stack.api.url).get('/api/me').set(bearer(user.token));
      expect((await me()).status).toBe(200);

      const redis = stack.api.redis;
      await redis.hdel('{users}:profiles', user.id);
      await redis.hdel('{users}:names', user.username.toLowerCase());
      expect(await redis.exists(`sess:${user.token}`)).toBe(1);

      const removedAt = Date.now();
      await waitFor(async () => (await me()).status === 401, 2_500, 50);
      expect(Date.now() - removedAt).toBeLessThanOrEqual(2_500);
      for (const res of [
        await request(stack.api.url).get('/api/rooms/0/messages').set(bearer(user.token)),
        await request(stack.api.url)
          .post('/api/rooms/0/messages')
          .set(bearer(user.token))
          .send({ message: 'from a removed account' }),
        await request(stack.api.url).get('/api/rooms').set('Cookie', cookie),
      ])
        expect(res.status).toBe(401);
      const general = await history(witness.token, '0');
      expect(general.some((m) => m.message === 'from a removed account')).toBe(false);
    });
  });

  describe('stored XSS', () => {
    it('defect #17: payloads come back byte-identical over REST, socket ack, live delivery, sync, history and the seed route, always as JSON with nosniff', async () => {
      const a = await registerUser(stack.api.url, 'xa');
      const b = await registerUser(stack.api.url, 'xb');
      const room = await dm(a, b);
      const sender = await open(gw(0), a.token);
      const receiver = await open(gw(1), b.token);
      const live = collect<Msg>(receiver, 'message');

      const cursor = (await history(b.token, '0')).at(-1)?.id ?? '0';
      const sent: Msg[] = [];
      for (const [i, text] of XSS.entries()) {
        const roomId = i % 2 === 0 ? room : '0';
        if (i % 3 === 0) {
          const res = await request(stack.api.url)
            .post(`/api/rooms/${encodeURIComponent(roomId)}/messages`)
            .set(bearer(a.token))
            .send({ message: text, clientId: `xss-${i}` })
            .expect(201);
          expectJsonNosniff(res);
          expect(Buffer.from((res.body as Msg).message)).toEqual(Buffer.from(text));
          sent.push(res.body as Msg);
        } else {
          const ack = await ackOf(sender, 'message', {
            roomId,
            message: text,
            clientId: `xss-${i}`,
          });
          const m = stored(ack);
          expect(Buffer.from(m.message)).toEqual(Buffer.from(text));
          sent.push(m);
        }
      }
      await waitFor(() => sent.every((m) => live.some((l) => l.id === m.id)), 5_000);
      const syncAck = await ackOf(receiver, 'sync', { cursors: { '0': cursor, [room]: '0' } });
      if (syncAck === 'no ack' || !syncAck.ok) throw new Error(JSON.stringify(syncAck));
      const synced = syncAck as unknown as { rooms: Record<string, { messages: Msg[] }> };
      const hist = [...(await history(b.token, '0')), ...(await history(b.token, room))];
      const seedRes = await request(stack.api.url)
        .get(`/room/${room}/messages?offset=0&size=50`)
        .set(bearer(b.token))
        .expect(200);
      expectJsonNosniff(seedRes);
      const seed = seedRes.body as Msg[];
      for (const [i, m] of sent.entries()) {
        const views = [
          live.find((l) => l.id === m.id)?.message,
          synced.rooms[m.roomId].messages.find((x) => x.id === m.id)?.message,
          hist.find((x) => x.id === m.id)?.message,
          ...(m.roomId === room ? [seed.find((x) => x.id === m.id)?.message] : []),
        ];
        for (const v of views) expect(v).toBe(XSS[i]);
      }
      // Raw bytes on the wire: JSON-escaped, never HTML-escaped or rendered as a page.
      for (const path of [
        `/api/rooms/${encodeURIComponent(room)}/messages`,
        `/room/${room}/messages?offset=0&size=50`,
      ]) {
        const res = await request(stack.api.url)
          .get(path)
          .set(bearer(b.token))
          .set('Accept', 'text/html,application/xhtml+xml')
          .expect(200);
        expectJsonNosniff(res);
        expect(res.text).toContain('<script>alert(1)</script>');
        expect(res.text).not.toContain('&lt;script');
      }
      // Errors that echo input are JSON too, never a page.
      for (const path of [
        '/api/rooms/%3Cscript%3Ealert(1)%3C%2Fscript%3E/messages',
        '/api/nope<b>',
      ]) {
        const res = await request(stack.api.url)
          .get(path)
          .set(bearer(b.token))
          .set('Accept', 'text/html');
        expect([400, 404]).toContain(res.status);
        expectJsonNosniff(res);
      }
    });
  });

  describe('defects of the reference demo (seed-api.md §9), socket side', () => {
    it('defect #4: socket messages with a non-string text, a numeric roomId or a bogus date get error acks; the connection and both processes stay up', async () => {
      const user = await registerUser(stack.api.url, 'd4');
      const socket = await open(gw(0), user.token);
      for (const payload of [
        { roomId: '0' },
        { roomId: '0', message: 42 },
        { roomId: '0', message: { toString: 'x' } },
        { roomId: 7, message: 'numeric room' },
        { roomId: 12345, message: 'new room by number' },
        { roomId: '0', message: 'date', date: 'not a number' },
      ]) {
        const ack = await ackOf(socket, 'message', payload);
        if (payload.date === undefined) expect(ack).toMatchObject({ ok: false });
        else expect(ack).toMatchObject({ ok: true }); // date is ignored: the server sets it
      }
      socket.emit('message', { message: null }); // no ack callback at all
      expect(await ackOf(socket, 'room.join', '0')).toEqual({ ok: true });
      for (const g of stack.gateways)
        expect((await request(g.url).get('/health/live')).status).toBe(200);
    });

    it('defect #6: room.join of someone else’s DM is refused and that DM’s messages never reach the intruder', async () => {
      const [a, b, eve] = await Promise.all(
        ['d6a', 'd6b', 'd6e'].map((p) => registerUser(stack.api.url, p)),
      );
      const room = await dm(a, b);
      const intruder = await open(gw(1), eve.token);
      const heard = collect<Msg>(intruder, 'message');
      expect(await ackOf(intruder, 'room.join', room)).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
      const sender = await open(gw(0), a.token);
      expect(await ackOf(sender, 'message', { roomId: room, message: 'private' })).toMatchObject({
        ok: true,
      });
      expect(await ackOf(intruder, 'sync', { cursors: { [room]: '0' } })).toEqual({
        ok: true,
        rooms: {},
      });
      await sleep(300);
      expect(heard.filter((m) => m.roomId === room)).toEqual([]);
    });

    it('defect #7: a DM sent on one gateway reaches only its members’ sockets, on every gateway; bystanders on both gateways get nothing', async () => {
      const [a, b, c] = await Promise.all(
        ['d7a', 'd7b', 'd7c'].map((p) => registerUser(stack.api.url, p)),
      );
      const room = await dm(a, b);
      const sender = await open(gw(0), a.token);
      const member = collect<Msg>(await open(gw(1), b.token), 'message');
      const bystanders = [await open(gw(0), c.token), await open(gw(1), c.token)].map((s) =>
        collect<Msg>(s, 'message'),
      );
      const sent = stored(await ackOf(sender, 'message', { roomId: room, message: 'for b only' }));
      await waitFor(() => member.some((m) => m.id === sent.id), 3_000);
      await sleep(300);
      for (const seen of bystanders) expect(seen.filter((m) => m.roomId === room)).toEqual([]);
    });

    it('defect #12: an anonymous handshake is refused on both transports, at the gateways and through the proxy', async () => {
      for (const url of [gw(0), gw(1), stack.api.url]) {
        for (const transports of [['websocket'], ['polling']]) {
          expect(await outcome(url, { transports })).toBe('unauthorized');
          expect(await outcome(url, { transports, auth: { token: 'x'.repeat(40) } })).toBe(
            'unauthorized',
          );
        }
      }
    });

    it('defect #18: a message over 4,000 code points or a 1 MB frame is refused over the socket and never stored', async () => {
      const user = await registerUser(stack.api.url, 'd18');
      const socket = await open(gw(0), user.token);
      expect(
        await ackOf(socket, 'message', {
          roomId: '0',
          message: '😀'.repeat(4001),
          clientId: 'd18a',
        }),
      ).toMatchObject({ ok: false, error: { code: 'bad_request' } });
      const big = await open(gw(1), user.token);
      const closed = new Promise<string>((r) => big.once('disconnect', r));
      big.emit('message', { roomId: '0', message: 'm'.repeat(1_000_000), clientId: 'd18b' });
      await closed;
      const mine = (await history(user.token, '0')).filter((m) => m.from === user.id);
      expect(mine).toEqual([]);
    });

    it('defect #20: gateways on one host keep distinct identities and deliver each other’s messages', async () => {
      const [a, b] = await Promise.all(['d20a', 'd20b'].map((p) => registerUser(stack.api.url, p)));
      const s0 = await open(gw(0), a.token);
      const s1 = await open(gw(1), b.token);
      const at0 = collect<Msg>(s0, 'message');
      const at1 = collect<Msg>(s1, 'message');
      const m0 = stored(await ackOf(s0, 'message', { roomId: '0', message: 'from gw1' }));
      const m1 = stored(await ackOf(s1, 'message', { roomId: '0', message: 'from gw2' }));
      await waitFor(
        () => [at0, at1].every((seen) => [m0, m1].every((m) => seen.some((x) => x.id === m.id))),
        3_000,
      );
      const ids = await stack.api.redis.zrange('{presence}:gateways', '0', '-1');
      expect(ids).toEqual(expect.arrayContaining(['gw1', 'gw2']));
    });

    it('defect #22: events emitted before the connection is established are not dropped', async () => {
      const user = await registerUser(stack.api.url, 'd22');
      const socket = io(gw(1), {
        auth: { token: user.token },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      sockets.push(socket);
      const heard = collect<Msg>(socket, 'message');
      // Emitted synchronously after io(): before the handshake has even started.
      const join = socket.timeout(5_000).emitWithAck('room.join', '0');
      const send = socket.timeout(5_000).emitWithAck('message', { roomId: '0', message: 'early' });
      expect(await join).toEqual({ ok: true });
      const ack = (await send) as { ok: boolean; message: Msg };
      expect(ack.ok).toBe(true);
      await waitFor(() => heard.some((m) => m.id === ack.message.id), 3_000);
    });

    it('defect #23: presence is per connection: closing one of two tabs does not make the user offline', async () => {
      const user = await registerUser(stack.api.url, 'd23');
      const watcher = await registerUser(stack.api.url, 'd23w');
      const observer = await open(gw(0), watcher.token);
      const offline = collect<{ id: string }>(observer, 'user.disconnected');
      const tab1 = await open(gw(0), user.token);
      await open(gw(1), user.token);
      tab1.disconnect();
      await sleep(5_500); // beyond the 4 s grace plus a sweep
      expect(offline.filter((u) => u.id === user.id)).toEqual([]);
      const online = await request(stack.api.url)
        .get('/api/users/online')
        .set(bearer(watcher.token))
        .expect(200);
      expect((online.body as { id: string }[]).map((u) => u.id)).toContain(user.id);
    });

    it('defect #24: fan-out is per room: only gateways with a member socket subscribe to a room’s channel', async () => {
      const [a, b] = await Promise.all(['d24a', 'd24b'].map((p) => registerUser(stack.api.url, p)));
      const room = await dm(a, b);
      await open(gw(0), a.token);
      await open(gw(0), b.token);
      const subscribers = async (roomId: string) => {
        const reply = (await stack.api.redis.call(
          'PUBSUB',
          'SHARDNUMSUB',
          `socket.io#/#room:${roomId}#`,
        )) as [string, number];
        return Number(reply[1]);
      };
      await waitFor(async () => (await subscribers(room)) === 1, 3_000);
      const elsewhere = await open(gw(1), a.token);
      await waitFor(async () => (await subscribers(room)) === 2, 3_000);
      elsewhere.disconnect();
      await waitFor(async () => (await subscribers(room)) === 1, 3_000);
    });

    it('defect #25: a socket message costs a few Redis round trips (client commands; Lua internals aside), not one per step', async () => {
      const user = await registerUser(stack.api.url, 'd25');
      const socket = await open(gw(0), user.token);
      stored(await ackOf(socket, 'message', { roomId: '0', message: 'warm up' }));
      const base = new Redis(stack.redis.url);
      const monitor = await base.monitor();
      const issued: string[] = [];
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        if (source !== 'lua') issued.push(String(args[0]).toLowerCase());
      });
      await sleep(50);
      const n = 30;
      issued.length = 0;
      const acks = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          ackOf(socket, 'message', { roomId: '0', message: `count ${i}`, clientId: `d25-${i}` }),
        ),
      );
      await sleep(50);
      monitor.disconnect();
      base.disconnect();
      acks.forEach(stored);
      // Rate limit, append, publish: three per message, plus slack for background heartbeats.
      expect(issued.length / n).toBeLessThanOrEqual(3.5);
    });

    it('defect #29: sockets share each gateway’s Redis connections (none per socket or tab)', async () => {
      const user = await registerUser(stack.api.url, 'd29');
      const clients = async () =>
        Number(/connected_clients:(\d+)/.exec(await stack.api.redis.info('clients'))?.[1]);
      const before = await clients();
      const opened = await Promise.all(
        Array.from({ length: CAP }, (_, i) => open(gw(i % 2), user.token)),
      );
      expect(await clients()).toBe(before);
      opened.forEach((s) => s.disconnect());
    });

    it('defect #30: health endpoints answer JSON on the API and every gateway', async () => {
      for (const [url, paths] of [
        [stack.api.url, ['/api/health/live', '/api/health/ready']],
        ...stack.gateways.map((g) => [g.url, ['/health/live', '/health/ready']] as const),
      ] as const) {
        for (const path of paths) {
          const res = await request(url).get(path);
          expect(res.status).toBe(200);
          expect(res.headers['content-type']).toMatch(/^application\/json/);
        }
      }
    });
  });
});
