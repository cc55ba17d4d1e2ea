import { GENERAL_ROOM_ID, ROOM_ID_PATTERN } from '@app/contracts';

export type ParsedRoomId = { kind: 'public' } | { kind: 'dm'; members: [string, string] };

/** The canonical DM id: the smaller user id first, compared as numbers. */
export function dmRoomId(a: string, b: string): string {
  return Number(a) < Number(b) ? `${a}:${b}` : `${b}:${a}`;
}

/** Null for anything that is not a canonical room id ("0" or "a:b" with a < b). */
export function parseRoomId(roomId: unknown): ParsedRoomId | null {
  if (typeof roomId !== 'string' || !ROOM_ID_PATTERN.test(roomId)) return null;
  if (roomId === GENERAL_ROOM_ID) return { kind: 'public' };
  const [a, b] = roomId.split(':');
  if (!(Number(a) < Number(b))) return null;
  return { kind: 'dm', members: [a, b] };
}
