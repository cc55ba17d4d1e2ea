import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '../redis.constants';
import { RedisKeys } from '../redis-keys';
import { defineScript } from '../scripts/define-script';

/** Sets a field of a hash that exists, never creating it (a DM not opened yet stays absent). */
const HSET_IF_EXISTS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], '1')
return 1
`;

type FlagCommand = (roomKey: string, field: string) => Promise<number>;

/**
 * Who blocked whom. The blocker's set answers "may X do this to me" and lists blocks; the DM
 * between the two also carries a `blocked:<id>` flag, so the append script refuses a blocked
 * sender in the same step as it checks membership, at no extra round trip per message.
 */
@Injectable()
export class BlocksRepository {
  private readonly flag: FlagCommand;

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {
    this.flag = defineScript<FlagCommand>(redis, 'parleyHsetIfExists', 1, HSET_IF_EXISTS);
  }

  async block(blockerId: string, blockedId: string, dmRoomId: string): Promise<void> {
    await this.redis.sadd(RedisKeys.userBlocks(blockerId), blockedId);
    await this.flag(RedisKeys.room(dmRoomId), flagOf(blockedId));
  }

  async unblock(blockerId: string, blockedId: string, dmRoomId: string): Promise<void> {
    await this.redis.srem(RedisKeys.userBlocks(blockerId), blockedId);
    await this.redis.hdel(RedisKeys.room(dmRoomId), flagOf(blockedId));
  }

  async isBlocked(blockerId: string, userId: string): Promise<boolean> {
    return (await this.redis.sismember(RedisKeys.userBlocks(blockerId), userId)) === 1;
  }

  async blockedBy(blockerId: string): Promise<string[]> {
    return this.redis.smembers(RedisKeys.userBlocks(blockerId));
  }

  /** Copies the blocks between the two members onto their DM (when it was just created). */
  async flagDm(dmRoomId: string, members: readonly [string, string]): Promise<void> {
    const [a, b] = members;
    const [aBlocksB, bBlocksA] = await Promise.all([this.isBlocked(a, b), this.isBlocked(b, a)]);
    if (aBlocksB) await this.flag(RedisKeys.room(dmRoomId), flagOf(b));
    if (bBlocksA) await this.flag(RedisKeys.room(dmRoomId), flagOf(a));
  }
}

const flagOf = (userId: string) => `blocked:${userId}`;
