import { Inject, Injectable } from '@nestjs/common';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { RedisStore } from 'connect-redis';
import type { SessionData } from 'express-session';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '../redis.constants';
import { RedisKeys } from '../redis-keys';

declare module 'express-session' {
  interface SessionData {
    userId?: string;
    username?: string;
  }
}

/**
 * Server-side sessions: the connect-redis store used by express-session in the API, readable by
 * the gateways for the handshake, plus a per-user index of session ids so every session of a user
 * can be found and revoked.
 */
@Injectable()
export class SessionsRepository {
  readonly store: RedisStore;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(PARLEY_CONFIG) config: ParleyConfig,
  ) {
    this.store = new RedisStore({
      client: redis,
      prefix: RedisKeys.sessionPrefix(),
      ttl: config.session.ttlSeconds,
      disableTouch: true,
    });
  }

  async get(sessionId: string): Promise<SessionData | null> {
    const data = (await this.store.get(sessionId)) as SessionData | null | undefined;
    return data ?? null;
  }

  /** Stores a session in express-session's shape; its TTL follows `cookie.expires`. */
  async save(sessionId: string, data: SessionData): Promise<void> {
    await this.store.set(sessionId, data);
  }

  async track(userId: string, sessionId: string): Promise<void> {
    await this.redis.sadd(RedisKeys.userSessions(userId), sessionId);
  }

  async untrack(userId: string, sessionId: string): Promise<void> {
    await this.redis.srem(RedisKeys.userSessions(userId), sessionId);
  }

  async destroy(sessionId: string): Promise<void> {
    await this.store.destroy(sessionId);
  }

  async sessionIdsOf(userId: string): Promise<string[]> {
    return this.redis.smembers(RedisKeys.userSessions(userId));
  }
}
