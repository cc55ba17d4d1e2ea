import { Injectable } from '@nestjs/common';
import type { MembersPage, Room, RoomMember, RoomRole, User } from '@app/contracts';
import { BlocksRepository, RoomsRepository } from '@app/redis';
import { BadRequest, Blocked, Conflict, Forbidden, NotFound } from '../errors/domain-error';
import { ChatEvents } from '../events/chat-events';
import { UsersService } from '../users/users.service';
import { parseRoomId } from './room-id';
import { Cursor } from '../common/cursor';
import { RoomViews } from './room-views';
import { MemberAccess, RoomsService } from './rooms.service';

/**
 * Who is in a group room, and with which role. The rules are checked by the Lua step that makes
 * the change (libs/redis rooms.lua.ts), so concurrent joins, kicks and hand-overs cannot
 * interleave into a state no single request allowed; this service maps each refusal to a domain
 * error and announces what changed.
 *
 * Roles: one owner (hands ownership over, cannot leave or be removed), admins (add to private
 * rooms, remove members and admins, rename), members (post; add others to public rooms).
 */
@Injectable()
export class MembershipService {
  constructor(
    private readonly rooms: RoomsRepository,
    private readonly roomsService: RoomsService,
    private readonly users: UsersService,
    private readonly events: ChatEvents,
    private readonly blocks: BlocksRepository,
  ) {}

  /** Joins a public room (200 with the room; already a member is fine). */
  async join(userId: string, roomId: string): Promise<Room> {
    const kind = this.kindOf(roomId);
    if (kind === 'general') return this.roomsService.get(userId, roomId);
    if (kind === 'dm') throw Forbidden('A DM cannot be joined');
    const result = await this.rooms.add('join', roomId, userId, userId);
    if (result.status === 'private') throw Forbidden('A private room is joined by invitation');
    const room = await this.afterAdd(roomId, userId, result);
    return room.view;
  }

  /** Adds someone (public room: any member; private: admins). `added` false when already in. */
  async add(actorId: string, roomId: string, userId: string): Promise<{ added: boolean }> {
    const user = await this.users.findOne(userId);
    if (!user) throw NotFound('User not found');
    const kind = this.kindOf(roomId);
    if (kind === 'general') return { added: false };
    if (kind === 'dm') throw Conflict('A DM has exactly its two members');
    if (actorId !== userId && (await this.blocks.isBlocked(userId, actorId)))
      throw Blocked('This user does not accept invitations from you');
    const result = await this.rooms.add('add', roomId, actorId, userId);
    if (result.status === 'not_member') throw Forbidden('Not a member of this room');
    if (result.status === 'not_admin')
      throw Forbidden('Only admins can add members to a private room');
    const { added } = await this.afterAdd(roomId, userId, result, user);
    return { added };
  }

  /** Leaves a group room; the owner hands over first (409). */
  async leave(userId: string, roomId: string): Promise<void> {
    const kind = this.kindOf(roomId);
    if (kind === 'general') throw Conflict('Everyone stays in General');
    if (kind === 'dm') throw Conflict('A DM cannot be left');
    const result = await this.rooms.remove('leave', roomId, userId, userId);
    if (result.status === 'owner')
      throw Conflict('The owner must hand ownership over before leaving');
    if (result.status === 'not_member') throw Forbidden('Not a member of this room');
    await this.afterRemove(roomId, userId, result);
  }

  /** Removes a member (admins; never the owner). */
  async remove(actorId: string, roomId: string, userId: string): Promise<void> {
    if (actorId === userId) throw BadRequest('To leave a room, use leave');
    const kind = this.kindOf(roomId);
    if (kind === 'general' || kind === 'dm')
      throw Conflict('Nobody is removed from General or a DM');
    const result = await this.rooms.remove('kick', roomId, actorId, userId);
    if (result.status === 'actor_not_member') throw Forbidden('Not a member of this room');
    if (result.status === 'not_admin') throw Forbidden('Only admins can remove members');
    if (result.status === 'owner') throw Forbidden('The owner cannot be removed');
    if (result.status === 'not_member') throw NotFound('Not a member of this room');
    await this.afterRemove(roomId, userId, result);
  }

