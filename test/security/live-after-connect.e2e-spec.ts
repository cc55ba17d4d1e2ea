import net from 'node:net';
import { io, type Socket } from 'socket.io-client';
import type { Message } from '@app/contracts';
import request from 'supertest';
import { waitFor } from '../support/api';
import {
  freePort,
  connectSocket,
  GatewayProcess,
  registerUser,
  Stack,
  startStack,
  TestUser,
} from '../support/stack';

/** A TCP relay to Redis that holds every chunk for `delayMs` each way, in order (a far Redis). */
async function latencyProxy(target: number, delayMs: number) {
  const sockets = new Set<net.Socket>();
  const relay = (from: net.Socket, to: net.Socket) =>
    from.on('data', (chunk) => setTimeout(() => to.write(chunk), delayMs));
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => (client.destroy(), upstream.destroy()));
    }
    relay(client, upstream);
    relay(upstream, client);
  });
  const port = await freePort();
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  return {
    url: `redis://127.0.0.1:${port}`,
    close: () => {
      sockets.forEach((s) => s.destroy());
      return new Promise((done) => server.close(done));
    },
  };
}

/**
 * issue 12, found by review: CONNECT is answered only once the gateway listens on the Redis
 * channels of the socket's rooms, so what is published right after `connect`, from any process,
 * arrives live. Gateway A reaches Redis 40 ms away each way: before the fix, the answer went out
 * first and every message below was missed (recoverable only through `sync`).
 */
describe('live delivery right after connect', () => {
  const ROUNDS = 30;
  let stack: Stack;
  let far: GatewayProcess;
  let proxy: Awaited<ReturnType<typeof latencyProxy>>;
  let bob: TestUser;
  let bobSocket: Socket;

  beforeAll(async () => {
    // A single redis-server even under `test:cluster`: the relay stands for one node.
    stack = await startStack({ gateways: 1, redis: {} });
    proxy = await latencyProxy(stack.redis.port, 40);
    far = new GatewayProcess(await freePort(), {
      ...stack.env,
      REDIS_URL: proxy.url,
      GATEWAY_ID: 'far',
    });
    await far.start();
    bob = await registerUser(stack.api.url, 'bob');
    bobSocket = await connectSocket(stack.gateways[0].url, bob.token);
  }, 60_000);

  afterAll(async () => {
    bobSocket?.disconnect();
    await far?.stop('SIGKILL');
    await proxy?.close();
    await stack?.close();
  });

  it(`delivers a message sent from the other gateway on connect, ${ROUNDS} times in a row`, async () => {
    const missed: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      // A fresh DM each round: gateway A has never listened on its channel.
      const alice = await registerUser(stack.api.url, 'alice');
      const dm = await request(stack.api.url)
        .post('/api/rooms/dm')
        .set('Authorization', `Bearer ${bob.token}`)
        .send({ userId: alice.id })
        .expect(201);
      const roomId = dm.body.id as string;
      const text = `round ${round}`;
      const socket = io(far.url, {
        auth: { token: alice.token },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      const live: Message[] = [];
      socket.on('message', (m: Message) => live.push(m));
      const sent = new Promise<{ ok: boolean }>((done, fail) => {
        socket.once('connect', () => {
          bobSocket.emitWithAck('message', { roomId, message: text }).then(done, fail);
        });
        socket.once('connect_error', fail);
      });
      expect((await sent).ok).toBe(true);
      // The sender's ack follows the publish; generous time for the delivery itself.
      await waitFor(() => live.some((m) => m.message === text), 3_000).catch(() =>
        missed.push(round),
      );
      socket.disconnect();
    }
    expect(missed).toEqual([]);
  }, 180_000);
});
