import type { LoggerService } from '@nestjs/common';
import type { RedisTopology } from '@app/config';
import Redis, { Cluster, type RedisOptions } from 'ioredis';
import { coalesceWrites } from './coalesced-writes';
import { redactRedisUrl, redisOptionsFromUrl } from './redis-options';

/**
 * The one connection factory: the repositories, the session store, the throttler storage, the
 * Socket.IO adapter and the Nest transport all get their clients here, so every part of Parley
 * follows the same topology (single node, Redis Cluster or Sentinel).
 *
 * A Cluster client is returned under the `Redis` type: it answers the same commands, and every
 * multi-key operation Parley sends keeps its keys in one hash slot (see redis-keys.ts).
 */
export function createRedisClient(topology: RedisTopology, extra: RedisOptions = {}): Redis {
  const client = connect(topology, extra);
  coalesceWrites(client);
  return client;
}

function connect(topology: RedisTopology, extra: RedisOptions): Redis {
  const fromUrl = redisOptionsFromUrl(topology.url);
  switch (topology.kind) {
    case 'single':
      return new Redis({ ...fromUrl, ...extra });
    case 'sentinel':
      return new Redis({
        ...extra,
        sentinels: topology.sentinels,
        name: topology.name,
        username: fromUrl.username,
        password: fromUrl.password,
        db: fromUrl.db,
        tls: fromUrl.tls,
        enableTLSForSentinelMode: Boolean(fromUrl.tls),
        // Follow a failover: on READONLY (a demoted master) reconnect to find the new one.
        reconnectOnError: (err) => err.message.startsWith('READONLY'),
      });
    case 'cluster': {
      const { lazyConnect, enableOfflineQueue, maxRetriesPerRequest, ...rest } = extra;
      return new Cluster(topology.nodes, {
        lazyConnect,
        enableOfflineQueue,
        shardedSubscribers: true,
        redisOptions: {
          ...rest,
          maxRetriesPerRequest,
          username: fromUrl.username,
          password: fromUrl.password,
          tls: fromUrl.tls,
        },
      }) as unknown as Redis;
    }
  }
}

/** ioredis options for a client that only publishes/subscribes classic channels (Nest transport). */
export function pubSubOptions(topology: RedisTopology): RedisOptions {
  const fromUrl = redisOptionsFromUrl(topology.url);
  switch (topology.kind) {
    case 'single':
      return fromUrl;
    case 'sentinel':
      return {
        sentinels: topology.sentinels,
        name: topology.name,
        username: fromUrl.username,
        password: fromUrl.password,
        tls: fromUrl.tls,
        enableTLSForSentinelMode: Boolean(fromUrl.tls),
      };
    case 'cluster':
      // Classic PUBLISH is propagated to every node of a cluster, so one node is enough for the
      // Nest transport; the first seed node is used.
      return { ...fromUrl, host: topology.nodes[0].host, port: topology.nodes[0].port, db: 0 };
  }
}

/** For logs: never the password. */
export function describeTopology(topology: RedisTopology): string {
  const nodes = (list: { host: string; port: number }[]) =>
    list.map((n) => `${n.host}:${n.port}`).join(',');
  switch (topology.kind) {
    case 'single':
      return redactRedisUrl(topology.url);
    case 'cluster':
      return `cluster ${nodes(topology.nodes)}`;
    case 'sentinel':
      return `sentinel ${topology.name}@${nodes(topology.sentinels)}`;
  }
}

/**
 * ioredis emits 'error' on every failed reconnect attempt, and an unhandled 'error' event would
 * crash the process: log it, at most once every 5 s per client.
 */
export function logRedisErrors(
  client: Redis,
  logger: Pick<LoggerService, 'warn'>,
  name: string,
): void {
  let last = 0;
  client.on('error', (err: Error) => {
    if (Date.now() - last > 5000) {
      last = Date.now();
      logger.warn(`${name} connection error: ${err.message}`);
    }
  });
}
