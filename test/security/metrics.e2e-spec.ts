import request from 'supertest';
import { startApi, TestApi } from '../support/api';
import { bearer } from '../support/http';

const TOKEN = 'metrics-token-0123456789abcdef';

// Issue 12, weaker findings: /metrics on the API was public (and reachable through the compose
// nginx).
describe('security: the API serves /metrics only to the METRICS_TOKEN bearer', () => {
  it('without METRICS_TOKEN it is not served at all', async () => {
    const api = await startApi({}, { db: 7 });
    try {
      const res = await request(api.url).get('/metrics');
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('nodejs_');
    } finally {
      await api.close();
    }
  });

  describe('with METRICS_TOKEN', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startApi({ METRICS_TOKEN: TOKEN }, { db: 7 });
    });
    afterAll(() => api.close());

    it.each([
      ['no Authorization', {}],
      ['another bearer', bearer('metrics-token-0123456789abcdeX')],
      ['the token as Basic', { Authorization: `Basic ${TOKEN}` }],
    ])('refuses %s with 401', async (_what, headers) => {
      const res = await request(api.url).get('/metrics').set(headers);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.text).not.toContain('nodejs_');
    });

    it('answers the token with the Prometheus text', async () => {
      const res = await request(api.url).get('/metrics').set(bearer(TOKEN));
      expect(res.status).toBe(200);
      expect(res.text).toContain('nodejs_eventloop_lag_seconds');
    });
  });
});
