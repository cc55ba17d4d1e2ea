import { Inject, Injectable } from '@nestjs/common';
import type { ThrottlerModuleOptions, ThrottlerOptionsFactory } from '@nestjs/throttler';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { RateLimitRepository, RedisKeys } from '@app/redis';
import { RateLimitedException } from '../errors/domain-error';
import { LeasedRateLimiter } from './leased-rate-limiter';

/**
 * Per-request limits of the HTTP transport whose counters live in Redis, shared by every API
 * replica. They are here so that the apps reach no repository and no key name directly.
 */

/** The per-IP limit on register/login attempts: the options of @nestjs/throttler's module. */
@Injectable()
export class AuthThrottling implements ThrottlerOptionsFactory {
  constructor(
    private readonly limits: RateLimitRepository,
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
  ) {}

  createThrottlerOptions(): ThrottlerModuleOptions {
    return {
      throttlers: [{ ttl: 60_000, limit: this.config.limits.authPerMinute }],
      storage: this.limits.storage,
      generateKey: (_ctx, tracker) => RedisKeys.rateLimit('auth', tracker),
    };
  }
}

/**
 * LIMIT_READS_PER_MINUTE per user. Hits are taken from Redis in leases (LeasedRateLimiter), so
 * the history hot path rarely waits for Redis.
 */
@Injectable()
export class ReadRateLimiter {
  private readonly limiter: LeasedRateLimiter;

  constructor(limits: RateLimitRepository, @Inject(PARLEY_CONFIG) config: ParleyConfig) {
    this.limiter = new LeasedRateLimiter(limits, 'read', config.limits.readsPerMinute, 60_000);
  }

  /** Counts one read; a RateLimitedException once the user's window is full. */
  async hit(userId: string): Promise<void> {
    const decision = await this.limiter.hit(userId);
    if (!decision.allowed) throw new RateLimitedException(decision.retryAfterMs, 'Too many reads');
  }
}
