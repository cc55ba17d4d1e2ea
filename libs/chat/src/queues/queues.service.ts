import { Inject, Injectable } from '@nestjs/common';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { Limits } from '@app/contracts';
import { QueueItem, QueuesRepository, QueueState } from '@app/redis';
import { BadRequest, Conflict } from '../errors/domain-error';

export type QueuePolicy = 'broadcast' | 'roundrobin';
export const QUEUE_POLICIES: readonly QueuePolicy[] = ['broadcast', 'roundrobin'];
/** RestMQ's default: every comet/ws consumer gets every message. */
const DEFAULT_POLICY: QueuePolicy = 'broadcast';

export interface QueueMessage {
  /** `<queue>:<n>`, n counting up per queue from 1. */
  key: string;
  value: string;
  /** How many soft gets read it before. */
  count: number;
  /** Lease deadline (ms) of an at-least-once get. */
  leaseUntil?: number;
}

export interface QueueInfo {
  queue: string;
  len: number;
  /** 1 started, 0 stopped (comet/ws delivery paused). */
  status: 1 | 0;
  policy: QueuePolicy;
}

export interface QueueStats extends QueueInfo {
  /** Messages taken with a lease and not yet acked. */
  leased: number;
  /**
   * Counters since the queue was created: added, taken, leased, acked, redelivered, expired, and
   * dropped (room-feed items refused because the queue was full).
   */
  metrics: Record<(typeof METRICS)[number], number>;
}

const METRICS = ['added', 'taken', 'leased', 'acked', 'redelivered', 'expired', 'dropped'] as const;

const BATCH = Limits.queueBatchMax;

/** A batch size: whole, 1..queueBatchMax. */
export function assertBatchSize(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1 || n > BATCH) {
    throw BadRequest(`${what} must be 1-${BATCH}`);
  }
}

/** A batch add's values: 1..queueBatchMax strings, each within the value limit. */
export function batchValues(values: unknown): string[] {
  if (!Array.isArray(values)) throw BadRequest('values must be an array of strings');
  assertBatchSize(values.length, 'values');
  values.forEach((value: unknown, i) => {
    if (typeof value !== 'string') throw BadRequest(`values[${i}] is not a string`);
    assertValueSize(value, `values[${i}]: `);
  });
  return values as string[];
}

function assertValueSize(value: string, where = ''): void {
  if (Buffer.byteLength(value) > Limits.queueValueMaxBytes) {
    throw BadRequest(`${where}a value is at most ${Limits.queueValueMaxBytes} bytes`);
  }
}

function assertTtl(ttl: number): void {
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > Limits.queueTtlMaxSeconds) {
    throw BadRequest(`ttl must be whole seconds, 1-${Limits.queueTtlMaxSeconds}`);
  }
}

function assertLease(leaseSeconds: number | undefined): void {
  if (
    leaseSeconds !== undefined &&
    (!Number.isInteger(leaseSeconds) ||
      leaseSeconds < 1 ||
      leaseSeconds > Limits.queueLeaseMaxSeconds)
  ) {
    throw BadRequest(`lease must be whole seconds, 1-${Limits.queueLeaseMaxSeconds}`);
  }
}

export function assertQueueName(queue: string): void {
  if (!Limits.queueNamePattern.test(queue)) {
    throw BadRequest('queue names are 1-64 letters, digits, _ . or -');
  }
}

function toMessage(queue: string, item: QueueItem): QueueMessage {
  const message: QueueMessage = { key: `${queue}:${item.n}`, value: item.value, count: item.count };
  if (item.leaseUntil) message.leaseUntil = item.leaseUntil;
  return message;
}

function info(queue: string, state: QueueState): QueueInfo {
  return {
    queue,
    len: state.waiting,
    status: state.meta.status === '0' ? 0 : 1,
    policy: (state.meta.policy as QueuePolicy | undefined) ?? DEFAULT_POLICY,
  };
}

/**
 * Queues under /mq, RestMQ's model in a namespace per account: FIFO add/take, soft get, the
 * queue list, status and policy; plus leases (at-least-once), ttl, and a length cap.
 */
@Injectable()
export class QueuesService {
  private readonly maxLength: number;

  constructor(
    private readonly queues: QueuesRepository,
    @Inject(PARLEY_CONFIG) config: ParleyConfig,
  ) {
    this.maxLength = config.limits.queueLength;
  }

  /** Adds a value; its key. Nothing is stored when the value or the queue is too large. */
  async add(userId: string, queue: string, value: string, ttlSeconds?: number): Promise<string> {
    assertQueueName(queue);
    assertValueSize(value);
    const ttl = ttlSeconds ?? 0;
    assertTtl(ttl);
    const result = await this.queues.add(userId, queue, value, ttl * 1000, this.maxLength);
    if (result.status === 'full') throw Conflict(`queue is full (${this.maxLength} messages)`);
    return `${queue}:${result.n}`;
  }

  /**
   * Adds 1..queueBatchMax values in order, all or none (a Parley extension): their keys. Nothing
   * is stored when any value is bad or the queue cannot hold them all.
   */
  async addMany(
    userId: string,
    queue: string,
    values: unknown,
    ttlSeconds?: number,
  ): Promise<string[]> {
    assertQueueName(queue);
    const checked = batchValues(values);
    const ttl = ttlSeconds ?? 0;
    assertTtl(ttl);
    const result = await this.queues.addMany(userId, queue, checked, ttl * 1000, this.maxLength);
    if (result.status === 'full') {
      throw Conflict(`queue is full (${this.maxLength} messages): none of the values was added`);
    }
    return checked.map((_, i) => `${queue}:${result.first + i}`);
  }

