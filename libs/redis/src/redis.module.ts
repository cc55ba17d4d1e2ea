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
import { commandClientOptions } from './redis-options';
import { createRedisClient, describeTopology, logRedisErrors } from './redis-connection';
import { MessagesRepository } from './repositories/messages.repository';
import { PresenceRepository } from './repositories/presence.repository';
import { RoomsRepository } from './repositories/rooms.repository';
import { SessionsRepository } from './repositories/sessions.repository';
import { UsersRepository } from './repositories/users.repository';
import { StatusRepository } from './repositories/status.repository';
import { BlocksRepository } from './repositories/blocks.repository';
import { SeedRepository } from './repositories/seed.repository';
import { RateLimitRepository } from './repositories/rate-limit.repository';
import { ApiTokensRepository } from './repositories/api-tokens.repository';
import { QueuesRepository } from './repositories/queues.repository';
import { FeedsRepository } from './repositories/feeds.repository';
import { QueueSignals } from './repositories/queue-signals';
import { MessageChangesRepository } from './repositories/message-changes.repository';
import { ReadsRepository } from './repositories/reads.repository';

const logger = new Logger('Redis');

async function connectClient(config: ParleyConfig): Promise<Redis> {
  const client = createRedisClient(config.redis, commandClientOptions);
  logRedisErrors(client, logger, 'command');
  client.on('ready', () => logger.log(`ready (${describeTopology(config.redis)})`));
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw new Error(
      `Redis is not reachable at ${describeTopology(config.redis)}: ${(err as Error).message}`,
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
  StatusRepository,
  BlocksRepository,
  SessionsRepository,
  RoomsRepository,
  MessagesRepository,
  MessageChangesRepository,
  ReadsRepository,
  PresenceRepository,
  SeedRepository,
  RateLimitRepository,
  ApiTokensRepository,
  QueuesRepository,
  FeedsRepository,
  QueueSignals,
];

@Global()
@Module({
  imports: [TerminusModule],
  providers: [clientProvider, RedisShutdown, RedisHealthIndicator, ...repositories],
  exports: [REDIS_CLIENT, RedisHealthIndicator, ...repositories],
})
export class RedisModule {}
