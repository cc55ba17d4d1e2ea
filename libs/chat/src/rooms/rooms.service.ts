import {
  BadRequestException,
  ForbiddenException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { GENERAL_ROOM_ID, GENERAL_ROOM_NAME, Room } from '@app/contracts';
import { RoomsRepository, UsersRepository } from '@app/redis';
import { dmRoomId, parseRoomId } from './room-id';

@Injectable()
export class RoomsService {
  constructor(
    private readonly rooms: RoomsRepository,
    private readonly users: UsersRepository,
  ) {}

  /** Resolves when the user may read and post in the room: 404 unknown room, 403 not a member. */
  async assertMember(userId: string, roomId: string): Promise<void> {
    const parsed = parseRoomId(roomId);
    if (!parsed) throw new NotFoundException('Room not found');
    if (parsed.kind === 'public') return;
    if (!(await this.rooms.dmExists(roomId))) throw new NotFoundException('Room not found');
    if (!parsed.members.includes(userId)) throw new ForbiddenException('Not a member of this room');
  }

  /** True when `userId` may read the room; never throws for a well-formed id. */
  async isMember(userId: string, roomId: string): Promise<boolean> {
    try {
      await this.assertMember(userId, roomId);
      return true;
    } catch {
      return false;
    }
  }

  /** General first, then the user's DMs in the order of the peer's id. */
  async roomsOf(userId: string): Promise<Room[]> {
    const dmIds = await this.rooms.dmIdsOf(userId);
    const parsed = dmIds
      .map((id) => ({ id, p: parseRoomId(id) }))
      .filter(
        (r): r is { id: string; p: { kind: 'dm'; members: [string, string] } } =>
          r.p?.kind === 'dm',
      );
    const peerIds = parsed.map(({ p }) => (p.members[0] === userId ? p.members[1] : p.members[0]));
    const names = await this.usernames([userId, ...peerIds]);
    const dms: Room[] = parsed.map(({ id, p }) => ({
      id,
      kind: 'dm',
      names: p.members.map((m) => names.get(m) ?? ''),
    }));
    dms.sort((a, b) => compareDmIds(a.id, b.id));
    return [generalRoom(), ...dms];
  }

  /** Opens (or returns) the DM between two users. 400 for yourself, 404 for an unknown peer. */
  async openDm(userId: string, peerId: string): Promise<{ room: Room; created: boolean }> {
    if (userId === peerId) throw new BadRequestException('A DM needs two different users');
    const names = await this.usernames([userId, peerId]);
    if (!names.has(peerId)) throw new NotFoundException('User not found');
    if (!names.has(userId)) throw new NotFoundException('User not found');
    const roomId = dmRoomId(userId, peerId);
    const members = parseRoomId(roomId) as { kind: 'dm'; members: [string, string] };
    const created = await this.rooms.createDm(roomId, members.members);
    return {
      room: { id: roomId, kind: 'dm', names: members.members.map((m) => names.get(m) ?? '') },
      created,
    };
  }

  private async usernames(ids: string[]): Promise<Map<string, string>> {
    const records = await this.users.findMany([...new Set(ids)]);
    return new Map(records.map((r) => [r.id, r.username]));
  }
}

export function generalRoom(): Room {
  return { id: GENERAL_ROOM_ID, kind: 'public', names: [GENERAL_ROOM_NAME] };
}

function compareDmIds(a: string, b: string): number {
  const [a1, a2] = a.split(':').map(Number);
  const [b1, b2] = b.split(':').map(Number);
  return a1 - b1 || a2 - b2;
}
