import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '../redis.constants';
import { RedisKeys } from '../redis-keys';

/** Markers that make demo seeding happen once per database across concurrent processes. */
@Injectable()
export class SeedRepository {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  async isDone(): Promise<boolean> {
    return (await this.redis.exists(RedisKeys.seedDone())) === 1;
  }

  /** True for exactly one caller until the lock expires or is released. */
  async tryLock(owner: string, ttlSeconds: number): Promise<boolean> {
    return (await this.redis.set(RedisKeys.seedLock(), owner, 'EX', ttlSeconds, 'NX')) === 'OK';
  }

  async markDone(): Promise<void> {
    await this.redis
      .multi()
      .set(RedisKeys.seedDone(), String(Date.now()))
      .del(RedisKeys.seedLock())
      .exec();
  }

  async release(): Promise<void> {
    await this.redis.del(RedisKeys.seedLock());
  }
}
