import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '../redis.constants';
import { RedisKeys } from '../redis-keys';
import { defineScript } from '../scripts/define-script';
import { HASH_FIELD_CAS, REGISTER_USER } from '../scripts/lua';

export interface UserRecord {
  id: string;
  username: string;
  passwordHash: string;
  createdAt: number;
}

interface StoredProfile {
  u: string;
  h: string;
  c: number;
}

type CasCommand = (key: string, field: string, expected: string, value: string) => Promise<number>;

type RegisterCommand = (
  seqKey: string,
  namesKey: string,
  profilesKey: string,
  lowerName: string,
  profile: string,
) => Promise<number | null>;

/** Usernames are unique ignoring case; the index key is the lower-cased name. */
export const usernameKey = (username: string) => username.toLowerCase();

@Injectable()
export class UsersRepository {
  private readonly register: RegisterCommand;
  private readonly cas: CasCommand;

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {
    this.register = defineScript<RegisterCommand>(redis, 'parleyRegisterUser', 3, REGISTER_USER);
    this.cas = defineScript<CasCommand>(redis, 'parleyHashFieldCas', 1, HASH_FIELD_CAS);
  }

  /**
   * Replaces the password hash of a user whose stored hash is still `expectedHash` (so two
   * concurrent changes cannot both win). False when the user is gone or the hash changed meanwhile.
   */
  async updatePasswordHash(
    id: string,
    expectedHash: string,
    passwordHash: string,
  ): Promise<boolean> {
    const raw = await this.redis.hget(RedisKeys.profiles(), id);
    if (!raw) return false;
    const profile = JSON.parse(raw) as StoredProfile;
    if (profile.h !== expectedHash) return false;
    const updated = JSON.stringify({ ...profile, h: passwordHash } satisfies StoredProfile);
    return (await this.cas(RedisKeys.profiles(), id, raw, updated)) === 1;
  }

  /** Returns the new user, or null when the name (ignoring case) is taken. */
  async create(username: string, passwordHash: string): Promise<UserRecord | null> {
    const createdAt = Date.now();
    const profile: StoredProfile = { u: username, h: passwordHash, c: createdAt };
    const id = await this.register(
      RedisKeys.userSeq(),
      RedisKeys.usernames(),
      RedisKeys.profiles(),
      usernameKey(username),
      JSON.stringify(profile),
    );
    if (id === null || id === undefined) return null;
    return { id: String(id), username, passwordHash, createdAt };
  }

  async findByUsername(username: string): Promise<UserRecord | null> {
    const id = await this.redis.hget(RedisKeys.usernames(), usernameKey(username));
    return id ? this.findById(id) : null;
  }

  async findById(id: string): Promise<UserRecord | null> {
    const raw = await this.redis.hget(RedisKeys.profiles(), id);
    return raw ? toRecord(id, raw) : null;
  }

  /** True while the account exists (a deleted user's sessions must not open sockets). */
  async exists(id: string): Promise<boolean> {
    return (await this.redis.hexists(RedisKeys.profiles(), id)) === 1;
  }

  /** One round trip for any number of ids; unknown ids are left out, order is kept. */
  async findMany(ids: readonly string[]): Promise<UserRecord[]> {
    if (ids.length === 0) return [];
    const raws = await this.redis.hmget(RedisKeys.profiles(), ...ids);
    const found: UserRecord[] = [];
    raws.forEach((raw, i) => {
      if (raw) found.push(toRecord(ids[i], raw));
    });
    return found;
  }

  /** All users, in id order. Fine for the user counts a chat deployment has per Redis. */
  async all(): Promise<UserRecord[]> {
    const entries = await this.redis.hgetall(RedisKeys.profiles());
    return Object.entries(entries)
      .map(([id, raw]) => toRecord(id, raw))
      .sort((a, b) => Number(a.id) - Number(b.id));
  }
}

function toRecord(id: string, raw: string): UserRecord {
  const p = JSON.parse(raw) as StoredProfile;
  return { id, username: p.u, passwordHash: p.h, createdAt: p.c };
}
