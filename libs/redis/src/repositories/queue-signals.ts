import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '../redis.constants';
import { logRedisErrors, pubSubOptions } from '../redis-connection';
import { RedisKeys } from '../redis-keys';

type Handler = (payload: string) => void;

/**
 * Pub/Sub beside the queues: "a message was added" (published by the add script itself) and
 * broadcast deliveries, heard by every API process. The subscriber connection opens with the
 * first listener, so processes without queue consumers hold none.
 */
@Injectable()
export class QueueSignals implements OnApplicationShutdown {
  private readonly logger = new Logger('QueueSignals');
  private sub: Redis | null = null;
  private readonly handlers = new Map<string, Set<Handler>>();

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
  ) {}

  channels(userId: string, queue: string) {
    const { wake, broadcast } = RedisKeys.queue(userId, queue);
    return { wake, broadcast };
  }

  async publish(channel: string, payload: string): Promise<void> {
    await this.redis.publish(channel, payload);
  }

  /** Listens on `channel` until the returned function is called; resolves once subscribed. */
  async listen(channel: string, handler: Handler): Promise<() => void> {
    const sub = this.subscriber();
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(handler);
    if (set.size === 1) await sub.subscribe(channel);
    return () => {
      const current = this.handlers.get(channel);
      if (!current?.delete(handler) || current.size > 0) return;
      this.handlers.delete(channel);
      sub.unsubscribe(channel).catch(() => undefined);
    };
  }

  onApplicationShutdown(): void {
    this.sub?.disconnect();
  }

  private subscriber(): Redis {
    if (this.sub) return this.sub;
    const sub = new Redis(pubSubOptions(this.config.redis));
    logRedisErrors(sub, this.logger, 'queue signals');
    sub.on('message', (channel: string, payload: string) => {
      for (const handler of this.handlers.get(channel) ?? []) handler(payload);
    });
    this.sub = sub;
    return sub;
  }
}
