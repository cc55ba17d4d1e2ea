import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import request from 'supertest';
import { startApi, TestApi } from './support/api';

describe('API boots against the private Redis', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it('answers /api/health/ready with 200 once Redis answers', async () => {
    const res = await request(api.url).get('/api/health/ready');
    expect(res.status).toBe(200);
    expect(res.body.details.redis.status).toBe('up');
  });

  it('serves Prometheus metrics without a session to the METRICS_TOKEN bearer, including event-loop lag', async () => {
    const token = 'smoke-metrics-token-0123456789';
    const scraped = await startApi({ METRICS_TOKEN: token }, { db: 11 });
    try {
      const res = await request(scraped.url)
        .get('/metrics')
        .set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(200);
      expect(res.text).toContain('nodejs_eventloop_lag_seconds');
    } finally {
      await scraped.close();
    }
  });

  it.each([
    [
      'Redis cannot be reached',
      { REDIS_URL: 'redis://127.0.0.1:1' },
      /Redis is not reachable at redis:\/\/127\.0\.0\.1:1/,
    ],
    ['the configuration is invalid', { BCRYPT_COST: '99' }, /Invalid configuration: BCRYPT_COST/],
    ['production has no SESSION_SECRET', { NODE_ENV: 'production' }, /SESSION_SECRET/],
  ])('exits non-zero with one clear line when %s', (_what, env, pattern) => {
    const run = spawnSync(process.execPath, ['dist/apps/api/main.js'], {
      cwd: resolve(__dirname, '..'),
      env: { PATH: process.env.PATH, PORT: '0', REDIS_URL: 'redis://127.0.0.1:1', ...env },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).not.toBe(0);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
  });

  it('tells browser clients their configuration without a session', async () => {
    const res = await request(api.url).get('/api/config').expect(200);
    expect(res.body).toEqual({ gatewayUrl: null, demoUsers: [] });
    const other = await startApi(
      { DEMO_DATA: 'true', PUBLIC_GATEWAY_URL: 'https://ws.example.com' },
      { db: 11 },
    );
    try {
      const configured = await request(other.url).get('/api/config').expect(200);
      expect(configured.body).toEqual({
        gatewayUrl: 'https://ws.example.com',
        demoUsers: ['Pablo', 'Joe', 'Mary', 'Alex'],
      });
    } finally {
      await other.close();
    }
  });
});
