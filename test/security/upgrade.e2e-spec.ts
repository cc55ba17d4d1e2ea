import { request as httpRequest } from 'node:http';
import { startApi, TestApi } from '../support/api';

interface Answer {
  status: number;
  connection?: string;
}

/**
 * Sends a WebSocket upgrade request and resolves with the HTTP answer once the server has also
 * closed the connection. A server that never answers fails the test at `withinMs`.
 */
function upgrade(url: string, path: string, withinMs = 5_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer and close within ${withinMs} ms`));
    }, withinMs);
    req.on('response', (res) => {
      res.resume();
      res.socket.once('close', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, connection: res.headers.connection });
      });
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      clearTimeout(timer);
      resolve({ status: res.statusCode ?? 101 });
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}

// Issue 12, finding 5: an upgrade request to any path but /socket.io stayed open, unanswered.
describe('security: WebSocket upgrades to other paths are answered and closed', () => {
  describe.each([
    ['with the /socket.io proxy (GATEWAY_URLS)', { GATEWAY_URLS: 'http://127.0.0.1:9' }],
    ['without gateways', {}],
  ])('%s', (_name, env) => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startApi(env, { db: 5 });
    });
    afterAll(() => api.close());

    it.each(['/foo', '/', '/api/me', '/socket.iox/', '/metrics', '/mq/wsx', '/mq/ws/'])(
      'an upgrade to %s gets a 4xx and the connection is closed',
      async (path) => {
        const answer = await upgrade(api.url, path);
        expect(answer.status).toBeGreaterThanOrEqual(400);
        expect(answer.status).toBeLessThan(500);
        expect(answer.connection).toBe('close');
      },
    );
  });
});
