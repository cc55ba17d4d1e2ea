import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '../redis.constants';
import { RedisKeys } from '../redis-keys';
import { defineScript } from '../scripts/define-script';
import {
  QUEUE_ACK,
  QUEUE_ADD,
  QUEUE_DELETE_ONE,
  QUEUE_PEEK,
  QUEUE_PURGE,
  QUEUE_STATS,
  QUEUE_TAKE,
} from '../scripts/queues.lua';

export type QueueAddResult = { status: 'ok'; n: number } | { status: 'full' };
/** A batch add: the numbers first..last, in the values' order. */
export type QueueAddManyResult = { status: 'ok'; first: number; last: number } | { status: 'full' };

export interface QueueItem {
  n: number;
  value: string;
  /** Soft gets that read the message before. */
  count: number;
  /** Lease deadline (ms) of an at-least-once get. */
  leaseUntil?: number;
}

export interface QueueState {
  waiting: number;
  leased: number;
  /** The meta hash: status, policy and counters, as stored. */
  meta: Record<string, string>;
}

type Keys = ReturnType<typeof RedisKeys.queue>;
type Script<R> = (...args: Array<string | number>) => Promise<R>;
const KEY_COUNT = 7;

function keyList(k: Keys): string[] {
  return [k.ready, k.values, k.leases, k.expiry, k.reads, k.meta, k.seq];
}

/** A reply of got messages: four entries each (scripts/queues.lua.ts `answer`). */
function toItems(flat: Array<string | number>): QueueItem[] {
  const items: QueueItem[] = [];
  for (let i = 0; i + 3 < flat.length; i += 4) {
    const item: QueueItem = {
      n: Number(flat[i]),
      value: String(flat[i + 1]),
      count: Number(flat[i + 2]),
    };
    if (Number(flat[i + 3]) > 0) item.leaseUntil = Number(flat[i + 3]);
    items.push(item);
  }
  return items;
}

/**
 * Per-account queues (RestMQ's model with leases, ttl and a cap). Each operation is one script on
 * one queue's keys; the account's list of queue names is a set beside them.
 */
@Injectable()
export class QueuesRepository {
  private readonly scripts: Record<
    'add' | 'take' | 'peek' | 'ack' | 'deleteOne' | 'stats' | 'purge',
    Script<unknown>
  >;

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {
    const def = (name: string, lua: string) =>
      defineScript<Script<unknown>>(redis, name, KEY_COUNT, lua);
    this.scripts = {
      add: def('parleyQueueAdd', QUEUE_ADD),
      take: def('parleyQueueTake', QUEUE_TAKE),
      peek: def('parleyQueuePeek', QUEUE_PEEK),
      ack: def('parleyQueueAck', QUEUE_ACK),
      deleteOne: def('parleyQueueDeleteOne', QUEUE_DELETE_ONE),
      stats: def('parleyQueueStats', QUEUE_STATS),
      purge: def('parleyQueuePurge', QUEUE_PURGE),
    };
  }

  private run<R>(
    script: keyof QueuesRepository['scripts'],
    userId: string,
    queue: string,
    ...args: Array<string | number>
  ): Promise<R> {
    const keys = keyList(RedisKeys.queue(userId, queue));
    return this.scripts[script](...keys, Date.now(), ...args) as Promise<R>;
  }

  /** Adds one value (a batch of one: the scripts take batches). */
  async add(
    userId: string,
    queue: string,
    value: string,
    ttlMs: number,
    maxLength: number,
  ): Promise<QueueAddResult> {
    const result = await this.addMany(userId, queue, [value], ttlMs, maxLength);
    return result.status === 'ok' ? { status: 'ok', n: result.first } : result;
  }

  /** Adds all of `values` in order, or none when the queue cannot hold them all. */
  async addMany(
    userId: string,
    queue: string,
    values: string[],
    ttlMs: number,
    maxLength: number,
  ): Promise<QueueAddManyResult> {
    // Sent together (one round trip; the list entry is idempotent and never removed by an add).
    const wake = RedisKeys.queue(userId, queue).wake;
    const [, [status, first, last]] = await Promise.all([
      this.redis.sadd(RedisKeys.userQueues(userId), queue),
      this.run<[string, number?, number?]>('add', userId, queue, ttlMs, maxLength, wake, ...values),
    ]);
    return status === 'ok'
      ? { status: 'ok', first: Number(first), last: Number(last) }
      : { status: 'full' };
  }

  /** Up to `max` of the oldest waiting messages, oldest first (leased when leaseMs > 0). */
  async takeMany(userId: string, queue: string, max: number, leaseMs = 0): Promise<QueueItem[]> {
    return toItems(await this.run('take', userId, queue, leaseMs, max));
  }

  async take(userId: string, queue: string, leaseMs = 0): Promise<QueueItem | null> {
    return (await this.takeMany(userId, queue, 1, leaseMs))[0] ?? null;
  }

  /** Up to `max` of the oldest waiting messages, left in place, each read counted. */
  async peekMany(userId: string, queue: string, max: number): Promise<QueueItem[]> {
    return toItems(await this.run('peek', userId, queue, max));
  }

  async peek(userId: string, queue: string): Promise<QueueItem | null> {
    return (await this.peekMany(userId, queue, 1))[0] ?? null;
  }

  /** Acks the leased ones among `ns`; how many were leased. */
  async ackMany(userId: string, queue: string, ns: number[]): Promise<number> {
    return Number(await this.run<number>('ack', userId, queue, ...ns));
  }

  async ack(userId: string, queue: string, n: number): Promise<boolean> {
    return (await this.ackMany(userId, queue, [n])) === 1;
  }

  async deleteOne(userId: string, queue: string, n: number): Promise<boolean> {
    return (await this.run<number>('deleteOne', userId, queue, n)) === 1;
  }

  async state(userId: string, queue: string): Promise<QueueState> {
    const [waiting, leased, flat] = await this.run<[number, number, string[]]>(
      'stats',
      userId,
      queue,
    );
    const meta: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) meta[flat[i]] = flat[i + 1];
    return { waiting: Number(waiting), leased: Number(leased), meta };
  }

  /** Deletes the queue; how many messages it held. */
  async purge(userId: string, queue: string): Promise<number> {
    const held = await this.run<number>('purge', userId, queue);
    await this.redis.srem(RedisKeys.userQueues(userId), queue);
    return Number(held);
  }

  async names(userId: string): Promise<string[]> {
    return (await this.redis.smembers(RedisKeys.userQueues(userId))).sort();
  }

  async exists(userId: string, queue: string): Promise<boolean> {
    return (await this.redis.sismember(RedisKeys.userQueues(userId), queue)) === 1;
  }

  /** Sets status or policy; the queue is listed from then on, like RestMQ's. */
  async setMeta(
    userId: string,
    queue: string,
    field: 'status' | 'policy',
    value: string,
  ): Promise<void> {
    await this.redis.sadd(RedisKeys.userQueues(userId), queue);
    await this.redis.hset(RedisKeys.queue(userId, queue).meta, field, value);
  }

  async getMeta(userId: string, queue: string, field: 'status' | 'policy'): Promise<string | null> {
    return this.redis.hget(RedisKeys.queue(userId, queue).meta, field);
  }
}
