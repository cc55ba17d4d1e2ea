import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startApi, TestApi, waitFor } from './support/api';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startRedis } = require('../scripts/lib/redis-server') as {
  startRedis: (opts: { port?: number; dir?: string; appendonly?: boolean }) => Promise<{
    port: number;
    url: string;
    stop: () => Promise<void>;
  }>;
};

describe('API across a Redis restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-outage-'));
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let api: TestApi;

  beforeAll(async () => {
    // Its own redis-server (AOF on), so stopping it does not disturb the other suites.
    redis = await startRedis({ dir, appendonly: true });
    api = await startApi({}, { redisUrl: redis.url });
  });

  afterAll(async () => {
    await api.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 in JSON while Redis is down, then recovers with nothing lost', async () => {
    const agent = request.agent(api.url);
    await agent
      .post('/api/auth/register')
      .send({ username: 'outage', password: 'password123' })
      .expect(201);
    const before = await agent
      .post('/api/rooms/0/messages')
      .send({ message: 'before the outage' })
      .expect(201);

    await redis.stop();

    const me = await agent.get('/api/me');
    expect(me.status).toBe(503);
    expect(me.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    expect(me.headers['retry-after']).toBeDefined();
    const login = await request(api.url)
      .post('/api/auth/login')
      .send({ username: 'outage', password: 'password123' });
    expect(login.status).toBe(503);
    expect((await request(api.url).get('/api/health/ready')).status).toBe(503);
    expect((await request(api.url).get('/api/health/live')).status).toBe(200);

    redis = await startRedis({ port: redis.port, dir, appendonly: true });
    await waitFor(
      async () => (await request(api.url).get('/api/health/ready')).status === 200,
      15_000,
      100,
    );

    // The same session still works and the earlier message is still there.
    await agent.get('/api/me').expect(200);
    await agent.post('/api/rooms/0/messages').send({ message: 'after the outage' }).expect(201);
    const page = await agent.get('/api/rooms/0/messages').expect(200);
    const texts = (page.body.messages as { id: string; message: string }[]).map((m) => m.message);
    expect(texts).toEqual(['before the outage', 'after the outage']);
    expect(page.body.messages[0].id).toBe(before.body.id);
  });
});
