import request from 'supertest';
import { TEST_ENV, testRedisUrl, waitFor } from './support/api';
import { ApiProcess } from './support/api-process';
import { freePort } from './support/stack';

interface RequestLine {
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
}

/** At LOG_LEVEL=info the API logs one line per request: the path, never the query or secrets. */
describe('request logs', () => {
  let api: ApiProcess;

  beforeAll(async () => {
    api = new ApiProcess(await freePort(), {
      ...TEST_ENV,
      LOG_LEVEL: 'info',
      REDIS_URL: testRedisUrl(15),
    });
    await api.start(); // polls /api/health/ready until it answers
  });
  afterAll(() => api.stop());

  const requestLines = (): RequestLine[] =>
    api.output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as RequestLine)
      .filter((entry) => entry.req?.url !== undefined);

  it('logs a request by its path, without the query string or the credentials', async () => {
    const res = await request(api.url)
      .get('/api/rooms/0/messages?token=query-secret')
      .set('Authorization', 'Bearer header-secret');
    expect(res.status).toBe(401);
    await waitFor(() => requestLines().some((l) => l.req?.url === '/api/rooms/0/messages'));
    const line = requestLines().find((l) => l.req?.url === '/api/rooms/0/messages');
    expect(line).toMatchObject({ req: { method: 'GET' }, res: { statusCode: 401 } });
    expect(api.output).not.toContain('query-secret');
    expect(api.output).not.toContain('header-secret');
  });

  it('does not log health checks (load balancers poll them every few seconds)', async () => {
    await request(api.url).get('/api/health/live').expect(200);
    // A request after it: once its line is out, the health check's would have been too.
    await request(api.url).get('/api/me').expect(401);
    await waitFor(() => requestLines().some((l) => l.req?.url === '/api/me'));
    expect(requestLines().filter((l) => l.req?.url?.startsWith('/api/health'))).toEqual([]);
  });
});
