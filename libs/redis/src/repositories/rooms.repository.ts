import { Inject, Injectable } from '@nestjs/common';
import type { RoomRole } from '@app/contracts';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '../redis.constants';
import { directoryEntry, pageByName } from './name-index';
import { RedisKeys } from '../redis-keys';
import { defineScript } from '../scripts/define-script';
import {
  DM_CREATE,
  ROOM_ACCESS,
  ROOM_ADD_MEMBER,
  ROOM_CLAIM_NAME,
  ROOM_CREATE,
  ROOM_RELEASE_NAME,
  ROOM_REMOVE_MEMBER,
  ROOM_SET_ROLE,
} from '../scripts/rooms.lua';

export type GroupKind = 'public' | 'private';

/** A room's stored record; General has none (it is everyone's). */
export type RoomRecord =
  | { id: string; kind: 'dm'; members: [string, string]; created: number }
  | {
      id: string;
      kind: GroupKind;
      name: string;
      topic: string;
      createdBy: string;
      created: number;
    };

export interface RoomAccess {
  /** null: no such room. */
  kind: RoomRecord['kind'] | null;
  /** null: not a member. */
  role: RoomRole | null;
  lastSeq: number;
}

export type AddResult =
  | { status: 'added'; memberCount: number }
  | { status: 'already'; role: RoomRole }
  | { status: 'not_found' | 'fixed' | 'private' | 'not_member' | 'not_admin' };
export type RemoveResult =
  | { status: 'removed'; memberCount: number }
  | { status: 'not_found' | 'fixed' | 'not_member' | 'actor_not_member' | 'not_admin' | 'owner' };
export type SetRoleResult =
  | { status: 'ok'; previous: RoomRole }
  | { status: 'not_found' | 'fixed' | 'not_owner' | 'not_member' };

type Script = (...args: (string | number)[]) => Promise<unknown>;

/**
 * Rooms: records, membership and roles (one room's keys share its hash tag, so every rule is
 * checked in the Lua step that applies it), the per-user room index, and the public directory.
 * The per-user index lives in another slot; it is written after the room side and is what a
 * gateway reads at connect.
 */
@Injectable()
export class RoomsRepository {
  private readonly scripts: Record<
    'create' | 'add' | 'remove' | 'setRole' | 'access' | 'dm' | 'claim' | 'release',
    Script
  >;

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {
    const define = (name: string, lua: string, keys: number) =>
      defineScript<Script>(redis, name, keys, lua);
    this.scripts = {
      create: define('parleyRoomCreate', ROOM_CREATE, 3),
      add: define('parleyRoomAddMember', ROOM_ADD_MEMBER, 3),
      remove: define('parleyRoomRemoveMember', ROOM_REMOVE_MEMBER, 3),
      setRole: define('parleyRoomSetRole', ROOM_SET_ROLE, 3),
      access: define('parleyRoomAccess', ROOM_ACCESS, 4),
      dm: define('parleyDmCreate', DM_CREATE, 1),
      claim: define('parleyRoomClaimName', ROOM_CLAIM_NAME, 1),
      release: define('parleyRoomReleaseName', ROOM_RELEASE_NAME, 1),
    };
  }

  private roomKeys(roomId: string): [string, string, string] {
    return [RedisKeys.room(roomId), RedisKeys.roomMembers(roomId), RedisKeys.roomRoles(roomId)];
  }

  /**
   * Creates the DM record if it is new and (re)adds it to both users' room sets, so a
   * repeated call also repairs a half-finished earlier one. Returns true when it was created now.
   */
  async createDm(roomId: string, memberIds: [string, string]): Promise<boolean> {
    const created = await this.scripts.dm(RedisKeys.room(roomId), memberIds.join(','), Date.now());
    // Separate commands, not one pipeline: the keys live in different cluster slots.
    await Promise.all(memberIds.map((id) => this.indexAdd(id, roomId)));
    return created === 1;
  }

  async createGroup(record: Extract<RoomRecord, { kind: GroupKind }>): Promise<void> {
    await this.scripts.create(
      ...this.roomKeys(record.id),
      record.kind,
      record.name,
      record.topic,
      record.createdBy,
      record.created,
    );
    await this.indexAdd(record.createdBy, record.id);
  }

  async find(roomId: string): Promise<RoomRecord | null> {
    const h = await this.redis.hgetall(RedisKeys.room(roomId));
    return toRecord(roomId, h);
  }

  /** Records of several rooms (unknown ones left out), in one round trip per slot. */
  async findMany(roomIds: readonly string[]): Promise<RoomRecord[]> {
    const hashes = await Promise.all(roomIds.map((id) => this.redis.hgetall(RedisKeys.room(id))));
    return hashes.flatMap((h, i) => toRecord(roomIds[i], h) ?? []);
  }

  /** Kind, the user's role and the newest seq in one step. Redis errors propagate. */
  async access(roomId: string, userId: string): Promise<RoomAccess> {
    const [kind, role, lastSeq] = (await this.scripts.access(
      ...this.roomKeys(roomId),
      RedisKeys.roomSeq(roomId),
      userId,
    )) as [RoomRecord['kind'] | null, RoomRole | null, number];
    return { kind: kind || null, role: role || null, lastSeq: Number(lastSeq) };
  }

  async add(mode: 'join' | 'add', roomId: string, actorId: string, userId: string) {
    const [status, extra] = (await this.scripts.add(
      ...this.roomKeys(roomId),
      mode,
      actorId,
      userId,
    )) as [AddResult['status'], (number | string)?];
    if (status === 'added' || status === 'already') await this.indexAdd(userId, roomId);
    if (status === 'added') return { status, memberCount: Number(extra) } as AddResult;
    if (status === 'already') return { status, role: extra as RoomRole } as AddResult;
    return { status } as AddResult;
  }

