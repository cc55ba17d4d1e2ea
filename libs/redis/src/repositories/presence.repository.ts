import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '../redis.constants';
import { RedisKeys } from '../redis-keys';

/** Who is online. The gateways write it; the API only reads. */
@Injectable()
export class PresenceRepository {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  async onlineIds(): Promise<string[]> {
    return this.redis.smembers(RedisKeys.onlineUsers());
  }

  async areOnline(ids: readonly string[]): Promise<boolean[]> {
    if (ids.length === 0) return [];
    const flags = await this.redis.smismember(RedisKeys.onlineUsers(), ...ids);
    return flags.map((f) => f === 1);
  }

  async setOnline(userId: string, online: boolean): Promise<void> {
    if (online) await this.redis.sadd(RedisKeys.onlineUsers(), userId);
    else await this.redis.srem(RedisKeys.onlineUsers(), userId);
  }
}
