import { Inject, Injectable } from '@nestjs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '../redis.constants';
import { RedisKeys } from '../redis-keys';
import { defineScript } from '../scripts/define-script';
import { RATE_LEASE } from '../scripts/lua';
import { LOGIN_RESERVE, LOGIN_SUCCEEDED } from '../scripts/login.lua';

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

export interface LoginLimits {
  /** Attempts per name from one client in a window; then the client is blocked (growing). */
  perClient: number;
  /** Attempts per name from all untrusted clients together in a window; 0: not counted. */
  perName: number;
  windowMs: number;
  /** The longest a client is blocked, and how long its record is kept. */
  maxBlockMs: number;
}

type LoginReserveScript = (
  clientKey: string,
  nameKey: string,
  perClient: number,
  perName: number,
  windowMs: number,
  maxBlockMs: number,
  memoryMs: number,
) => Promise<number>;

type LoginSucceededScript = (
  clientKey: string,
  nameKey: string,
  counted: string,
) => Promise<number>;

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
 * benchmark, and even one call per message was a third of the Redis calls). Login attempts are
 * reserved before bcrypt runs, so the check and the count are one step.
 */
@Injectable()
export class RateLimitRepository {
  readonly storage: ThrottlerStorageRedisService;

  private readonly leaseScript: LeaseScript;
  private readonly loginReserveScript: LoginReserveScript;
  private readonly loginSucceededScript: LoginSucceededScript;

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {
    this.storage = new ThrottlerStorageRedisService(redis);
    this.leaseScript = defineScript<LeaseScript>(redis, 'parleyRateLease', 1, RATE_LEASE);
    this.loginReserveScript = defineScript<LoginReserveScript>(
      redis,
      'parleyLoginReserve',
      2,
      LOGIN_RESERVE,
    );
    this.loginSucceededScript = defineScript<LoginSucceededScript>(
      redis,
      'parleyLoginSucceeded',
      2,
      LOGIN_SUCCEEDED,
    );
  }

  /**
   * Takes one login attempt for `name` from `client` before the password is checked (see
   * LOGIN_RESERVE). Returns 0 when taken, else the ms until the client may try again.
   */
  async reserveLogin(name: string, client: string, limits: LoginLimits): Promise<number> {
    return Number(
      await this.loginReserveScript(
        RedisKeys.loginFailuresFrom(name, client),
        RedisKeys.loginFailures(name),
        limits.perClient,
        limits.perName,
        limits.windowMs,
        limits.maxBlockMs,
        limits.maxBlockMs,
      ),
    );
  }

  /** A successful login forgives its client's failures and frees its slot of the name's count. */
  async loginSucceeded(name: string, client: string, countedForName: boolean): Promise<void> {
    await this.loginSucceededScript(
      RedisKeys.loginFailuresFrom(name, client),
      RedisKeys.loginFailures(name),
      countedForName ? '1' : '0',
    );
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
}
