import type { Socket } from 'socket.io-client';
import request from 'supertest';
import { waitFor } from './support/api';
import { connectSocket, registerUser, sleep, Stack, startStack, TestUser } from './support/stack';

/**
 * docs/protocol.md "Sessions and authentication": a revoked session's sockets are disconnected
 * within 1 s of the logout response.
 */
const REVOCATION_BOUND_MS = 1_000;

interface Watched {
  socket: Socket;
  /** Event names in arrival order: `session.revoked` and `disconnect:<reason>`. */
  log: string[];
  revokedAt?: number;
  disconnectedAt?: number;
}

describe('session revocation reaches sockets on every gateway', () => {
  let stack: Stack;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    stack = await startStack({ gateways: 2 });
  });

  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await stack.close();
  });

  async function open(gw: number, token: string | undefined, opts: Record<string, unknown> = {}) {
    const socket = await connectSocket(stack.gateways[gw].url, token, opts);
    sockets.push(socket);
    const watched: Watched = { socket, log: [] };
    socket.on('session.revoked', () => {
      watched.log.push('session.revoked');
      watched.revokedAt ??= Date.now();
    });
    socket.on('disconnect', (reason) => {
      watched.log.push(`disconnect:${reason}`);
      watched.disconnectedAt ??= Date.now();
    });
    return watched;
  }

  async function login(user: TestUser, cookie?: string) {
    const req = request(stack.api.url).post('/api/auth/login');
    if (cookie) void req.set('Cookie', cookie);
    const res = await req.send({ username: user.username, password: 'password123' }).expect(200);
    return { token: res.body.token as string, cookie: sessionCookie(res.headers['set-cookie']) };
  }

  function sessionCookie(header: string | string[] | undefined): string {
    const cookie = ([] as string[])
      .concat(header ?? [])
      .map((c) => c.split(';')[0])
      .find((c) => c.startsWith('parley.sid='));
    if (!cookie) throw new Error('no session cookie');
    return cookie;
  }

  /** Waits until each socket was told and cut, and checks that against the 1 s bound. */
  async function expectRevoked(revoked: Watched[], since: number) {
    await waitFor(
      () => revoked.every((w) => w.disconnectedAt !== undefined),
      REVOCATION_BOUND_MS + 2_000,
      10,
    );
    for (const w of revoked) {
      expect(w.log).toEqual(['session.revoked', 'disconnect:io server disconnect']);
      expect((w.disconnectedAt as number) - since).toBeLessThanOrEqual(REVOCATION_BOUND_MS);
      expect(w.socket.connected).toBe(false);
    }
  }

  async function expectAlive(alive: Watched[], user: TestUser) {
    for (const w of alive) {
      expect(w.log).toEqual([]);
      expect(w.socket.connected).toBe(true);
      const ack = await w.socket.emitWithAck('message', { roomId: '0', message: 'still here' });
      expect(ack).toMatchObject({ ok: true, message: { from: user.id } });
    }
  }

  it('disconnects the logged-out session on both gateways within 1 s, and only that session', async () => {
    const alice = await registerUser(stack.api.url, 'alice');
    const other = await login(alice);
    const bob = await registerUser(stack.api.url, 'bob');

    const doomed = [await open(0, alice.token), await open(1, alice.token)];
    const kept = [await open(0, other.token), await open(1, other.token)];
    const bystander = await open(1, bob.token);

    await request(stack.api.url)
      .post('/api/auth/logout')
      .set('Authorization', `Bearer ${alice.token}`)
      .expect(204);
    const loggedOutAt = Date.now();

    await expectRevoked(doomed, loggedOutAt);
    await sleep(500);
    await expectAlive(kept, alice);
    await expectAlive([bystander], bob);

    // The revoked token opens nothing any more: no socket, no REST call.
    await expect(connectSocket(stack.gateways[0].url, alice.token)).rejects.toThrow('unauthorized');
    await expect(connectSocket(stack.gateways[1].url, alice.token)).rejects.toThrow('unauthorized');
    await request(stack.api.url)
      .get('/api/me')
      .set('Authorization', `Bearer ${alice.token}`)
      .expect(401);
    await request(stack.api.url)
      .get('/api/me')
      .set('Authorization', `Bearer ${other.token}`)
      .expect(200);
  });

  it('revokes a cookie session and its sockets when logging out by cookie', async () => {
    const carol = await registerUser(stack.api.url, 'carol');
    const session = await login(carol);
    const doomed = [
      await open(0, undefined, { extraHeaders: { cookie: session.cookie } }),
      await open(1, session.token),
    ];
    await request(stack.api.url).post('/api/auth/logout').set('Cookie', session.cookie).expect(204);
    const loggedOutAt = Date.now();
    await expectRevoked(doomed, loggedOutAt);
    await expect(
      connectSocket(stack.gateways[0].url, undefined, { extraHeaders: { cookie: session.cookie } }),
    ).rejects.toThrow('unauthorized');
  });

  it.each(['/api/auth/login', '/login'])(
    'revokes the old session when %s is called again from a client carrying its cookie',
    async (path) => {
      const dave = await registerUser(stack.api.url, 'dave');
      const old = await login(dave);
      const unrelated = await login(dave);
      const doomed = [await open(0, old.token), await open(1, old.token)];
      const kept = [await open(1, unrelated.token)];

      const res = await request(stack.api.url)
        .post(path)
        .set('Cookie', old.cookie)
        .send({ username: dave.username, password: 'password123' })
        .expect(200);
      const loggedInAt = Date.now();
      const fresh = sessionCookie(res.headers['set-cookie']);
      expect(fresh).not.toBe(old.cookie);

      await expectRevoked(doomed, loggedInAt);
      await sleep(300);
      await expectAlive(kept, dave);
      await request(stack.api.url)
        .get('/api/me')
        .set('Authorization', `Bearer ${old.token}`)
        .expect(401);
      await request(stack.api.url).get('/api/me').set('Cookie', fresh).expect(200);
      const socket = await connectSocket(stack.gateways[0].url, undefined, {
        extraHeaders: { cookie: fresh },
      });
      sockets.push(socket);
      expect(socket.connected).toBe(true);
    },
  );
});
