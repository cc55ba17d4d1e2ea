import { INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { isOriginAllowed, SocketRooms } from '@app/chat';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { Limits } from '@app/contracts';
import { connectIoAdapter, IoAdapterConnection } from '@app/redis';
import type { IncomingMessage } from 'node:http';
import type { ServerOptions } from 'socket.io';
import type { Adapter } from 'socket.io-adapter';
import { SocketIds } from './socket-ids';

const ROUTE_TAG = /^[0-9a-f]{8}$/;

/**
 * Socket.IO over the Redis adapter (libs/redis io-adapter.ts), so that N gateways broadcast as
 * one server. Connect before use; close on shutdown.
 */
export class RedisIoAdapter extends IoAdapter {
  private readonly logger = new Logger('RedisIoAdapter');
  private connection?: IoAdapterConnection;
  private server?: { of(nsp: string): { adapter: Adapter } };
  private readonly config: ParleyConfig;
  private readonly socketIds = new SocketIds();

  constructor(app: INestApplicationContext) {
    super(app);
    this.config = app.get<ParleyConfig>(PARLEY_CONFIG);
  }

  /**
   * The gateway subscribes no Nest message handlers (chat.gateway.ts dispatches its events
   * itself), yet IoAdapter builds a shared rxjs disconnect stream per socket and keeps it for the
   * socket's life: four Observables and their closures per connection, for nothing.
   */
  bindMessageHandlers(...args: Parameters<IoAdapter['bindMessageHandlers']>): void {
    if (args[1].length > 0) super.bindMessageHandlers(...args);
  }

  async connectToRedis(): Promise<void> {
    this.connection = await connectIoAdapter(
      this.config.redis,
      this.logger,
      SocketRooms.isLocalOnly,
    );
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
    if (this.connection) server.adapter(this.connection.factory);
    this.server = server as unknown as RedisIoAdapter['server'];
    // The API's /socket.io proxy routes a session by the tag it put in this header at the
    // handshake (apps/api socket-proxy.ts), so no API replica needs to remember sessions.
    (
      server as unknown as { engine: { generateId: (req: IncomingMessage) => string } }
    ).engine.generateId = (req) => {
      const tag = req.headers['x-parley-route'];
      const id = this.socketIds.take();
      return typeof tag === 'string' && ROUTE_TAG.test(tag) ? `${tag}${id}` : id;
    };
    return server;
  }

  /**
   * Boot check (after init): on the sharded adapter, joining a room new to this process must
   * return a promise of its subscription (libs/redis subscribed-joins.ts), or CONNECT would again
   * be answered before the socket's channels are heard. Fails loudly if an adapter upgrade
   * stopped subscribing through `ssubscribe`.
   */
  async assertJoinsAwaitSubscriptions(): Promise<void> {
    if (!this.connection?.sharded || !this.server) return;
    const adapter = this.server.of('/').adapter;
    const probe = `parley-boot-probe-${process.pid}`;
    const joined = adapter.addAll(probe, new Set([`${probe}:room`]));
    try {
      if (!(joined instanceof Promise))
        throw new Error(
          '@socket.io/redis-adapter changed: a join no longer subscribes through ssubscribe (see subscribed-joins.ts)',
        );
      await joined;
    } finally {
      adapter.delAll(probe);
    }
  }

  async close(): Promise<void> {
    await this.connection?.close();
    this.connection = undefined;
  }
}
