import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '../redis.constants';
import { RedisKeys } from '../redis-keys';

@Injectable()
export class RoomsRepository {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  /**
   * Creates the DM room record if it is new and (re)adds it to both users' room sets, so a
   * repeated call also repairs a half-finished earlier one. Returns true when it was created now.
   */
  async createDm(roomId: string, memberIds: [string, string]): Promise<boolean> {
    const created = await this.redis.hsetnx(RedisKeys.room(roomId), 'kind', 'dm');
    // Separate commands, not one pipeline: the keys live in different cluster slots.
    await Promise.all([
      created === 1
        ? this.redis.hset(
            RedisKeys.room(roomId),
            'members',
            memberIds.join(','),
            'created',
            Date.now(),
          )
        : null,
      ...memberIds.map((id) => this.redis.sadd(RedisKeys.userRooms(id), roomId)),
    ]);
    return created === 1;
  }

  async dmExists(roomId: string): Promise<boolean> {
    return (await this.redis.exists(RedisKeys.room(roomId))) === 1;
  }

  /** The user's DM room ids (General is implicit for everyone). */
  async dmIdsOf(userId: string): Promise<string[]> {
    return this.redis.smembers(RedisKeys.userRooms(userId));
  }
}
