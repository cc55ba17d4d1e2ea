import { GENERAL_ROOM_ID, GENERAL_ROOM_NAME, Room, RoomRole } from '@app/contracts';
import type { ReadState, RoomRecord } from '@app/redis';

type GroupRecord = Extract<RoomRecord, { kind: 'public' | 'private' }>;

/** How a room looks on the wire. `role` is left out where the viewer is not (yet) known. */
export const RoomViews = {
  general(memberCount: number, lastSeq: number): Room {
    return {
      id: GENERAL_ROOM_ID,
      kind: 'public',
      names: [GENERAL_ROOM_NAME],
      name: GENERAL_ROOM_NAME,
      topic: '',
      createdBy: null,
      memberCount,
      role: 'member',
      lastSeq,
    };
  },

  /** A DM as `viewerId` sees it: named after the other member. */
  dm(
    id: string,
    members: [string, string],
    names: ReadonlyMap<string, string>,
    viewerId: string,
    lastSeq: number,
  ): Room {
    const other = members[0] === viewerId ? members[1] : members[0];
    return {
      id,
      kind: 'dm',
      names: members.map((m) => names.get(m) ?? ''),
      name: names.get(other) ?? '',
      topic: '',
      createdBy: null,
      memberCount: 2,
      role: 'member',
      lastSeq,
    };
  },

  group(record: GroupRecord, memberCount: number, lastSeq: number, role?: RoomRole): Room {
    const room: Room = {
      id: record.id,
      kind: record.kind,
      names: [record.name],
      name: record.name,
      topic: record.topic,
      createdBy: record.createdBy || null,
      memberCount,
      lastSeq,
    };
    if (role) room.role = role;
    return room;
  },

  /** The same room without the viewer's own fields: what every member may be sent. */
  shared(room: Room): Room {
    const { role: _role, readSeq: _readSeq, unread: _unread, ...rest } = room;
    return rest;
  },

  /** The room with the viewer's read marker and unread count (and the seq read with them). */
  read(room: Room, state: ReadState): Room {
    return { ...room, lastSeq: state.lastSeq, readSeq: state.readSeq, unread: state.unread };
  },
};

/** Listing order: General, then DMs by id (numerically), then group rooms by name. */
export function compareRooms(a: Room, b: Room): number {
  const rank = (r: Room) => (r.id === GENERAL_ROOM_ID ? 0 : r.kind === 'dm' ? 1 : 2);
  const byRank = rank(a) - rank(b);
  if (byRank !== 0) return byRank;
  if (a.kind === 'dm') {
    const [a1, a2] = a.id.split(':').map(Number);
    const [b1, b2] = b.id.split(':').map(Number);
    return a1 - b1 || a2 - b2;
  }
  return a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || (a.id < b.id ? -1 : 1);
}
