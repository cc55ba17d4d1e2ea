import { Inject, Injectable } from '@nestjs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '../redis.constants';
import { RedisKeys } from '../redis-keys';

export interface RateDecision {
  allowed: boolean;
  retryAfterMs: number;
}

/**
 * Rate-limit counters in Redis, so limits hold across API and gateway replicas.
 * Windows that count every hit use the throttler library's storage; login failures need a
 * counter that can be read without counting (a blocked name must not even reach bcrypt).
 */
@Injectable()
export class RateLimitRepository {
  readonly storage: ThrottlerStorageRedisService;

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {
    this.storage = new ThrottlerStorageRedisService(redis);
  }

  /** Counts one hit in a fixed window; refuses once `limit` is exceeded until the window ends. */
  async hit(
    scope: string,
    subject: string,
    limit: number,
    windowMs: number,
  ): Promise<RateDecision> {
    const r = await this.storage.increment(
      RedisKeys.rateLimit(scope, subject),
      windowMs,
      limit,
      windowMs,
      scope,
    );
    return r.isBlocked
      ? { allowed: false, retryAfterMs: Math.max(1, r.timeToBlockExpire) * 1000 }
      : { allowed: true, retryAfterMs: 0 };
  }

  /** Remaining lifetime of a failure counter that has reached `limit`, else 0. */
  async failureBlockMs(scope: string, subject: string, limit: number): Promise<number> {
    const key = RedisKeys.rateLimit(scope, subject);
    const [[, count], [, ttl]] = ((await this.redis.multi().get(key).pttl(key).exec()) ?? []) as [
      [Error | null, string | null],
      [Error | null, number],
    ];
    return Number(count ?? 0) >= limit ? Math.max(ttl, 1) : 0;
  }

  async recordFailure(scope: string, subject: string, windowSeconds: number): Promise<void> {
    const key = RedisKeys.rateLimit(scope, subject);
    await this.redis.multi().incr(key).expire(key, windowSeconds, 'NX').exec();
  }

  async clearFailures(scope: string, subject: string): Promise<void> {
    await this.redis.del(RedisKeys.rateLimit(scope, subject));
  }
}
