import type { Logger } from '@nestjs/common';
import type { RedisTopology } from '@app/config';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import type Redis from 'ioredis';
import { createRedisClient, logRedisErrors } from './redis-connection';
import { withLocalRooms } from './local-rooms';
import { awaitableJoins } from './subscribed-joins';

export interface IoAdapterConnection {
  /** For `server.adapter(...)`. */
  factory: ReturnType<typeof createAdapter> | ReturnType<typeof createShardedAdapter>;
  /** Sharded: `socket.join` of a room new to this process resolves once its channel is heard. */
  sharded: boolean;
  close(): Promise<void>;
}

/**
 * The Socket.IO Redis adapter's connections, shared by the gateways and the API (which announces
 * through a detached Socket.IO server on the same adapter). On Redis ≥ 7 the sharded adapter
 * (SPUBLISH, one channel per room) keeps each process to the traffic of rooms it has members in
 * and works unchanged on Redis Cluster.
 */
export async function connectIoAdapter(
  topology: RedisTopology,
  logger: Logger,
  /** Rooms only addressed on their own process: no channel of their own (local-rooms.ts). */
  localRooms: (room: string) => boolean,
): Promise<IoAdapterConnection> {
  // The publisher queues while Redis is away (maxRetriesPerRequest: null): an announcement only
  // follows a successful store, so the queue stays small, and nothing is dropped in a blip.
  const options = { lazyConnect: true, maxRetriesPerRequest: null };
  const pub = createRedisClient(topology, options);
  const sub = createRedisClient(topology, options);
  logRedisErrors(pub, logger, 'adapter pub');
  logRedisErrors(sub, logger, 'adapter sub');
  await Promise.all([pub.connect(), sub.connect()]);
  const version = await redisVersion(pub);
  let factory: IoAdapterConnection['factory'];
  if (version >= 7) {
    const sharded = createShardedAdapter(pub, sub, { subscriptionMode: 'dynamic' });
    factory = awaitableJoins(withLocalRooms(sharded, localRooms), sub);
    logger.log(`sharded adapter (Redis ${version})`);
  } else {
    factory = createAdapter(pub, sub);
    logger.log(`pub/sub adapter (Redis ${version})`);
  }
  return {
    factory,
    sharded: version >= 7,
    close: async () => {
      await Promise.all(
        [pub, sub].map(async (c) => {
          if (c.status !== 'ready') return c.disconnect();
          await c.quit().catch(() => c.disconnect());
        }),
      );
    },
  };
}

async function redisVersion(client: Redis): Promise<number> {
  const info = await client.info('server');
  const match = /redis_version:(\d+)/.exec(info);
  return match ? Number(match[1]) : 0;
}
