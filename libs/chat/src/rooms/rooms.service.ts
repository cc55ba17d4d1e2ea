import { Injectable } from '@nestjs/common';
import { GENERAL_ROOM_ID, Room, RoomDirectoryPage, RoomRole } from '@app/contracts';
import {
  BlocksRepository,
  ReadsRepository,
  RoomAccess,
  RoomRecord,
  RoomsRepository,
  UsersRepository,
} from '@app/redis';
import {
  BadRequest,
  Blocked,
  Conflict,
  DomainError,
  Forbidden,
  NotFound,
} from '../errors/domain-error';
import { ChatEvents } from '../events/chat-events';
import { dmRoomId, newGroupRoomId, parseRoomId } from './room-id';
import { Cursor } from '../common/cursor';
import { compareRooms, RoomViews } from './room-views';

type GroupRecord = Extract<RoomRecord, { kind: 'public' | 'private' }>;

/** What a member may do in a room they were checked into. */
export interface MemberAccess {
  kind: 'general' | 'dm' | 'public' | 'private';
  role: RoomRole;
  lastSeq: number;
}

/**
 * Rooms: the caller's list, group rooms (create, rename, the directory) and DMs. Membership
 * changes are in MembershipService. Every change is stored first, then announced.
 */
@Injectable()
export class RoomsService {
  constructor(
    private readonly rooms: RoomsRepository,
    private readonly users: UsersRepository,
    private readonly events: ChatEvents,
    private readonly reads: ReadsRepository,
    private readonly blocks: BlocksRepository,
  ) {}

  /**
   * Resolves with the caller's role when they may read and post in the room: 404 for an unknown
   * room, 403 for one they are not in. Redis errors propagate (never read as "not a member").
   */
  async assertMember(userId: string, roomId: string): Promise<MemberAccess> {
    const parsed = parseRoomId(roomId);
    if (!parsed) throw NotFound();
    // Everyone's room: no Redis round trip on the history hot path (its lastSeq is read by view()).
    if (parsed.kind === 'general') return { kind: 'general', role: 'member', lastSeq: 0 };
    const access = await this.rooms.access(roomId, userId);
    return checked(access);
  }

  /** True when the user may read the room; false for unknown rooms. Redis errors propagate. */
  async isMember(userId: string, roomId: string): Promise<boolean> {
    if (roomId === GENERAL_ROOM_ID) return true;
    try {
      await this.assertMember(userId, roomId);
      return true;
    } catch (err) {
      if (err instanceof DomainError) return false;
      throw err;
    }
  }

  /** Ids of the rooms a socket of the user joins at connect: General and the stored index. */
  async roomIdsOf(userId: string): Promise<string[]> {
    return [GENERAL_ROOM_ID, ...(await this.rooms.roomIdsOf(userId))];
  }

  /** General first, then DMs, then group rooms by name; each as the caller sees it. */
  async roomsOf(userId: string, only: 'all' | 'general-and-dms' = 'all'): Promise<Room[]> {
    const ids = await this.rooms.roomIdsOf(userId);
    const records = await this.rooms.findMany(ids);
    const dms = records.filter(
      (r): r is Extract<RoomRecord, { kind: 'dm' }> =>
        r.kind === 'dm' && r.members.includes(userId),
    );
    const groups =
      only === 'all' ? records.filter((r): r is GroupRecord => r.kind !== 'dm') : ([] as const);
    const peerIds = dms.flatMap((d) => d.members);
    // Read states carry each room's seq too: one script per room gives seq, marker and unread.
    const [names, userCount, reads, counts, roles] = await Promise.all([
      this.usernames([userId, ...peerIds]),
      this.users.count(),
      this.reads.states(userId, [
        GENERAL_ROOM_ID,
        ...dms.map((d) => d.id),
        ...groups.map((g) => g.id),
      ]),
      this.rooms.memberCounts(groups.map((g) => g.id)),
      this.rooms.rolesOf(
        userId,
        groups.map((g) => g.id),
      ),
    ]);
    const list: Room[] = [RoomViews.read(RoomViews.general(userCount, 0), reads[0])];
    dms.forEach((d, i) =>
      list.push(RoomViews.read(RoomViews.dm(d.id, d.members, names, userId, 0), reads[1 + i])),
    );
    groups.forEach((g, i) => {
      const role = roles[i];
      // The index may still list a room the user just left: the room's own record decides.
      if (role)
        list.push(
          RoomViews.read(RoomViews.group(g, counts[i], 0, role), reads[1 + dms.length + i]),
        );
    });
    return list.sort(compareRooms);
  }

