import request from 'supertest';
import { startApi, TestApi } from '../support/api';
import { bearer, expectError, register, Session } from '../support/http';

// Issue 12, finding 1: one request must not make Redis read a whole room, and a user must not be
// able to read without bound.
describe('security: what one read may cost', () => {
  describe('the reference client route /room/:id/messages', () => {
    let api: TestApi;
    let user: Session;

    beforeAll(async () => {
      api = await startApi();
      user = await register(api.url, 'reader');
    });
    afterAll(() => api.close());

    it('refuses an offset beyond 1,000 with a 400 that says why (it made Redis read offset+size entries)', async () => {
      const res = await request(api.url)
        .get('/room/0/messages?offset=100000&size=1')
        .set(bearer(user.token));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, message: expect.stringMatching(/offset/) });
      expect(String(res.body.message)).toMatch(/1000/);
      const edge = await request(api.url)
        .get('/room/0/messages?offset=1000&size=1')
        .set(bearer(user.token));
      expect(edge.status).toBe(200);
      expect(
        (await request(api.url).get('/room/0/messages?offset=1001&size=1').set(bearer(user.token)))
          .status,
      ).toBe(400);
    });
  });

  describe('per-user reads (LIMIT_READS_PER_MINUTE=5)', () => {
    let api: TestApi;

    beforeAll(async () => {
      api = await startApi({ LIMIT_READS_PER_MINUTE: '5' }, { db: 1 });
    });
    afterAll(() => api.close());

    it('answers reads beyond the limit with 429 and Retry-After, on /api and root routes alike; other users are unaffected', async () => {
      const greedy = await register(api.url, 'greedy');
      const other = await register(api.url, 'patient');
      const paths = ['/api/me', '/api/rooms', '/api/rooms/0/messages', '/rooms/x', '/users/online'];
      const statuses: number[] = [];
      for (const path of paths) {
        const res = await request(api.url)
          .get(path.replace('x', greedy.user.id))
          .set(bearer(greedy.token));
        statuses.push(res.status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      for (const path of ['/api/me', '/room/0/messages', '/api/rooms/0/messages']) {
        const res = await request(api.url).get(path).set(bearer(greedy.token));
        expectError(res, 429);
        const retryAfter = Number(res.headers['retry-after']);
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(60);
      }
      expect((await request(api.url).get('/api/me').set(bearer(other.token))).status).toBe(200);
      // Writes have their own limit: a read-limited user can still send.
      const sent = await request(api.url)
        .post('/api/rooms/0/messages')
        .set(bearer(greedy.token))
        .send({ message: 'still here' });
      expect(sent.status).toBe(201);
    });
  });
});
