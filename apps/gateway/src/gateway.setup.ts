import type { INestApplication } from '@nestjs/common';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { Logger } from 'nestjs-pino';
import { installCorkedWebSocketWrites } from './adapters/corked-websocket-writes';
import { RedisIoAdapter } from './adapters/redis-io.adapter';
import { installRepeatedConnectShim } from './chat/repeated-connect';

/**
 * Shared by main.ts and the e2e tests: the private-internals checks, the Redis adapter
 * (connected and checked before use) and shutdown hooks. Call before `listen`.
 */
export async function configureGateway(app: INestApplication): Promise<ParleyConfig> {
  const config = app.get<ParleyConfig>(PARLEY_CONFIG);
  app.useLogger(app.get(Logger));
  app.flushLogs(); // the start-up logs buffered until pino was in place
  await installCorkedWebSocketWrites();
  // The reference client's repeated CONNECT is its quirk alone: stock Socket.IO without its routes.
  if (config.seedCompat) await installRepeatedConnectShim();
  const adapter = new RedisIoAdapter(app);
  await adapter.connectToRedis();
  app.useWebSocketAdapter(adapter);
  app.enableShutdownHooks();
  await app.init(); // creates the Socket.IO server, so the adapter can be checked before listen
  await adapter.assertJoinsAwaitSubscriptions();
  return config;
}
