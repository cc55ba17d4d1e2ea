import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import type {
  MessageDeletePayload,
  MessageEditPayload,
  MessageReactPayload,
  RoomReadPayload,
} from '../events';
import { Limits } from '../limits';
import { isRoomId, isPlainPayload } from './socket.dto';
import { IsChatText, isChatText, isMessageId, ROOM_ID_MESSAGE } from './validators';
import { MessageDto } from './message.dto';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const utf8 = new TextEncoder();

/** One grapheme cluster of at most 32 UTF-8 bytes (a flag, a family, a skin tone all count as one). */
export function isReactionEmoji(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0) return false;
  if (/\p{Cs}/u.test(value)) return false; // a lone surrogate
  if (utf8.encode(value).length > Limits.reactionEmojiMaxBytes) return false;
  let clusters = 0;
  for (const _ of segmenter.segment(value)) if (++clusters > 1) return false;
  // Control characters and white space are one cluster too, but no reaction.
  return !/^[\p{Cc}\p{Z}]/u.test(value);
}
export const EMOJI_MESSAGE = `emoji must be one grapheme cluster of at most ${Limits.reactionEmojiMaxBytes} bytes`;

export function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
const SEQ_MESSAGE = 'seq must be a whole number ≥ 0';
const TEXT_MESSAGE = `message must be 1 to ${Limits.messageMaxCodePoints} characters of valid Unicode and not only white space or invisible characters`;

export class ReadDto {
  @ApiProperty({ example: 42, description: 'The newest seq the caller has seen' })
  @IsInt({ message: SEQ_MESSAGE })
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  seq: number;
}

export class ReadResultDto {
  @ApiProperty({ example: 42, description: 'The marker after the call (never moves back)' })
  readSeq: number;
}

export class EditMessageDto {
  @ApiProperty({ description: `1–${Limits.messageMaxCodePoints} characters, the new text` })
  @IsChatText()
  message: string;
}

export class MessageUpdatedDto {
  @ApiProperty({ example: 43, description: 'The seq the change took' }) seq: number;
  @ApiProperty({ type: MessageDto, description: 'The message in its current state' })
  message: MessageDto;
}

type Check<T> = T | string;

function target(
  payload: unknown,
): Check<{ roomId: string; id: string; rest: Record<string, unknown> }> {
  if (!isPlainPayload(payload)) return 'payload must be an object';
  const { roomId, id, ...rest } = payload;
  if (!isRoomId(roomId)) return ROOM_ID_MESSAGE;
  if (!isMessageId(id)) return 'id must be a message id';
  return { roomId, id, rest };
}

/** `room.read` payload check (plain, like the other socket checks). */
export function checkRoomRead(payload: unknown): Check<RoomReadPayload> {
  if (!isPlainPayload(payload)) return 'payload must be an object';
  const { roomId, seq } = payload;
  if (!isRoomId(roomId)) return ROOM_ID_MESSAGE;
  if (!isSeq(seq)) return SEQ_MESSAGE;
  return { roomId, seq };
}

export function checkMessageEdit(payload: unknown): Check<MessageEditPayload> {
  const t = target(payload);
  if (typeof t === 'string') return t;
  if (!isChatText(t.rest.message)) return TEXT_MESSAGE;
  return { roomId: t.roomId, id: t.id, message: t.rest.message };
}

export function checkMessageDelete(payload: unknown): Check<MessageDeletePayload> {
  const t = target(payload);
  return typeof t === 'string' ? t : { roomId: t.roomId, id: t.id };
}

export function checkMessageReact(payload: unknown): Check<MessageReactPayload> {
  const t = target(payload);
  if (typeof t === 'string') return t;
  const { emoji, on } = t.rest;
  if (!isReactionEmoji(emoji)) return EMOJI_MESSAGE;
  if (typeof on !== 'boolean') return 'on must be a boolean value';
  return { roomId: t.roomId, id: t.id, emoji, on };
}
