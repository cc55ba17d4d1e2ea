import type { Socket } from 'socket.io-client';
import { as } from './rooms';
import { connectSocket, startStack, type Stack, type TestUser } from './stack';

/**
 * One stack for a describe block, started before its tests and closed after them, with the
 * sockets its tests open through `open` disconnected first.
 */
export function useStack(opts: Parameters<typeof startStack>[0] = {}) {
  const sockets: Array<{ user: TestUser; socket: Socket }> = [];
  const suite = {
    stack: undefined as unknown as Stack,
    async open(user: TestUser, gw: number, options: Record<string, unknown> = {}) {
      const socket = await connectSocket(suite.stack.gateways[gw].url, user.token, options);
      sockets.push({ user, socket });
      return socket;
    },
    /** Disconnects every socket this suite opened for the user. */
    closeAll(user: TestUser) {
      for (const s of sockets) if (s.user.id === user.id) s.socket.disconnect();
    },
    api: (user: TestUser) => as(suite.stack.api.url, user),
  };
  beforeAll(async () => {
    suite.stack = await startStack(opts);
  });
  afterAll(async () => {
    sockets.forEach((s) => s.socket.disconnect());
    await suite.stack?.close();
  });
  return suite;
}
