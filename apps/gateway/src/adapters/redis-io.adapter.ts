import { INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { isOriginAllowed } from '@app/chat';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { Limits } from '@app/contracts';
import { createRedisClient, logRedisErrors } from '@app/redis';
import Redis from 'ioredis';
import type { IncomingMessage } from 'node:http';
import { corkWebSocketBatches } from './corked-websocket-writes';
import type { ServerOptions } from 'socket.io';

/**
 * Socket.IO over the Redis adapter, so that N gateways broadcast as one server. On Redis ≥ 7 the
 * sharded adapter (SPUBLISH, one channel per room) keeps each gateway to the traffic of rooms it
 * has members in and works unchanged on Redis Cluster. Connect before use; close on shutdown.
 */
export class RedisIoAdapter extends IoAdapter {
  private readonly logger = new Logger('RedisIoAdapter');
  private adapterConstructor?:
    ReturnType<typeof createAdapter> | ReturnType<typeof createShardedAdapter>;
  private clients: Redis[] = [];
  private readonly config: ParleyConfig;

  constructor(app: INestApplicationContext) {
    super(app);
    this.config = app.get<ParleyConfig>(PARLEY_CONFIG);
  }

  async connectToRedis(): Promise<void> {
    // The adapter's publisher queues while Redis is away (maxRetriesPerRequest: null): a broadcast
    // only follows a successful store, so the queue stays small, and nothing is dropped in a blip.
    const options = { lazyConnect: true, maxRetriesPerRequest: null };
    const pub = createRedisClient(this.config.redis, options);
    const sub = createRedisClient(this.config.redis, options);
    this.clients = [pub, sub];
    logRedisErrors(pub, this.logger, 'adapter pub');
    logRedisErrors(sub, this.logger, 'adapter sub');
    await Promise.all([pub.connect(), sub.connect()]);
    const version = await redisVersion(pub);
    if (version >= 7) {
      this.adapterConstructor = createShardedAdapter(pub, sub, { subscriptionMode: 'dynamic' });
      this.logger.log(`sharded adapter (Redis ${version})`);
    } else {
      this.adapterConstructor = createAdapter(pub, sub);
      this.logger.log(`pub/sub adapter (Redis ${version})`);
    }
  }

  createIOServer(port: number, options?: ServerOptions): unknown {
    const allowed = this.config.allowedOrigins;
    const server = super.createIOServer(port, {
      ...options,
      path: '/socket.io',
      maxHttpBufferSize: Limits.frameMaxBytes,
      perMessageDeflate: false,
      httpCompression: false,
      pingInterval: 25_000,
      pingTimeout: 20_000,
      // Socket.IO's CORS setting only covers polling; allowRequest covers the WebSocket upgrade too.
      allowRequest: (req: IncomingMessage, callback: (err: string | null, ok: boolean) => void) => {
        const ok = isOriginAllowed(req.headers.origin, req.headers.host, allowed);
        callback(ok ? null : 'origin not allowed', ok);
      },
      // CORS headers for polling may reflect any origin: allowRequest has already refused a foreign
      // one at the handshake, and no later request can use a session it never got.
      cors: { origin: true, credentials: true },
    }) as { adapter: (a: unknown) => void };
    if (this.adapterConstructor) server.adapter(this.adapterConstructor);
    corkWebSocketBatches(
      (server as unknown as { engine: Parameters<typeof corkWebSocketBatches>[0] }).engine,
    );
    return server;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.clients.map(async (c) => {
        if (c.status !== 'ready') return c.disconnect();
        await c.quit().catch(() => c.disconnect());
      }),
    );
    this.clients = [];
  }
}

async function redisVersion(client: Redis): Promise<number> {
  const info = await client.info('server');
  const match = /redis_version:(\d+)/.exec(info);
  return match ? Number(match[1]) : 0;
}
