import { RedisOptions as NestRedisOptions, Transport } from '@nestjs/microservices';
import type { RedisTopology } from '@app/config';
import { pubSubOptions } from './redis-connection';

/**
 * The Nest Redis transport between the API (publisher) and the gateways (subscribers). Without
 * retryAttempts the Nest client gives up after the first lost connection; with it, it reconnects
 * and resubscribes however long Redis is away.
 */
export function busTransportOptions(topology: RedisTopology): NestRedisOptions {
  return {
    transport: Transport.REDIS,
    options: {
      ...pubSubOptions(topology),
      retryAttempts: Number.MAX_SAFE_INTEGER,
      retryDelay: 1000,
    } as NestRedisOptions['options'],
  };
}
