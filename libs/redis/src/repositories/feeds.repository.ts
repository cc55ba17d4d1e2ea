import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '../redis.constants';
import { RedisKeys } from '../redis-keys';
import { defineScript } from '../scripts/define-script';

export interface FeedRecord {
  roomId: string;
  userId: string;
  queue: string;
  created: number;
}

export type FeedAddResult = 'added' | 'exists' | 'room_full' | 'user_full';

/** Room id, user id and queue name never hold a space: it separates them in the hash fields. */
const field = (a: string, b: string) => `${a} ${b}`;
const split = (f: string): [string, string] => {
  const i = f.indexOf(' ');
  return [f.slice(0, i), f.slice(i + 1)];
};

/** The room's side checks its limit and writes in one step (one slot); the owner's side follows. */
const ROOM_ADD = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 'exists' end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 'room_full' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 'added'
`;

/**
 * Room feeds, kept twice: by room (what a new message of the room reads, one HGETALL) and by
 * owner (the per-account limit). The two sides live in different slots, so they are written one
 * after the other; the room's side decides.
 */
@Injectable()
export class FeedsRepository {
  private readonly roomAdd: (
    key: string,
    field: string,
    created: number,
    max: number,
  ) => Promise<FeedAddResult>;

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {
    this.roomAdd = defineScript(redis, 'parleyFeedRoomAdd', 1, ROOM_ADD);
  }

  async add(
    feed: FeedRecord,
    limits: { perRoom: number; perUser: number },
  ): Promise<FeedAddResult> {
    const { roomId, userId, queue, created } = feed;
    const mine = RedisKeys.userFeeds(userId);
    if ((await this.redis.hexists(mine, field(roomId, queue))) === 1) return 'exists';
    if ((await this.redis.hlen(mine)) >= limits.perUser) return 'user_full';
    const result = await this.roomAdd(
      RedisKeys.roomFeeds(roomId),
      field(userId, queue),
      created,
      limits.perRoom,
    );
    if (result === 'added' || result === 'exists') {
      await this.redis.hset(mine, field(roomId, queue), created);
    }
    return result;
  }

  /** Every feed of the room, whoever owns it. */
  async ofRoom(roomId: string): Promise<FeedRecord[]> {
    const all = await this.redis.hgetall(RedisKeys.roomFeeds(roomId));
    return Object.entries(all).map(([f, created]) => {
      const [userId, queue] = split(f);
      return { roomId, userId, queue, created: Number(created) };
    });
  }

  /** False when there was no such feed. */
  async remove(roomId: string, userId: string, queue: string): Promise<boolean> {
    const removed = await this.redis.hdel(RedisKeys.roomFeeds(roomId), field(userId, queue));
    await this.redis.hdel(RedisKeys.userFeeds(userId), field(roomId, queue));
    return removed === 1;
  }

  /** Counts a feed item its queue refused (full), in the queue's own counters. */
  async countDropped(userId: string, queue: string): Promise<void> {
    await this.redis.hincrby(RedisKeys.queue(userId, queue).meta, 'dropped', 1);
  }
}