  /** Up to `max` hard (or leased) gets in one step, oldest first; empty when nothing waits. */
  async takeMany(
    userId: string,
    queue: string,
    max: number,
    leaseSeconds?: number,
  ): Promise<QueueMessage[]> {
    assertQueueName(queue);
    assertBatchSize(max, 'n');
    assertLease(leaseSeconds);
    const items = await this.queues.takeMany(userId, queue, max, (leaseSeconds ?? 0) * 1000);
    return items.map((item) => toMessage(queue, item));
  }

  /** Up to `max` soft gets in one step: the oldest messages, left in place, their reads counted. */
  async peekMany(userId: string, queue: string, max: number): Promise<QueueMessage[]> {
    assertQueueName(queue);
    assertBatchSize(max, 'n');
    const items = await this.queues.peekMany(userId, queue, max);
    return items.map((item) => toMessage(queue, item));
  }

  /** Acks 1..queueBatchMax leased messages; how many were still leased. Any bad key: a 400. */
  async ackMany(userId: string, queue: string, keys: unknown): Promise<number> {
    assertQueueName(queue);
    if (!Array.isArray(keys)) throw BadRequest('keys must be an array of message keys');
    assertBatchSize(keys.length, 'keys');
    const ns = keys.map((key: unknown, i) => {
      const n = typeof key === 'string' ? this.numberIn(queue, key) : null;
      if (n === null) throw BadRequest(`keys[${i}] is not a key of queue ${queue}`);
      return n;
    });
    return this.queues.ackMany(userId, queue, ns);
  }

  /** Hard get, or with `leaseSeconds` an at-least-once get; null when nothing is waiting. */
  async take(userId: string, queue: string, leaseSeconds?: number): Promise<QueueMessage | null> {
    assertQueueName(queue);
    assertLease(leaseSeconds);
    const item = await this.queues.take(userId, queue, (leaseSeconds ?? 0) * 1000);
    return item && toMessage(queue, item);
  }

  /** Soft get: the head, left in place, its read counted. */
  async peek(userId: string, queue: string): Promise<QueueMessage | null> {
    assertQueueName(queue);
    const item = await this.queues.peek(userId, queue);
    return item && toMessage(queue, item);
  }

  /** Acks a leased message; false when it is not leased (unknown key, or already redelivered). */
  async ack(userId: string, queue: string, key: string): Promise<boolean> {
    const n = this.numberIn(queue, key);
    return n !== null && this.queues.ack(userId, queue, n);
  }

  /** Deletes one message, waiting or leased; false when there is none with this key. */
  async deleteOne(userId: string, queue: string, key: string): Promise<boolean> {
    const n = this.numberIn(queue, key);
    return n !== null && this.queues.deleteOne(userId, queue, n);
  }

  async list(userId: string): Promise<QueueInfo[]> {
    return Promise.all((await this.queues.names(userId)).map((q) => this.info(userId, q)));
  }

  async info(userId: string, queue: string): Promise<QueueInfo> {
    assertQueueName(queue);
    return info(queue, await this.queues.state(userId, queue));
  }

  async stats(userId: string, queue: string): Promise<QueueStats> {
    assertQueueName(queue);
    const state = await this.queues.state(userId, queue);
    const metrics = Object.fromEntries(
      METRICS.map((m) => [m, Number(state.meta[m] ?? 0)]),
    ) as QueueStats['metrics'];
    return { ...info(queue, state), leased: state.leased, metrics };
  }

  /** Deletes the queue; how many messages it held. */
  async purge(userId: string, queue: string): Promise<number> {
    assertQueueName(queue);
    return this.queues.purge(userId, queue);
  }

  async policy(userId: string, queue: string): Promise<QueuePolicy> {
    assertQueueName(queue);
    return (
      ((await this.queues.getMeta(userId, queue, 'policy')) as QueuePolicy | null) ?? DEFAULT_POLICY
    );
  }

  async setPolicy(userId: string, queue: string, policy: unknown): Promise<QueuePolicy> {
    assertQueueName(queue);
    if (!QUEUE_POLICIES.includes(policy as QueuePolicy)) {
      throw BadRequest('policy must be "broadcast" or "roundrobin"');
    }
    await this.queues.setMeta(userId, queue, 'policy', policy as QueuePolicy);
    return policy as QueuePolicy;
  }

  async status(userId: string, queue: string): Promise<1 | 0> {
    assertQueueName(queue);
    return (await this.queues.getMeta(userId, queue, 'status')) === '0' ? 0 : 1;
  }

  async setStatus(userId: string, queue: string, status: unknown): Promise<1 | 0> {
    assertQueueName(queue);
    if (status !== 'start' && status !== 'stop')
      throw BadRequest('status must be "start" or "stop"');
    const value = status === 'start' ? 1 : 0;
    await this.queues.setMeta(userId, queue, 'status', String(value));
    return value;
  }

  private numberIn(queue: string, key: string): number | null {
    assertQueueName(queue);
    const prefix = `${queue}:`;
    if (!key.startsWith(prefix)) return null;
    const digits = key.slice(prefix.length);
    return /^[1-9]\d{0,15}$/.test(digits) ? Number(digits) : null;
  }
}