  /** Sets a member's role (the owner only); `owner` hands ownership over. */
  async setRole(
    actorId: string,
    roomId: string,
    userId: string,
    role: RoomRole,
  ): Promise<RoomMember> {
    if (actorId === userId) throw BadRequest('You cannot change your own role');
    const kind = this.kindOf(roomId);
    if (kind === 'general' || kind === 'dm') throw Conflict('General and DMs have no roles');
    const result = await this.rooms.setRole(roomId, actorId, userId, role);
    if (result.status === 'not_found') throw NotFound();
    if (result.status === 'fixed') throw Conflict('General and DMs have no roles');
    if (result.status === 'not_owner') throw Forbidden('Only the owner can change roles');
    if (result.status === 'not_member') throw NotFound('Not a member of this room');
    const found = new Map((await this.users.findMany([userId, actorId])).map((u) => [u.id, u]));
    const user = found.get(userId);
    const actor = found.get(actorId);
    if (!user) throw NotFound('User not found');
    const room = await this.sharedView(roomId);
    this.events.emit('memberUpdated', { room, user, role });
    if (role === 'owner' && actor)
      this.events.emit('memberUpdated', { room, user: actor, role: 'admin' });
    return { user, role };
  }

  /** A page of the room's members with their roles (members only). */
  async members(
    userId: string,
    roomId: string,
    cursor: string | undefined,
    limit: number,
  ): Promise<MembersPage> {
    const access = await this.roomsService.assertMember(userId, roomId);
    if (access.kind === 'general') {
      const page = await this.users.search('', cursor ?? null, limit);
      const members = page.users.map((user) => ({ user, role: 'member' as const }));
      return { members, nextCursor: page.nextCursor };
    }
    const after = Cursor.decode(cursor) ?? '';
    if (access.kind === 'dm') {
      const record = await this.rooms.find(roomId);
      const ids = record?.kind === 'dm' ? record.members.filter((id) => id > after) : [];
      const users = await this.users.findMany(ids);
      return { members: users.map((user) => ({ user, role: 'member' })), nextCursor: null };
    }
    const page = await this.rooms.members(roomId, after, limit);
    const users = new Map(
      (await this.users.findMany(page.members.map((m) => m.userId))).map((u) => [u.id, u]),
    );
    const members = page.members.flatMap(({ userId: id, role }) => {
      const user = users.get(id);
      return user ? [{ user, role }] : [];
    });
    const last = page.members.at(-1)?.userId ?? null;
    return { members, nextCursor: page.more ? Cursor.encode(last) : null };
  }

  private async afterAdd(
    roomId: string,
    userId: string,
    result: Awaited<ReturnType<RoomsRepository['add']>>,
    known?: User,
  ): Promise<{ view: Room; added: boolean }> {
    if (result.status === 'not_found') throw NotFound();
    if (result.status === 'fixed') throw Conflict('A DM has exactly its two members');
    if (result.status !== 'added' && result.status !== 'already')
      throw Forbidden('Not allowed in this room');
    const access: MemberAccess = await this.roomsService.assertMember(userId, roomId);
    const view = await this.roomsService.view(roomId, userId, access);
    if (result.status === 'added') {
      const user = known ?? (await this.users.findOne(userId));
      if (user) {
        const room = RoomViews.shared(view);
        this.events.emit('memberJoined', { room, user, role: access.role, view });
      }
    }
    return { view, added: result.status === 'added' };
  }

  private async afterRemove(
    roomId: string,
    userId: string,
    result: Awaited<ReturnType<RoomsRepository['remove']>>,
  ): Promise<void> {
    if (result.status === 'not_found') throw NotFound();
    if (result.status === 'fixed') throw Conflict('Nobody is removed from General or a DM');
    if (result.status !== 'removed') throw Forbidden('Not allowed in this room');
    const [user, room] = await Promise.all([this.users.findOne(userId), this.sharedView(roomId)]);
    if (user) this.events.emit('memberLeft', { room, user });
  }

  /** The room as every member may see it (no viewer role). */
  private async sharedView(roomId: string): Promise<Room> {
    const [record, [count], [lastSeq]] = await Promise.all([
      this.rooms.find(roomId),
      this.rooms.memberCounts([roomId]),
      this.rooms.lastSeqs([roomId]),
    ]);
    if (!record || record.kind === 'dm') throw NotFound();
    return RoomViews.group(record, count, lastSeq);
  }

  private kindOf(roomId: string): 'general' | 'dm' | 'group' {
    const parsed = parseRoomId(roomId);
    if (!parsed) throw NotFound();
    return parsed.kind;
  }
}