  /** One room as a member sees it. */
  async get(userId: string, roomId: string): Promise<Room> {
    const access = await this.assertMember(userId, roomId);
    return this.view(roomId, userId, access);
  }

  /** The room as `viewerId` (a member with `access`) sees it, with their read state. */
  async view(roomId: string, viewerId: string, access: MemberAccess): Promise<Room> {
    const [room, [read]] = await Promise.all([
      this.viewWithoutReads(roomId, viewerId, access),
      this.reads.states(viewerId, [roomId]),
    ]);
    return RoomViews.read(room, read);
  }

  private async viewWithoutReads(
    roomId: string,
    viewerId: string,
    access: MemberAccess,
  ): Promise<Room> {
    if (access.kind === 'general') {
      const [count, [lastSeq]] = await Promise.all([
        this.users.count(),
        this.rooms.lastSeqs([roomId]),
      ]);
      return RoomViews.general(count, lastSeq);
    }
    const record = await this.rooms.find(roomId);
    if (!record) throw NotFound();
    if (record.kind === 'dm') {
      const names = await this.usernames(record.members);
      return RoomViews.dm(roomId, record.members, names, viewerId, access.lastSeq);
    }
    const count = await this.rooms.memberCount(roomId);
    return RoomViews.group(record, count, access.lastSeq, access.role);
  }

  /** A group room with the caller as owner; a public name is unique ignoring case (409). */
  async create(
    userId: string,
    input: { name: string; kind: 'public' | 'private'; topic?: string },
  ): Promise<Room> {
    const record: GroupRecord = {
      id: newGroupRoomId(),
      kind: input.kind,
      name: input.name.trim(),
      topic: (input.topic ?? '').trim(),
      createdBy: userId,
      created: Date.now(),
    };
    if (record.kind === 'public' && !(await this.rooms.claimName(record.name, record.id)))
      throw Conflict('A public room with this name exists');
    await this.rooms.createGroup(record);
    if (record.kind === 'public') await this.rooms.listInDirectory(record.name, record.id);
    const room = RoomViews.read(RoomViews.group(record, 1, 0, 'owner'), {
      lastSeq: 0,
      readSeq: 0,
      unread: 0,
    });
    this.events.emit('roomOpened', { roomId: record.id, views: [{ userId, room }], dm: false });
    return room;
  }

  /** Renames a group room or changes its topic (admins). */
  async update(
    userId: string,
    roomId: string,
    changes: { name?: string; topic?: string },
  ): Promise<Room> {
    const access = await this.assertMember(userId, roomId);
    if (access.kind === 'general' || access.kind === 'dm')
      throw Conflict('General and DMs cannot be renamed');
    if (access.role === 'member') throw Forbidden('Only admins can change the room');
    const record = (await this.rooms.find(roomId)) as GroupRecord | null;
    if (!record) throw NotFound();
    const name = changes.name?.trim();
    const topic = changes.topic?.trim();
    const renamed = name !== undefined && name !== record.name;
    if (renamed && record.kind === 'public' && name.toLowerCase() !== record.name.toLowerCase()) {
      if (!(await this.rooms.claimName(name, roomId)))
        throw Conflict('A public room with this name exists');
    }
    await this.rooms.updateFields(roomId, { name, topic });
    if (renamed && record.kind === 'public') {
      await this.rooms.unlistFromDirectory(record.name, roomId);
      await this.rooms.listInDirectory(name, roomId);
      if (name.toLowerCase() !== record.name.toLowerCase())
        await this.rooms.releaseName(record.name, roomId);
    }
    const updated: GroupRecord = {
      ...record,
      name: name ?? record.name,
      topic: topic ?? record.topic,
    };
    const room = RoomViews.group(
      updated,
      await this.rooms.memberCount(roomId),
      access.lastSeq,
      access.role,
    );
    this.events.emit('roomUpdated', { room: RoomViews.shared(room) });
    return room;
  }

