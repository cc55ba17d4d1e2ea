import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request, { type Response } from 'supertest';
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

  describe('the /socket.io proxy', () => {
    let gateway: Server;
    let api: TestApi;
    let unreachable: TestApi;

    beforeAll(async () => {
      // A stand-in gateway: an Engine.IO-ish answer, with an X-Powered-By of its own to drop.
      gateway = createServer((_req, res) => {
        res.setHeader('X-Powered-By', 'Express');
        res.setHeader('Content-Type', 'text/plain; charset=UTF-8');
        res.end('0{"sid":"stand-in-sid","upgrades":[],"pingInterval":25000,"pingTimeout":20000}');
      });
      await new Promise<void>((done) => gateway.listen(0, '127.0.0.1', done));
      const { port } = gateway.address() as AddressInfo;
      api = await startApi({ GATEWAY_URLS: `http://127.0.0.1:${port}` }, { db: 6 });
      unreachable = await startApi({ GATEWAY_URLS: 'http://127.0.0.1:9' }, { db: 6, flush: false });
    });
    afterAll(async () => {
      await api.close();
      await unreachable.close();
      await new Promise((done) => gateway.close(done));
    });

    function expectHelmet(res: Response): void {
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['strict-transport-security']).toBeDefined();
    }

    it('answers from a gateway carry helmet headers and no X-Powered-By', async () => {
      const res = await request(api.url).get('/socket.io/?EIO=4&transport=polling');
      expect(res.status).toBe(200);
      expect(res.text).toContain('stand-in-sid');
      expectHelmet(res);
    });

    it('so does its own 502 when no gateway answers', async () => {
      const res = await request(unreachable.url).get('/socket.io/?EIO=4&transport=polling');
      expect(res.status).toBe(502);
      expectHelmet(res);
    });

    it('and so do the API routes', async () => {
      expectHelmet(await request(api.url).get('/api/config'));
      expectHelmet(await request(api.url).get('/api/nothing-here'));
    });
  });
});
