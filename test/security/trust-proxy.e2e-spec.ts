import request from 'supertest';
import { startApi, TestApi } from '../support/api';
import { PASSWORD, sessionSetCookie } from '../support/http';

const LIMIT = 2;

function registerFrom(api: TestApi, username: string, headers: Record<string, string>) {
  return request(api.url)
    .post('/api/auth/register')
    .set(headers)
    .send({ username, password: PASSWORD });
}

/**
 * TRUST_PROXY decides whose address the per-IP limits count and whether the session cookie is
 * Secure: behind a trusted proxy, X-Forwarded-For and X-Forwarded-Proto; otherwise the socket's.
 */
describe('security: TRUST_PROXY', () => {
  describe('behind one trusted proxy (TRUST_PROXY=1)', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startApi({ TRUST_PROXY: '1', LIMIT_AUTH_PER_MINUTE: String(LIMIT) }, { db: 12 });
    });
    afterAll(() => api.close());

    it('counts the per-IP register limit by the forwarded client address', async () => {
      const first = { 'X-Forwarded-For': '203.0.113.7' };
      expect((await registerFrom(api, 'tp1', first)).status).toBe(201);
      expect((await registerFrom(api, 'tp2', first)).status).toBe(201);
      expect((await registerFrom(api, 'tp3', first)).status).toBe(429);
      // Another client behind the same proxy has its own allowance.
      const other = await registerFrom(api, 'tp4', { 'X-Forwarded-For': '203.0.113.8' });
      expect(other.status).toBe(201);
    });

    it('marks the session cookie Secure when the proxy says the client came over TLS', async () => {
      const tls = await registerFrom(api, 'tp5', {
        'X-Forwarded-For': '203.0.113.9',
        'X-Forwarded-Proto': 'https',
      });
      expect(tls.status).toBe(201);
      expect(sessionSetCookie(tls)).toMatch(/;\s*Secure/i);
      const plain = await registerFrom(api, 'tp6', { 'X-Forwarded-For': '203.0.113.10' });
      expect(plain.status).toBe(201);
      expect(sessionSetCookie(plain)).not.toMatch(/;\s*Secure/i);
    });
  });

  describe('without TRUST_PROXY', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startApi({ LIMIT_AUTH_PER_MINUTE: String(LIMIT) }, { db: 12 });
    });
    afterAll(() => api.close());

    it('ignores forwarded headers: a client cannot buy a fresh allowance or a Secure flag', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < LIMIT + 1; i += 1) {
        const res = await registerFrom(api, `np${i}`, {
          'X-Forwarded-For': `198.51.100.${i}`,
          'X-Forwarded-Proto': 'https',
        });
        statuses.push(res.status);
        if (res.status === 201) expect(sessionSetCookie(res)).not.toMatch(/;\s*Secure/i);
      }
      expect(statuses).toEqual([201, 201, 429]);
    });
  });
});
