import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationShutdown,
  Provider,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import Redis from 'ioredis';
import { RedisHealthIndicator } from './health/redis.health';
import { REDIS_CLIENT } from './redis.constants';
import { commandClientOptions, redactRedisUrl, redisOptionsFromUrl } from './redis-options';
import { MessagesRepository } from './repositories/messages.repository';
import { PresenceRepository } from './repositories/presence.repository';
import { RoomsRepository } from './repositories/rooms.repository';
import { SessionsRepository } from './repositories/sessions.repository';
import { UsersRepository } from './repositories/users.repository';
import { SeedRepository } from './repositories/seed.repository';
import { RateLimitRepository } from './repositories/rate-limit.repository';

const logger = new Logger('Redis');

async function connectClient(config: ParleyConfig): Promise<Redis> {
  const client = new Redis({ ...redisOptionsFromUrl(config.redisUrl), ...commandClientOptions });
  let lastErrorLog = 0;
  client.on('error', (err: Error) => {
    // ioredis emits an error per failed reconnect attempt; one line every 5 s is enough.
    const now = Date.now();
    if (now - lastErrorLog > 5000) {
      lastErrorLog = now;
      logger.warn(`connection error: ${err.message}`);
    }
  });
  client.on('ready', () => logger.log(`ready (${redactRedisUrl(config.redisUrl)})`));
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw new Error(
      `Redis is not reachable at ${redactRedisUrl(config.redisUrl)}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return client;
}

const clientProvider: Provider = {
  provide: REDIS_CLIENT,
  inject: [PARLEY_CONFIG],
  useFactory: connectClient,
};

@Injectable()
class RedisShutdown implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly client: Redis) {}

  async onApplicationShutdown() {
    // quit() waits for pending replies; disconnect() when Redis is already gone.
    if (this.client.status === 'ready') await this.client.quit().catch(() => undefined);
    else this.client.disconnect();
  }
}

const repositories = [
  UsersRepository,
  SessionsRepository,
  RoomsRepository,
  MessagesRepository,
  PresenceRepository,
  SeedRepository,
  RateLimitRepository,
];

@Global()
@Module({
  imports: [TerminusModule],
  providers: [clientProvider, RedisShutdown, RedisHealthIndicator, ...repositories],
  exports: [REDIS_CLIENT, RedisHealthIndicator, ...repositories],
})
export class RedisModule {}
