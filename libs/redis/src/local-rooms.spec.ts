import { createShardedAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { Server } from 'socket.io';
import type { Adapter } from 'socket.io-adapter';
import { testRedisUrl } from '../../../test/support/redis-url';
import { withLocalRooms } from './local-rooms';

/**
 * Pins the patch of the sharded adapter's internals (local-rooms.ts) against the installed
 * @socket.io/redis-adapter, on the private test Redis: which rooms get a channel on Redis.
 */
describe('withLocalRooms (real sharded adapter, real Redis)', () => {
  let pub: Redis;
  let sub: Redis;
  let io: Server;
  let adapter: Adapter;
  const prefix = `local-rooms-${process.pid}`;

  const channels = async () =>
    ((await pub.call('PUBSUB', 'SHARDCHANNELS', `socket.io#/#${prefix}*`)) as string[]).sort();
  const until = async (check: () => Promise<boolean>) => {
    while (!(await check())) await new Promise((r) => setTimeout(r, 10));
  };

  beforeAll(async () => {
    pub = new Redis(testRedisUrl());
    sub = pub.duplicate();
    io = new Server();
    const local = (room: string) => room.startsWith(`${prefix}:session:`);
    io.adapter(
      withLocalRooms(createShardedAdapter(pub, sub, { subscriptionMode: 'dynamic' }), local),
    );
    adapter = io.of('/').adapter;
  });
  afterAll(async () => {
    // Server.close() also closes an engine, which a server without HTTP never started.
    await adapter.close();
    // QUIT waits for every reply still due: no command is left to fail after the suite ends.
    await Promise.all([pub.quit(), sub.quit()]);
  });

  it('a local room gets no channel on Redis; a shared room gets one and loses it when emptied', async () => {
    const [session, room] = [`${prefix}:session:s1`, `${prefix}:room:r1`];
    await adapter.addAll('socket-1', new Set([session, room]));
    await until(async () => (await channels()).length > 0);
    expect(await channels()).toEqual([`socket.io#/#${room}#`]);
    // The adapter keeps both rooms for local use.
    expect([...(adapter.rooms.get(session) ?? [])]).toEqual(['socket-1']);

    adapter.delAll('socket-1');
    await until(async () => (await channels()).length === 0);
    expect(adapter.rooms.has(session)).toBe(false);
  });

  it('a local room still reaches its sockets on this process', async () => {
    const session = `${prefix}:session:s2`;
    await adapter.addAll('socket-2', new Set([session]));
    const seen: string[] = [];
    const fake = {
      id: 'socket-2',
      client: { writeToEngine: () => undefined },
      notifyOutgoingListeners: (packet: { data: unknown[] }) => seen.push(String(packet.data[0])),
    };
    (io.of('/').sockets as Map<string, unknown>).set('socket-2', fake);
    io.local.to(session).emit('session.revoked', {});
    expect(seen).toEqual(['session.revoked']);
    (io.of('/').sockets as Map<string, unknown>).delete('socket-2');
    adapter.delAll('socket-2');
  });

  it('fails loudly when the adapter no longer asks shouldUseASeparateNamespace', () => {
    const changed = withLocalRooms(
      () => ({}) as unknown as Adapter,
      () => true,
    );
    expect(() => changed(undefined)).toThrow(/@socket.io\/redis-adapter changed/);
  });
});
