import type { INestApplication } from '@nestjs/common';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { busTransportOptions } from '@app/redis';
import { Logger } from 'nestjs-pino';
import { RedisIoAdapter } from './adapters/redis-io.adapter';

/**
 * Shared by main.ts and the e2e tests: the Redis adapter (connected before use), the bus
 * subscription to the API's events, and shutdown hooks. Call before `listen`.
 */
export async function configureGateway(app: INestApplication): Promise<ParleyConfig> {
  const config = app.get<ParleyConfig>(PARLEY_CONFIG);
  app.useLogger(app.get(Logger));
  app.flushLogs(); // the start-up logs buffered until pino was in place
  const adapter = new RedisIoAdapter(app);
  await adapter.connectToRedis();
  app.useWebSocketAdapter(adapter);
  app.connectMicroservice<MicroserviceOptions>(busTransportOptions(config.redis), {
    inheritAppConfig: true,
  });
  await app.startAllMicroservices();
  app.enableShutdownHooks();
  return config;
}
