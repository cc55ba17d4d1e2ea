import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '../redis.constants';
import { RedisKeys } from '../redis-keys';

export type StoredSetting = 'online' | 'away' | 'dnd' | 'invisible';

/** A user's own status setting, and when others last saw them go offline (ms, or null). */
export interface StatusRecord {
  setting: StoredSetting;
  text: string;
  seenAt: number | null;
}

/**
 * Status settings and "last seen" in two hashes beside the profiles (same {users} tag): reading
 * any number of users is one pipelined pair of HMGETs, and the setting and the time are written
 * independently (a sweep marking "seen" never overwrites a status set at the same moment).
 */
@Injectable()
export class StatusRepository {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  async findMany(ids: readonly string[]): Promise<StatusRecord[]> {
    if (ids.length === 0) return [];
    const [settings, seen] = await Promise.all([
      this.redis.hmget(RedisKeys.userStatuses(), ...ids),
      this.redis.hmget(RedisKeys.userLastSeen(), ...ids),
    ]);
    return ids.map((_, i) => ({ ...parseSetting(settings[i]), seenAt: toMs(seen[i]) }));
  }

  async find(id: string): Promise<StatusRecord> {
    const [record] = await this.findMany([id]);
    return record;
  }

  async saveSetting(id: string, setting: StoredSetting, text: string): Promise<void> {
    await this.redis.hset(RedisKeys.userStatuses(), id, JSON.stringify({ s: setting, t: text }));
  }

  async markSeen(ids: readonly string[], at: number): Promise<void> {
    if (ids.length === 0) return;
    await this.redis.hset(RedisKeys.userLastSeen(), ...ids.flatMap((id) => [id, String(at)]));
  }
}

function parseSetting(raw: string | null): { setting: StoredSetting; text: string } {
  if (!raw) return { setting: 'online', text: '' };
  try {
    const stored = JSON.parse(raw) as { s?: StoredSetting; t?: string };
    return { setting: stored.s ?? 'online', text: stored.t ?? '' };
  } catch {
    return { setting: 'online', text: '' };
  }
}

function toMs(raw: string | null): number | null {
  const n = Number(raw);
  return raw !== null && Number.isFinite(n) ? n : null;
}