  async remove(
    mode: 'leave' | 'kick',
    roomId: string,
    actorId: string,
    userId: string,
  ): Promise<RemoveResult> {
    const [status, extra] = (await this.scripts.remove(
      ...this.roomKeys(roomId),
      mode,
      actorId,
      userId,
    )) as [RemoveResult['status'], number?];
    if (status === 'removed' || status === 'not_member') await this.indexRemove(userId, roomId);
    if (status === 'removed') return { status, memberCount: Number(extra) };
    return { status };
  }

  async setRole(
    roomId: string,
    actorId: string,
    userId: string,
    role: RoomRole,
  ): Promise<SetRoleResult> {
    const [status, previous] = (await this.scripts.setRole(
      ...this.roomKeys(roomId),
      actorId,
      userId,
      role,
    )) as [SetRoleResult['status'], RoomRole?];
    if (status === 'ok') return { status, previous: previous! };
    return { status };
  }

  async updateFields(roomId: string, fields: { name?: string; topic?: string }): Promise<void> {
    const pairs = Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined);
    if (pairs.length > 0) await this.redis.hset(RedisKeys.room(roomId), Object.fromEntries(pairs));
  }

  async memberCount(roomId: string): Promise<number> {
    return this.redis.zcard(RedisKeys.roomMembers(roomId));
  }

  async roleOf(roomId: string, userId: string): Promise<RoomRole | null> {
    return (await this.redis.hget(RedisKeys.roomRoles(roomId), userId)) as RoomRole | null;
  }

  /** Member ids after `after` (exclusive; '' for the start) in a stable order, with roles. */
  async members(
    roomId: string,
    after: string,
    limit: number,
  ): Promise<{ members: { userId: string; role: RoomRole }[]; more: boolean }> {
    const ids = await this.redis.zrangebylex(
      RedisKeys.roomMembers(roomId),
      after ? `(${after}` : '-',
      '+',
      'LIMIT',
      0,
      limit + 1,
    );
    const page = ids.slice(0, limit);
    const roles = page.length
      ? ((await this.redis.hmget(RedisKeys.roomRoles(roomId), ...page)) as (RoomRole | null)[])
      : [];
    return {
      // A member removed between the two reads has no role any more: left out.
      members: page.flatMap((userId, i) => (roles[i] ? [{ userId, role: roles[i] }] : [])),
      more: ids.length > limit,
    };
  }

  /** Ids of the user's rooms (DMs and group rooms; General is implicit for everyone). */
  async roomIdsOf(userId: string): Promise<string[]> {
    return this.redis.smembers(RedisKeys.userRooms(userId));
  }

  /** The newest seq of each room, in one round trip per slot. */
  async lastSeqs(roomIds: readonly string[]): Promise<number[]> {
    const values = await Promise.all(roomIds.map((id) => this.redis.get(RedisKeys.roomSeq(id))));
    return values.map((v) => Number(v ?? 0));
  }

  async memberCounts(roomIds: readonly string[]): Promise<number[]> {
    return Promise.all(roomIds.map((id) => this.memberCount(id)));
  }

  async rolesOf(userId: string, roomIds: readonly string[]): Promise<(RoomRole | null)[]> {
    return Promise.all(roomIds.map((id) => this.roleOf(id, userId)));
  }

  /**
   * Claims a public name for a room: true when the room holds it now. A name still held by a
   * room that no longer exists (a create that died half-way) is taken over.
   */
  async claimName(name: string, roomId: string): Promise<boolean> {
    const key = name.toLowerCase();
    let holder = (await this.scripts.claim(RedisKeys.roomNames(), key, roomId, '')) as string;
    if (holder === roomId) return true;
    const other = await this.find(holder);
    if (other && other.kind === 'public' && other.name.toLowerCase() === key) return false;
    holder = (await this.scripts.claim(RedisKeys.roomNames(), key, roomId, holder)) as string;
    return holder === roomId;
  }

  async releaseName(name: string, roomId: string): Promise<void> {
    await this.scripts.release(RedisKeys.roomNames(), name.toLowerCase(), roomId);
  }

  async listInDirectory(name: string, roomId: string): Promise<void> {
    await this.redis.zadd(RedisKeys.roomDirectory(), 0, directoryEntry(name, roomId));
  }

  async unlistFromDirectory(name: string, roomId: string): Promise<void> {
    await this.redis.zrem(RedisKeys.roomDirectory(), directoryEntry(name, roomId));
  }

  /** Public room ids by name: a case-insensitive prefix, after a cursor (an entry). */
  async directory(
    prefix: string,
    after: string | null,
    limit: number,
  ): Promise<{ ids: string[]; last: string | null; more: boolean }> {
    return pageByName(this.redis, RedisKeys.roomDirectory(), prefix, after, limit);
  }

  private async indexAdd(userId: string, roomId: string): Promise<void> {
    await this.redis.sadd(RedisKeys.userRooms(userId), roomId);
  }

  private async indexRemove(userId: string, roomId: string): Promise<void> {
    await this.redis.srem(RedisKeys.userRooms(userId), roomId);
  }
}

function toRecord(id: string, h: Record<string, string>): RoomRecord | null {
  if (!h.kind) return null;
  const created = Number(h.created ?? 0);
  if (h.kind === 'dm') {
    const [a, b] = (h.members ?? '').split(',');
    return { id, kind: 'dm', members: [a, b], created };
  }
  return {
    id,
    kind: h.kind as GroupKind,
    name: h.name ?? '',
    topic: h.topic ?? '',
    createdBy: h.createdBy ?? '',
    created,
  };
}
