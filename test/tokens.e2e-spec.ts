import { RedisKeys } from '@app/redis';
import { createHash } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import request from 'supertest';
import { redisOf } from './support/mq';
import { registerUser, type TestUser } from './support/stack';
import { useStack } from './support/suite';

const withToken = (user: TestUser, token: string): TestUser => ({ ...user, token });

describe('API tokens', () => {
  const suite = useStack({ gateways: 1 });
  let alice: TestUser;
  let redis: ReturnType<typeof redisOf>;

  beforeAll(async () => {
    alice = await registerUser(suite.stack.api.url, 'tok');
    redis = redisOf(suite.stack);
  });
  afterAll(() => redis.disconnect());

  async function create(scopes: string[], extra: Record<string, unknown> = {}) {
    const res = await suite
      .api(alice)
      .post('/api/tokens')
      .send({ name: 'bot', scopes, ...extra });
    expect(res.status).toBe(201);
    return res.body as { id: string; token: string; scopes: string[]; expiresAt: number | null };
  }

  it('is created with scopes and expiry, shown once, listed without its secret', async () => {
    const res = await suite
      .api(alice)
      .post('/api/tokens')
      .send({ name: 'ci', scopes: ['messages:write', 'queues'], expiresInDays: 7 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'ci', scopes: ['messages:write', 'queues'] });
    expect(res.body.token).toMatch(/^prl_[A-Za-z0-9_-]{43}$/);
    expect(res.body.expiresAt - Date.now()).toBeGreaterThan(6.9 * 24 * 3600 * 1000);
    const list = await suite.api(alice).get('/api/tokens');
    expect(list.status).toBe(200);
    const listed = (list.body as Array<Record<string, unknown>>).find((t) => t.id === res.body.id);
    expect(listed).toMatchObject({ name: 'ci', scopes: ['messages:write', 'queues'] });
    expect(JSON.stringify(list.body)).not.toContain(res.body.token);
    // Stored hashed: the secret appears nowhere in Redis.
    const record = await redis.get(RedisKeys.apiToken(sha256(res.body.token)));
    expect(record).toContain(res.body.id);
    expect(record).not.toContain(res.body.token);
  });

  it('refuses unknown scopes, empty scope lists and long expiries with 400', async () => {
    for (const body of [
      { name: 'x', scopes: ['admin'] },
      { name: 'x', scopes: [] },
      { name: 'x', scopes: ['queues'], expiresInDays: 0 },
      { name: '', scopes: ['queues'] },
    ]) {
      expect((await suite.api(alice).post('/api/tokens').send(body)).status).toBe(400);
    }
  });

  it('works as a bearer within its scopes and gets 403 beyond them', async () => {
    const reader = withToken(alice, (await create(['messages:read'])).token);
    expect((await suite.api(reader).get('/api/rooms/0/messages')).status).toBe(200);
    const post = await suite.api(reader).post('/api/rooms/0/messages').send({ message: 'hi' });
    expect(post.status).toBe(403);
    expect(post.body.message).toContain('messages:write');
    expect((await suite.api(reader).get('/api/rooms')).status).toBe(403);
    expect((await suite.api(reader).get('/mq/q')).status).toBe(403);

    const writer = withToken(alice, (await create(['messages:write', 'rooms:read'])).token);
    const sent = await suite
      .api(writer)
      .post('/api/rooms/0/messages')
      .send({ message: 'from a bot' });
    expect(sent.status).toBe(201);
    expect(sent.body.from).toBe(alice.id);
    expect((await suite.api(writer).get('/api/rooms')).status).toBe(200);
    expect(
      (await suite.api(writer).post('/api/rooms').send({ name: 'r', kind: 'public' })).status,
    ).toBe(403);
  });

  it('cannot manage tokens or the account: those routes are for sessions', async () => {
    const all = withToken(
      alice,
      (await create(['messages:read', 'messages:write', 'rooms:read', 'rooms:write', 'queues']))
        .token,
    );
    expect(
      (
        await suite
          .api(all)
          .post('/api/tokens')
          .send({ name: 'y', scopes: ['queues'] })
      ).status,
    ).toBe(403);
    expect((await suite.api(all).get('/api/tokens')).status).toBe(403);
    expect((await suite.api(all).post('/api/auth/logout')).status).toBe(403);
    // Public routes stay public.
    expect((await suite.api(all).get('/api/health/live')).status).toBe(200);
  });

  it('is a 401 when unknown, expired or revoked, never falling back to a cookie', async () => {
    const unknown = withToken(alice, `prl_${'A'.repeat(43)}`);
    expect((await suite.api(unknown).get('/api/rooms')).status).toBe(401);

    const created = await create(['rooms:read'], { expiresInDays: 1 });
    const user = withToken(alice, created.token);
    expect((await suite.api(user).get('/api/rooms')).status).toBe(200);
    const key = RedisKeys.apiToken(sha256(created.token));
    const record = JSON.parse((await redis.get(key))!);
    await redis.set(key, JSON.stringify({ ...record, expiresAt: Date.now() - 1 }));
    expect((await suite.api(user).get('/api/rooms')).status).toBe(401);

    const revoked = await create(['rooms:read']);
    expect((await suite.api(alice).delete(`/api/tokens/${revoked.id}`)).status).toBe(204);
    const res = await request(suite.stack.api.url)
      .get('/api/rooms')
      .set('Authorization', `Bearer ${revoked.token}`)
      .set('Cookie', 'parley.sid=whatever');
    expect(res.status).toBe(401);
    expect((await suite.api(alice).delete(`/api/tokens/${revoked.id}`)).status).toBe(404);
    const list = (await suite.api(alice).get('/api/tokens')).body as Array<{ id: string }>;
    expect(list.map((t) => t.id)).not.toContain(revoked.id);
  });

  it("is one user's own: another user cannot revoke it", async () => {
    const bob = await registerUser(suite.stack.api.url, 'tokb');
    const created = await create(['queues']);
    expect((await suite.api(bob).delete(`/api/tokens/${created.id}`)).status).toBe(404);
    expect((await suite.api(withToken(alice, created.token)).get('/mq/q')).status).toBe(200);
  });

  it('opens a socket only with every chat scope: a connection has no per-route check', async () => {
    const narrow = await create(['messages:read', 'messages:write', 'rooms:read']);
    await expect(suite.open(withToken(alice, narrow.token), 0)).rejects.toThrow('unauthorized');
  });

  it('opens a socket as auth.token, and revocation cuts it within 1 s', async () => {
    const created = await create(['messages:read', 'messages:write', 'rooms:read', 'rooms:write']);
    const socket: Socket = await suite.open(withToken(alice, created.token), 0);
    const log: string[] = [];
    socket.on('session.revoked', () => log.push('session.revoked'));
    const gone = new Promise<number>((done) => socket.on('disconnect', () => done(Date.now())));
    const started = Date.now();
    expect((await suite.api(alice).delete(`/api/tokens/${created.id}`)).status).toBe(204);
    expect((await gone) - started).toBeLessThan(1000);
    expect(log).toEqual(['session.revoked']);
  });
});

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
