import { Inject, Injectable } from '@nestjs/common';
import type { Message } from '@app/contracts';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '../redis.constants';
import { RedisKeys } from '../redis-keys';
import { defineScript } from '../scripts/define-script';
import { CHANGE_MESSAGE } from '../scripts/message-updates.lua';
import { entryToMessage, withState } from './message-state';

export type MessageChange =
  { op: 'edit'; text: string } | { op: 'delete' } | { op: 'react'; emoji: string; on: boolean };

export interface ChangeInput {
  roomId: string;
  messageId: string;
  userId: string;
  change: MessageChange;
  /** General: every user is a member, no membership to check. */
  everyone: boolean;
  /** Retention of the change log (the history's). */
  maxLen: number;
  reactionsMax: number;
}

export type ChangeResult =
  /** `fed`: the room has feeds (libs/chat feeds) to copy the change into. */
  | { status: 'changed'; seq: number; message: Message; fed: boolean }
  | { status: 'same'; message: Message }
  | {
      status:
        | 'no_room'
        | 'not_member'
        | 'no_message'
        | 'not_author'
        | 'not_allowed'
        | 'deleted'
        | 'too_many';
    };

type ChangeCommand = (...args: (string | number)[]) => Promise<[string, ...unknown[]]>;

/** Edits, deletions and reactions: each one step with its rules and its seq (CHANGE_MESSAGE). */
@Injectable()
export class MessageChangesRepository {
  private readonly changeCmd: ChangeCommand;

  constructor(@Inject(REDIS_CLIENT) redis: Redis) {
    this.changeCmd = defineScript<ChangeCommand>(redis, 'parleyChangeMessage', 8, CHANGE_MESSAGE);
  }

  async change(input: ChangeInput): Promise<ChangeResult> {
    const { roomId, messageId, userId, change } = input;
    const op = change.op === 'react' ? (change.on ? 'react' : 'unreact') : change.op;
    const arg = change.op === 'edit' ? change.text : change.op === 'react' ? change.emoji : '';
    const [status, ...rest] = await this.changeCmd(
      RedisKeys.roomMessages(roomId),
      RedisKeys.roomSeq(roomId),
      RedisKeys.roomChangeCount(roomId),
      RedisKeys.roomMessageState(roomId),
      RedisKeys.roomChanges(roomId),
      RedisKeys.room(roomId),
      RedisKeys.roomRoles(roomId),
      RedisKeys.roomFeeds(roomId),
      op,
      userId,
      messageId,
      arg,
      Date.now(),
      input.maxLen,
      input.everyone ? '1' : '0',
      input.reactionsMax,
    );
    const current = (fields: unknown, state: unknown) =>
      withState(entryToMessage(roomId, [messageId, fields as string[]]), state as string);
    if (status === 'changed') {
      const [seq, fields, state, fed] = rest;
      return { status, seq: Number(seq), message: current(fields, state), fed: fed === 1 };
    }
    if (status === 'same') return { status, message: current(rest[0], rest[1]) };
    return { status } as ChangeResult;
  }
}
