import { Inject, Injectable } from '@nestjs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '../redis.constants';
import { RedisKeys } from '../redis-keys';
import { defineScript } from '../scripts/define-script';
import { RATE_LEASE } from '../scripts/lua';

export interface RateDecision {
  allowed: boolean;
  retryAfterMs: number;
}

export interface RateLease {
  /** Hits taken from the window (0 when it is full). */
  granted: number;
  /** Until the window ends: when granted hits lapse, or when a full window opens again. */
  windowLeftMs: number;
}

type LeaseScript = (
  key: string,
  windowMs: number,
  limit: number,
  wanted: number,
) => Promise<[number, number]>;

/**
 * Rate-limit counters in Redis, so limits hold across API and gateway replicas.
 * The auth throttler (per IP) uses the throttler library's storage through @nestjs/throttler.
 * Message sends count in a fixed window that a process can take several hits from at once (the
 * per-message hot path, where the library's script cost several times more Redis CPU in the
 * benchmark, and even one call per message was a third of the Redis calls). Login attempts take
 * a hit before bcrypt runs, so the check and the count are one step.
 */
@Injectable()
export class RateLimitRepository {
  readonly storage: ThrottlerStorageRedisService;

  private readonly leaseScript: LeaseScript;

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {
    this.storage = new ThrottlerStorageRedisService(redis);
    this.leaseScript = defineScript<LeaseScript>(redis, 'parleyRateLease', 1, RATE_LEASE);
  }

  /** Counts one hit in a fixed window; refuses once `limit` is reached until the window ends. */
  async hit(
    scope: string,
    subject: string,
    limit: number,
    windowMs: number,
  ): Promise<RateDecision> {
    const { granted, windowLeftMs } = await this.lease(scope, subject, limit, windowMs, 1);
    return granted > 0
      ? { allowed: true, retryAfterMs: 0 }
      : { allowed: false, retryAfterMs: windowLeftMs };
  }

  /** Takes up to `wanted` hits from a fixed window at once; see LeasedRateLimiter. */
  async lease(
    scope: string,
    subject: string,
    limit: number,
    windowMs: number,
    wanted: number,
  ): Promise<RateLease> {
    const [granted, windowLeftMs] = await this.leaseScript(
      RedisKeys.rateLimit(scope, subject),
      windowMs,
      limit,
      wanted,
    );
    return { granted: Number(granted), windowLeftMs: Number(windowLeftMs) };
  }

  /** Empties a window (a successful login forgives the failures before it). */
  async clearFailures(scope: string, subject: string): Promise<void> {
    await this.redis.del(RedisKeys.rateLimit(scope, subject));
  }
}
