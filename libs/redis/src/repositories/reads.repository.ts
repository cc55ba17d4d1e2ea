import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '../redis.constants';
import { RedisKeys } from '../redis-keys';
import { defineScript } from '../scripts/define-script';
import { MARK_READ, READ_STATE } from '../scripts/message-updates.lua';

export interface ReadState {
  lastSeq: number;
  readSeq: number;
  unread: number;
}

type MarkCommand = (...args: (string | number)[]) => Promise<[number, number]>;
type StateCommand = (...args: string[]) => Promise<[number, number, number]>;

/**
 * Read markers and unread counts (the design is in scripts/message-updates.lua.ts): one script
 * per room, O(1) whatever the room's size or traffic.
 */
@Injectable()
export class ReadsRepository {
  private readonly markCmd: MarkCommand;
  private readonly stateCmd: StateCommand;

  constructor(@Inject(REDIS_CLIENT) redis: Redis) {
    this.markCmd = defineScript<MarkCommand>(redis, 'parleyMarkRead', 4, MARK_READ);
    this.stateCmd = defineScript<StateCommand>(redis, 'parleyReadState', 4, READ_STATE);
  }

  /** Moves the marker forward (never back, never past the room's newest seq). */
  async mark(
    roomId: string,
    userId: string,
    seq: number,
  ): Promise<{ moved: boolean; readSeq: number }> {
    const [moved, readSeq] = await this.markCmd(
      RedisKeys.roomSeq(roomId),
      RedisKeys.roomChangeCount(roomId),
      RedisKeys.roomReadMarkers(roomId),
      RedisKeys.roomChanges(roomId),
      userId,
      seq,
    );
    return { moved: moved === 1, readSeq: Number(readSeq) };
  }

  /** The user's read state in each room (concurrently: the rooms live in different slots). */
  async states(userId: string, roomIds: readonly string[]): Promise<ReadState[]> {
    const replies = await Promise.all(
      roomIds.map((id) =>
        this.stateCmd(
          RedisKeys.roomSeq(id),
          RedisKeys.roomChangeCount(id),
          RedisKeys.roomReadMarkers(id),
          RedisKeys.roomMessages(id),
          userId,
        ),
      ),
    );
    return replies.map(([lastSeq, readSeq, unread]) => ({
      lastSeq: Number(lastSeq),
      readSeq: Number(readSeq),
      unread: Number(unread),
    }));
  }
}
