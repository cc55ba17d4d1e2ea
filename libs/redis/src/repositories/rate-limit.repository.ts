import { Inject, Injectable } from '@nestjs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '../redis.constants';
import { RedisKeys } from '../redis-keys';
import { RATE_HIT } from '../scripts/lua';

export interface RateDecision {
  allowed: boolean;
  retryAfterMs: number;
}

type HitScript = (key: string, windowMs: number, limit: number) => Promise<number>;

/**
 * Rate-limit counters in Redis, so limits hold across API and gateway replicas.
 * The auth throttler (per IP) uses the throttler library's storage through @nestjs/throttler.
 * Message sends count with a one-command fixed window (the per-message hot path, where the
 * library's script cost several times more Redis CPU in the benchmark). Login failures need a
 * counter that can be read without counting (a blocked name must not even reach bcrypt).
 */
@Injectable()
export class RateLimitRepository {
  readonly storage: ThrottlerStorageRedisService;

  private readonly hitScript: HitScript;

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {
    this.storage = new ThrottlerStorageRedisService(redis);
    redis.defineCommand('parleyRateHit', { numberOfKeys: 1, lua: RATE_HIT });
    this.hitScript = (redis as unknown as { parleyRateHit: HitScript }).parleyRateHit.bind(redis);
  }

  /** Counts one hit in a fixed window; refuses once `limit` is exceeded until the window ends. */
  async hit(
    scope: string,
    subject: string,
    limit: number,
    windowMs: number,
  ): Promise<RateDecision> {
    const waitMs = Number(
      await this.hitScript(RedisKeys.rateLimit(scope, subject), windowMs, limit),
    );
    return waitMs > 0
      ? { allowed: false, retryAfterMs: waitMs }
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
