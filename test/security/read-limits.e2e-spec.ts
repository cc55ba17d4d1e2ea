import request from 'supertest';
import { startApi, TestApi } from '../support/api';
import { bearer, register, Session } from '../support/http';

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
});
