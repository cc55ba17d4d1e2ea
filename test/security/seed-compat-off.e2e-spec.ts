import request from 'supertest';
import { waitFor } from '../support/api';
import { connectPacket, rawEngine } from '../support/raw-engine';
import { bearer, PASSWORD } from '../support/http';
import { registerUser, Stack, startStack, TestUser } from '../support/stack';

/**
 * issue 12: the reference client's CONNECT shim patches socket.io internals, so it is on only
 * while the seed-compatible routes are (SEED_COMPAT, default on; test/security/repeated-connect
 * and test/reference-client run with it). Off, neither exists: the root routes are 404 and a
 * CONNECT repeated after the answer gets what stock Socket.IO gives it (the connection is closed
 * as "invalid state"), where the shim would drop it.
 */
describe('SEED_COMPAT=false: no reference-client routes, no CONNECT shim', () => {
  let stack: Stack;
  let user: TestUser;

  beforeAll(async () => {
    stack = await startStack({ gateways: 1, env: { SEED_COMPAT: 'false' } });
    user = await registerUser(stack.api.url, 'nocompat');
  }, 60_000);

  afterAll(() => stack.close());

  it.each([
    ['get', '/me'],
    ['get', '/links'],
    ['post', '/login'],
    ['post', '/logout'],
    ['get', '/users/online'],
    ['get', '/room/0/messages'],
    ['post', '/room'],
  ] as const)('%s %s is a 404, signed in or not', async (method, path) => {
    const anonymous = await request(stack.api.url)
      [method](path)
      .send({ username: user.username, password: PASSWORD });
    expect(anonymous.status).toBe(404);
    const signedIn = await request(stack.api.url)[method](path).set(bearer(user.token));
    expect(signedIn.status).toBe(404);
  });

  it('the /api routes stay', async () => {
    await request(stack.api.url).get('/api/me').set(bearer(user.token)).expect(200);
  });

  it.each(['polling', 'websocket'] as const)(
    'a CONNECT repeated after the answer closes the connection, as stock Socket.IO does (%s)',
    async (transport) => {
      const { engine, packets, closed } = rawEngine(stack.gateways[0].url, transport);
      const connect = connectPacket(user.token);
      engine.on('open', () => engine.send(connect));
      try {
        await waitFor(() => packets.some((p) => p.startsWith('0')), 10_000, 5);
        engine.send(connect);
        await waitFor(() => closed() !== '', 10_000, 5);
        expect(packets.filter((p) => p.startsWith('0'))).toHaveLength(1);
      } finally {
        engine.close();
      }
    },
  );
});
