import request from 'supertest';
import { startApi, TestApi, waitFor } from '../support/api';
import { PASSWORD } from '../support/http';

// Issue 12, finding 4: a production deployment shipped known logins (demo users with a published
// password, sign-up on login).
describe('security: production defaults publish no logins', () => {
  it('GET /api/config never carries a password, even with demo data on', async () => {
    const api = await startApi({ DEMO_DATA: 'true' }, { db: 4 });
    try {
      const res = await request(api.url).get('/api/config').expect(200);
      expect(res.body).not.toHaveProperty('demoPassword');
      expect(Object.keys(res.body as object).some((k) => /pass/i.test(k))).toBe(false);
      expect(res.text).not.toContain(PASSWORD);
      expect(res.body).toMatchObject({ demoUsers: ['Pablo', 'Joe', 'Mary', 'Alex'] });
    } finally {
      await api.close();
    }
  });

  describe('NODE_ENV=production with DEMO_DATA and SIGNUP_ON_LOGIN unset', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startApi(
        { NODE_ENV: 'production', DEMO_DATA: undefined, SIGNUP_ON_LOGIN: undefined },
        { db: 4 },
      );
    });
    afterAll(() => api.close());

    it('seeds no demo users and offers none', async () => {
      // Readiness waits for seeding when demo data is on: after it, the users would be there.
      await waitFor(async () => (await request(api.url).get('/api/health/ready')).status === 200);
      const res = await request(api.url).get('/api/config').expect(200);
      expect(res.body).toMatchObject({ demoUsers: [] });
      expect(await api.redis.hlen('{users}:names')).toBe(0);
      const demo = await request(api.url)
        .post('/api/auth/login')
        .send({ username: 'Pablo', password: PASSWORD });
      expect(demo.status).toBe(401);
    });

    it('the reference client login does not register unknown names', async () => {
      const res = await request(api.url)
        .post('/login')
        .send({ username: 'newcomer', password: 'a-fine-password' });
      expect(res.status).toBe(404);
      expect(await api.redis.hlen('{users}:names')).toBe(0);
    });
  });
});
