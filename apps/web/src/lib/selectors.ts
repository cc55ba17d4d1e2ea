import {
  GENERAL_ROOM_ID,
  GENERAL_ROOM_NAME,
  type Room,
  type RoomMember,
  type User,
} from '../contracts';
import type { ChatState, RoomView } from './state';
import { dmPeer } from './timeline';

export const unreadCount = (room: RoomView) => room.unread;

export function roomTitle(state: ChatState, room: Room): string {
  if (room.kind !== 'dm') {
    return (
      room.name || room.names?.[0] || (room.id === GENERAL_ROOM_ID ? GENERAL_ROOM_NAME : 'Room')
    );
  }
  const peer = dmPeer(room.id, state.me.id);
  return (
    (peer && state.users[peer]?.username) ||
    room.name ||
    room.names?.find((n) => n !== state.me.username) ||
    room.names?.[0] ||
    'Direct message'
  );
}

export function roomPeer(state: ChatState, room: Room): User | null {
  if (room.kind !== 'dm') return null;
  const peer = dmPeer(room.id, state.me.id);
  return peer ? (state.users[peer] ?? null) : null;
}

const lastDate = (r: RoomView) => r.messages[r.messages.length - 1]?.date ?? 0;

/** General first, then by latest activity. */
export function sortedRooms(state: ChatState): RoomView[] {
  return Object.values(state.rooms).sort((a, b) => {
    if (a.room.id === GENERAL_ROOM_ID) return -1;
    if (b.room.id === GENERAL_ROOM_ID) return 1;
    return lastDate(b) - lastDate(a) || a.room.id.localeCompare(b.room.id);
  });
}

/** The sidebar's two sections: rooms (General first, then by activity) and DMs (by activity). */
export function roomSections(state: ChatState): { groups: RoomView[]; dms: RoomView[] } {
  const all = sortedRooms(state);
  return {
    groups: all.filter((r) => r.room.kind !== 'dm'),
    dms: all.filter((r) => r.room.kind === 'dm'),
  };
}

/**
 * User text inside a plain string (a placeholder, a title attribute), wrapped in Unicode isolates
 * (FSI … PDI) so a direction override in it cannot reorder the text around it. In markup, use
 * `<bdi>` instead.
 */
export const isolate = (text: string) => `\u2068${text}\u2069`;

export function displayName(state: ChatState, userId: string): string {
  if (userId === state.me.id) return state.me.username;
  return state.users[userId]?.username ?? `User ${userId}`;
}

// ---- permissions (what the server allows; the UI offers only that) ---------------------------

/** A room people created (not General, not a DM): it has settings, members, a way out. */
export const isTeamRoom = (room: Room) => room.kind !== 'dm' && room.id !== GENERAL_ROOM_ID;
export const isAdmin = (room: Room) => room.role === 'owner' || room.role === 'admin';
export const isOwner = (room: Room) => room.role === 'owner';
/** Any member may add people to a public room; only admins to a private one. */
export const canInvite = (room: Room) =>
  room.role !== undefined && (room.kind === 'public' || isAdmin(room));
/** Admins remove anyone but the owner (and not themselves: that is leaving). */
export const canKick = (room: Room, member: RoomMember, me: string) =>
  isAdmin(room) && member.role !== 'owner' && member.user.id !== me;
/** Only the owner changes roles, of others. */
export const canChangeRole = (room: Room, member: RoomMember, me: string) =>
  isOwner(room) && member.user.id !== me;

export const roleLabel: Record<RoomMember['role'], string> = {
  owner: 'Owner',
  admin: 'Admin',
  member: 'Member',
};
