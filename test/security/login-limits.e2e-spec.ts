import request from 'supertest';
import { startApi, TestApi } from '../support/api';
import { PASSWORD, register } from '../support/http';

const LIMIT = 5;

// Issue 12, finding 2: the failure limit was checked before bcrypt and counted after it, so
// guesses sent at once were all checked.
describe('security: login attempts are reserved before hashing', () => {
  let api: TestApi;

  beforeAll(async () => {
    // A slower hash widens the window between check and count that the race needed.
    api = await startApi({ LIMIT_LOGIN_FAILURES: String(LIMIT), BCRYPT_COST: '8' }, { db: 2 });
  });
  afterAll(() => api.close());

  it(`30 concurrent guesses (29 wrong, then the right one): at most ${LIMIT} are evaluated, the rest get 429`, async () => {
    await register(api.url, 'racer');
    const guesses = Array.from({ length: 30 }, (_, i) =>
      i === 29 ? PASSWORD : `wrong-guess-${i}`,
    );
    const responses = await Promise.all(
      guesses.map((password) =>
        request(api.url).post('/api/auth/login').send({ username: 'racer', password }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    const evaluated = statuses.filter((s) => s === 200 || s === 401);
    expect(evaluated.length).toBeGreaterThanOrEqual(1);
    expect(evaluated.length).toBeLessThanOrEqual(LIMIT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30 - evaluated.length);
    for (const res of responses.filter((r) => r.status === 429))
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });
});
