import { Type } from 'class-transformer';
import type { SendMessagePayload, TypingPayload } from '../events';
import { Limits } from '../limits';
import { IsBoolean, IsObject, IsString, Matches } from 'class-validator';
import { SendMessageDto } from './message.dto';
import {
  CLIENT_ID_MESSAGE,
  CLIENT_ID_PATTERN,
  isChatText,
  isMessageId,
  ROOM_ID_MESSAGE,
  ROOM_ID_PATTERN,
  USER_ID_PATTERN,
} from './validators';

/** `message` event payload; `from`/`date` sent by older clients are stripped, never trusted. */
export class SocketMessageDto extends SendMessageDto {
  @IsString()
  @Matches(ROOM_ID_PATTERN, { message: ROOM_ID_MESSAGE })
  roomId: string;
}

export class TypingDto {
  @IsString()
  @Matches(ROOM_ID_PATTERN, { message: ROOM_ID_MESSAGE })
  roomId: string;

  @IsBoolean()
  typing: boolean;
}

export class SyncDto {
  @IsObject()
  @Type(() => Object)
  cursors: Record<string, string>;
}

/** Checks one `sync` cursor entry: a room id and "0" or a message id. */
export function isValidCursor(roomId: string, cursor: unknown): cursor is string {
  return (
    ROOM_ID_PATTERN.test(roomId) &&
    typeof cursor === 'string' &&
    (cursor === '0' || isMessageId(cursor))
  );
}

export const SYNC_MAX_ROOMS = 200;

/**
 * The `sync` payload `{cursors}` (the socket event and `POST /api/sync`): the cursors, or what is
 * wrong with them.
 */
export function checkSync(payload: unknown): Record<string, string> | string {
  const cursors = isPlainPayload(payload) ? payload.cursors : undefined;
  if (!isPlainPayload(cursors)) return 'cursors must be an object of roomId → message id';
  const entries = Object.entries(cursors);
  if (entries.length > SYNC_MAX_ROOMS) return `at most ${SYNC_MAX_ROOMS} rooms per sync`;
  if (!entries.every(([roomId, cursor]) => isValidCursor(roomId, cursor)))
    return 'each cursor must be "0" or a message id, keyed by room id';
  return cursors as Record<string, string>;
}

/** `room.join` payload check. */
export function isRoomId(value: unknown): value is string {
  return typeof value === 'string' && ROOM_ID_PATTERN.test(value);
}

/**
 * The `message` and `typing` payload rules of the DTOs above as plain checks: these two events are
 * the hot path, and class-transformer + class-validator cost more than the rest of the handler
 * (measured with `npm run bench`). The DTO classes stay the documented source of the rules; the
 * unit spec checks both agree. Returns the cleaned payload (unknown fields dropped) or the error.
 */
export function checkSocketMessage(payload: unknown): SendMessagePayload | string {
  if (!isPlainPayload(payload)) return 'payload must be an object';
  const { roomId, message, clientId } = payload;
  if (!isRoomId(roomId)) return ROOM_ID_MESSAGE;
  if (!isChatText(message)) {
    return `message must be 1 to ${Limits.messageMaxCodePoints} characters of valid Unicode and not only white space or invisible characters`;
  }
  if (clientId === undefined || clientId === null) return { roomId, message };
  if (typeof clientId !== 'string' || !CLIENT_ID_PATTERN.test(clientId)) return CLIENT_ID_MESSAGE;
  return { roomId, message, clientId };
}

export function checkTyping(payload: unknown): TypingPayload | string {
  if (!isPlainPayload(payload)) return 'payload must be an object';
  const { roomId, typing } = payload;
  if (!isRoomId(roomId)) return ROOM_ID_MESSAGE;
  if (typeof typing !== 'boolean') return 'typing must be a boolean value';
  return { roomId, typing };
}

/** `presence.watch` payload: at most 500 user ids; duplicates dropped. */
export function checkPresenceWatch(payload: unknown): { userIds: string[] } | string {
  const userIds = isPlainPayload(payload) ? payload.userIds : undefined;
  if (!Array.isArray(userIds)) return 'userIds must be an array of user ids';
  if (userIds.length > Limits.presenceWatchMax) return `at most ${Limits.presenceWatchMax} userIds`;
  if (!userIds.every((id) => typeof id === 'string' && USER_ID_PATTERN.test(id)))
    return 'each of userIds must be a decimal user id';
  return { userIds: [...new Set(userIds as string[])] };
}

/** A JSON object (not an array, Buffer or class instance). */
export function isPlainPayload(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