  /** Public rooms by name, a case-insensitive prefix; `role` set where the caller is a member. */
  async directory(
    userId: string,
    q: string,
    cursor: string | undefined,
    limit: number,
  ): Promise<RoomDirectoryPage> {
    const prefix = q.toLowerCase();
    const after = Cursor.decode(cursor);
    if (after !== null && !after.startsWith(prefix))
      throw BadRequest('cursor does not belong to this search');
    const page = await this.rooms.directory(prefix, after, limit);
    const records = (await this.rooms.findMany(page.ids)).filter(
      (r): r is GroupRecord => r.kind === 'public',
    );
    const ids = records.map((r) => r.id);
    const [counts, seqs, roles] = await Promise.all([
      this.rooms.memberCounts(ids),
      this.rooms.lastSeqs(ids),
      this.rooms.rolesOf(userId, ids),
    ]);
    return {
      rooms: records.map((r, i) => RoomViews.group(r, counts[i], seqs[i], roles[i] ?? undefined)),
      nextCursor: page.more ? Cursor.encode(page.last) : null,
    };
  }

  /**
   * Opens (or returns) the DM between two users; a new one is announced to both. 400 for
   * yourself, 404 for an unknown user.
   */
  /** Opens the DM with a user given by id or by username (any case), exactly one of them. */
  async openDm(
    userId: string,
    peer: string | { userId?: string; username?: string },
  ): Promise<{ room: Room; created: boolean }> {
    if (typeof peer === 'string') return this.openDmWith(userId, peer);
    if ((peer.userId === undefined) === (peer.username === undefined))
      throw BadRequest('Give userId or username, not both');
    if (peer.userId !== undefined) return this.openDmWith(userId, peer.userId);
    const found = await this.users.findByUsername(peer.username as string);
    if (!found) throw NotFound('User not found');
    return this.openDmWith(userId, found.id);
  }

  private async openDmWith(
    userId: string,
    peerId: string,
  ): Promise<{ room: Room; created: boolean }> {
    if (userId === peerId) throw BadRequest('A DM needs two different users');
    const names = await this.usernames([userId, peerId]);
    if (!names.has(peerId) || !names.has(userId)) throw NotFound('User not found');
    if (await this.blocks.isBlocked(peerId, userId))
      throw Blocked('This user does not accept DMs from you');
    const roomId = dmRoomId(userId, peerId);
    const members = (parseRoomId(roomId) as { members: [string, string] }).members;
    const created = await this.rooms.createDm(roomId, members);
    // Blocks made before the DM existed go onto it, where the append script looks.
    if (created) await this.blocks.flagDm(roomId, members);
    const reads = await Promise.all(
      members.map(async (m) => (await this.reads.states(m, [roomId]))[0]),
    );
    const viewOf = (viewer: string) =>
      RoomViews.read(
        RoomViews.dm(roomId, members, names, viewer, 0),
        reads[members.indexOf(viewer)],
      );
    if (created) {
      const views = members.map((m) => ({ userId: m, room: viewOf(m) }));
      this.events.emit('roomOpened', { roomId, views, dm: true });
    }
    return { room: viewOf(userId), created };
  }

  private async usernames(ids: string[]): Promise<Map<string, string>> {
    const records = await this.users.findMany([...new Set(ids)]);
    return new Map(records.map((r) => [r.id, r.username]));
  }
}

/** A stored room and the caller's role in it, or the domain's 404 / 403. */
export function checked(access: RoomAccess): MemberAccess {
  if (!access.kind) throw NotFound();
  if (!access.role) throw Forbidden('Not a member of this room');
  return { kind: access.kind, role: access.role, lastSeq: access.lastSeq };
}
