import { GENERAL_ROOM_ID, GROUP_ROOM_ID_PATTERN, ROOM_ID_PATTERN } from '@app/contracts';
import { randomBytes } from 'node:crypto';

/**
 * The shape of a room id. It says which kind of id it is, never who is in the room: membership
 * is stored. (A DM's id does name its two users; it is how a DM is found, and the reference
 * client opens one by sending to it.)
 */
export type ParsedRoomId =
  { kind: 'general' } | { kind: 'dm'; members: [string, string] } | { kind: 'group' };

/** The canonical DM id: the smaller user id first, compared as numbers. */
export function dmRoomId(a: string, b: string): string {
  return Number(a) < Number(b) ? `${a}:${b}` : `${b}:${a}`;
}

/** Null for anything that is not a canonical room id ("0", "a:b" with a < b, or a group id). */
export function parseRoomId(roomId: unknown): ParsedRoomId | null {
  if (typeof roomId !== 'string' || !ROOM_ID_PATTERN.test(roomId)) return null;
  if (roomId === GENERAL_ROOM_ID) return { kind: 'general' };
  if (GROUP_ROOM_ID_PATTERN.test(roomId)) return { kind: 'group' };
  const [a, b] = roomId.split(':');
  if (!(Number(a) < Number(b))) return null;
  return { kind: 'dm', members: [a, b] };
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A new group room id: "g" and 16 random base-32 characters (80 bits), never "0", never a ":". */
export function newGroupRoomId(): string {
  const bytes = randomBytes(16);
  let id = 'g';
  for (const b of bytes) id += BASE32[b & 31];
  return id;
}
