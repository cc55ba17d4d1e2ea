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

  it('serves Prometheus metrics without a session, including event-loop lag', async () => {
    const res = await request(api.url).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toContain('nodejs_eventloop_lag_seconds');
  });
});
