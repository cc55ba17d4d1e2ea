import { RedisOptions as NestRedisOptions, Transport } from '@nestjs/microservices';
import { redisOptionsFromUrl } from './redis-options';

/**
 * The Nest Redis transport between the API (publisher) and the gateways (subscribers). Without
 * retryAttempts the Nest client gives up after the first lost connection; with it, it reconnects
 * and resubscribes however long Redis is away.
 */
export function busTransportOptions(redisUrl: string): NestRedisOptions {
  return {
    transport: Transport.REDIS,
    options: {
      ...redisOptionsFromUrl(redisUrl),
      retryAttempts: Number.MAX_SAFE_INTEGER,
      retryDelay: 1000,
    } as NestRedisOptions['options'],
  };
}
