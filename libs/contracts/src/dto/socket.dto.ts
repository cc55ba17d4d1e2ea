import { Type } from 'class-transformer';
import { IsBoolean, IsObject, IsString, Matches } from 'class-validator';
import { SendMessageDto } from './message.dto';
import { isMessageId, ROOM_ID_PATTERN } from './validators';

const ROOM_ID_MESSAGE = 'roomId must be "0" or a DM id "a:b"';

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

/** `room.join` payload check. */
export function isRoomId(value: unknown): value is string {
  return typeof value === 'string' && ROOM_ID_PATTERN.test(value);
}
