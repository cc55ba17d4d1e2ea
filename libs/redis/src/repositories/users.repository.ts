import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '../redis.constants';
import { RedisKeys } from '../redis-keys';
import { defineScript } from '../scripts/define-script';
import { HASH_FIELD_CAS, REGISTER_USER } from '../scripts/lua';
import { directoryEntry, pageByName } from './name-index';

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
  skeletonsKey: string,
  lowerName: string,
  profile: string,
  skeleton: string,
) => Promise<number | null>;

/** create()'s answer when the name looks like the name of an existing account. */
export const LOOKALIKE = 'lookalike';

/** Usernames are unique ignoring case; the index key is the lower-cased name. */
export const usernameKey = (username: string) => username.toLowerCase();

@Injectable()
export class UsersRepository {
  private readonly register: RegisterCommand;
  private readonly cas: CasCommand;

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {
    this.register = defineScript<RegisterCommand>(redis, 'parleyRegisterUser', 4, REGISTER_USER);
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
    const created = await this.createDistinct(username, passwordHash, '');
    return created === LOOKALIKE ? null : created;
  }

  /**
   * create(), refusing also a name whose `skeleton` (its look-alike key) belongs to an existing
   * account: then LOOKALIKE. Both checks and the writes are one step (REGISTER_USER).
   */
  async createDistinct(
    username: string,
    passwordHash: string,
    skeleton: string,
  ): Promise<UserRecord | null | typeof LOOKALIKE> {
    const createdAt = Date.now();
    const profile: StoredProfile = { u: username, h: passwordHash, c: createdAt };
    const id = await this.register(
      RedisKeys.userSeq(),
      RedisKeys.usernames(),
      RedisKeys.profiles(),
      RedisKeys.usernameSkeletons(),
      usernameKey(username),
      JSON.stringify(profile),
      skeleton,
    );
    if (id === null || id === undefined) return null;
    if (id === -1) return LOOKALIKE;
    // The search index is written after the account; a crash in between is repaired at boot.
    await this.redis.zadd(RedisKeys.usersByName(), 0, directoryEntry(username, String(id)));
    return { id: String(id), username, passwordHash, createdAt };
  }

  /**
   * Records the look-alike key of an account made before keys were kept, unless the key is
   * someone's already (one call; cheap enough for every successful login).
   */
  async rememberSkeleton(id: string, skeleton: string): Promise<void> {
    await this.redis.hsetnx(RedisKeys.usernameSkeletons(), skeleton, id);
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

  /** User ids by username: a case-insensitive prefix, after a cursor (an index entry). */
  async searchByName(
    prefix: string,
    after: string | null,
    limit: number,
  ): Promise<{ ids: string[]; last: string | null; more: boolean }> {
    return pageByName(this.redis, RedisKeys.usersByName(), prefix, after, limit);
  }

  async count(): Promise<number> {
    return this.redis.hlen(RedisKeys.profiles());
  }

  /**
   * Adds every account missing from the search index (accounts made before the index existed,
   * or a registration that died between its two writes). Reads the profiles in pages.
   */
  async repairNameIndex(): Promise<number> {
    if ((await this.redis.zcard(RedisKeys.usersByName())) >= (await this.count())) return 0;
    let cursor = '0';
    let added = 0;
    do {
      const [next, flat] = await this.redis.hscan(RedisKeys.profiles(), cursor, 'COUNT', 500);
      cursor = next;
      const args: (string | number)[] = [];
      for (let i = 0; i < flat.length; i += 2) {
        args.push(0, directoryEntry(toRecord(flat[i], flat[i + 1]).username, flat[i]));
      }
      if (args.length) added += await this.redis.zadd(RedisKeys.usersByName(), ...args);
    } while (cursor !== '0');
    return added;
  }
}

function toRecord(id: string, raw: string): UserRecord {
  const p = JSON.parse(raw) as StoredProfile;
  return { id, username: p.u, passwordHash: p.h, createdAt: p.c };
}
