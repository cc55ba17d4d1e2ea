import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '../redis.constants';
import { RedisKeys } from '../redis-keys';

/** What the lookup by secret finds. */
export interface ApiTokenRecord {
  id: string;
  userId: string;
  username: string;
  name: string;
  scopes: string[];
  created: number;
  expiresAt: number | null;
}

/** The owner's listing entry: the record plus the hash that finds it. */
export interface ApiTokenEntry extends ApiTokenRecord {
  hash: string;
}

/**
 * API tokens: a record per token keyed by the hash of its secret (one GET per request), and a
 * per-user index for listing and revocation. The two live in different slots; revocation deletes
 * the record first, so a half-done revocation can leave a stale listing entry but never a live
 * token.
 */
@Injectable()
export class ApiTokensRepository {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  async find(hash: string): Promise<ApiTokenRecord | null> {
    const raw = await this.redis.get(RedisKeys.apiToken(hash));
    return raw ? (JSON.parse(raw) as ApiTokenRecord) : null;
  }

  async count(userId: string): Promise<number> {
    return this.redis.hlen(RedisKeys.userApiTokens(userId));
  }

  async save(entry: ApiTokenEntry): Promise<void> {
    const { hash, ...record } = entry;
    const key = RedisKeys.apiToken(hash);
    // Listed first: a token that works is always one its owner can see and revoke.
    await this.redis.hset(RedisKeys.userApiTokens(entry.userId), entry.id, JSON.stringify(entry));
    if (entry.expiresAt === null) await this.redis.set(key, JSON.stringify(record));
    else await this.redis.set(key, JSON.stringify(record), 'PXAT', entry.expiresAt);
  }

  async entry(userId: string, id: string): Promise<ApiTokenEntry | null> {
    const raw = await this.redis.hget(RedisKeys.userApiTokens(userId), id);
    return raw ? (JSON.parse(raw) as ApiTokenEntry) : null;
  }

  async list(userId: string): Promise<ApiTokenEntry[]> {
    const all = await this.redis.hvals(RedisKeys.userApiTokens(userId));
    return all.map((raw) => JSON.parse(raw) as ApiTokenEntry);
  }

  /** Removes the token; false when the user has no token with this id. */
  async remove(userId: string, id: string): Promise<boolean> {
    const raw = await this.redis.hget(RedisKeys.userApiTokens(userId), id);
    if (!raw) return false;
    await this.redis.del(RedisKeys.apiToken((JSON.parse(raw) as ApiTokenEntry).hash));
    await this.redis.hdel(RedisKeys.userApiTokens(userId), id);
    return true;
  }
}
