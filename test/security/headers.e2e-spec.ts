import request from 'supertest';
import { startApi, TestApi } from '../support/api';

/** The directives of a Content-Security-Policy header, by name. */
function directives(header: string | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of (header ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out[name] = values;
  }
  return out;
}

// Issue 12, weaker findings: response headers of the API.
describe('security: response headers', () => {
  describe('Content-Security-Policy', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startApi({ PUBLIC_GATEWAY_URL: 'https://ws.example.com' }, { db: 6 });
    });
    afterAll(() => api.close());

    it.each(['/', '/api/config', '/api/me', '/api/docs'])(
      '%s: scripts only from the origin, no inline script; connections to the origin, its ws(s) and the gateway',
      async (path) => {
        const res = await request(api.url).get(path);
        const csp = directives(res.headers['content-security-policy']);
        expect(csp['default-src']).toEqual(["'self'"]);
        expect(csp['script-src']).toEqual(["'self'"]);
        expect(csp['object-src']).toEqual(["'none'"]);
        expect(csp['connect-src']).toEqual(
          expect.arrayContaining([
            "'self'",
            'ws://127.0.0.1:*',
            'wss://127.0.0.1:*',
            'https://ws.example.com',
            'wss://ws.example.com',
          ]),
        );
        for (const source of csp['connect-src']) expect(source).not.toMatch(/^(\*|https?:|wss?:)$/);
      },
    );
  });
});
