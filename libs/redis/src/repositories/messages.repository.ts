import { Inject, Injectable } from '@nestjs/common';
import type { Message, SyncRoomResult } from '@app/contracts';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '../redis.constants';
import { RedisKeys } from '../redis-keys';
import { defineScript } from '../scripts/define-script';
import { APPEND_MESSAGE } from '../scripts/lua';
import { PAGE_BEFORE, RANGE_WITH_STATE, SYNC_AFTER } from '../scripts/message-updates.lua';
import { entryToMessage, mergeStates, StreamEntry, toUpdates } from './message-state';

export { entryToMessage } from './message-state';

const REPLICA_WAIT_MS = 500;
const REPLICA_CHECK_MS = 1000;

/** The largest and smallest stream ids: nothing follows the one, nothing precedes the other. */
const LAST_ID = '18446744073709551615-18446744073709551615';
function isZeroId(id: string): boolean {
  return /^0+-0+$/.test(id);
}
function isLastId(id: string): boolean {
  const [ms, n] = id.split('-').map((part) => part.replace(/^0+(?=\d)/, ''));
  return `${ms}-${n}` === LAST_ID;
}

type AppendCommand = (
  streamKey: string,
  seqKey: string,
  clientIdKey: string,
  roomKey: string,
  rolesKey: string,
  changeCountKey: string,
  readMarkersKey: string,
  feedsKey: string,
  from: string,
  text: string,
  clientId: string,
  maxLen: number,
  clientIdTtl: number,
  entryId: string,
  everyone: '0' | '1',
) => Promise<[number, string?, (number | string[])?, number?]>;

type States = (string | null)[];
type PageBeforeCommand = (
  streamKey: string,
  stateKey: string,
  seqKey: string,
  knownSeq: string,
  count: number,
  start: string,
) => Promise<0 | [seq: string, entries: StreamEntry[], states: States]>;
type RangeCommand = (
  streamKey: string,
  stateKey: string,
  direction: 'fwd' | 'rev',
  start: string,
  end: string,
  count: number,
) => Promise<[StreamEntry[], States]>;
type SyncCommand = (
  streamKey: string,
  stateKey: string,
  changesKey: string,
  seqKey: string,
  cursor: string,
  count: number,
  knownSeq: string,
) => Promise<0 | [seq: string, StreamEntry[], States, [number, StreamEntry, string][]]>;

/** A read that also says at which room seq it was made; see `PAGE_BEFORE`. */
export type SeqRead<T> = (T & { seq: string }) | 'unchanged';

export interface AppendInput {
  roomId: string;
  from: string;
  text: string;
  clientId?: string;
  maxLen: number;
  clientIdTtlSeconds: number;
  /**
   * Replicas that must hold the message before it counts as stored (Redis WAIT). With Sentinel,
   * an ack then survives the loss of the master.
   */
  minReplicas?: number;
  /** Explicit stream id (`<ms>-<n>`), only for back-dated demo data. */
  entryId?: string;
  /** General: every user is a member, no membership to check. */
  everyone: boolean;
}

export type AppendResult =
  /** `fed`: the room has feeds (libs/chat feeds) to copy the message into. */
  | { status: 'created'; message: Message; fed: boolean }
  | { status: 'duplicate'; message: Message }
  | { status: 'duplicate-trimmed'; id: string }
  | { status: 'no-room' }
  | { status: 'not-member' }
  | { status: 'blocked' };

@Injectable()
export class MessagesRepository {
  private readonly appendCmd: AppendCommand;
  private readonly pageBeforeCmd: PageBeforeCommand;
  private readonly rangeCmd: RangeCommand;
  private readonly syncCmd: SyncCommand;

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {
    this.appendCmd = defineScript<AppendCommand>(redis, 'parleyAppendMessage', 8, APPEND_MESSAGE);
    this.pageBeforeCmd = defineScript<PageBeforeCommand>(redis, 'parleyPageBefore', 3, PAGE_BEFORE);
    this.rangeCmd = defineScript<RangeCommand>(redis, 'parleyRange', 2, RANGE_WITH_STATE);
    this.syncCmd = defineScript<SyncCommand>(redis, 'parleySyncAfter', 4, SYNC_AFTER);
  }

  /** A range of the stream, each message in its current state. */
  private async range(
    roomId: string,
    direction: 'fwd' | 'rev',
    start: string,
    end: string,
    count: number,
  ): Promise<Message[]> {
    const [entries, states] = await this.rangeCmd(
      RedisKeys.roomMessages(roomId),
      RedisKeys.roomMessageState(roomId),
      direction,
      start,
      end,
      count,
    );
    return mergeStates(roomId, entries, states);
  }

  /** Stores a message and assigns its seq in one atomic step, honouring the clientId. */
  async append(input: AppendInput): Promise<AppendResult> {
    const { roomId, from, text, clientId = '' } = input;
    const cidKey = clientId
      ? RedisKeys.roomClientId(roomId, from, clientId)
      : RedisKeys.roomClientId(roomId, from, '-');
    const [status, id, extra, fed] = await this.appendCmd(
      RedisKeys.roomMessages(roomId),
      RedisKeys.roomSeq(roomId),
      cidKey,
      RedisKeys.room(roomId),
      RedisKeys.roomRoles(roomId),
      RedisKeys.roomChangeCount(roomId),
      RedisKeys.roomReadMarkers(roomId),
      RedisKeys.roomFeeds(roomId),
      from,
      text,
      clientId,
      input.maxLen,
      input.clientIdTtlSeconds,
      input.entryId ?? '*',
      input.everyone ? '1' : '0',
    );
    if (status === 3) return { status: 'no-room' };
    if (status === 4) return { status: 'not-member' };
    if (status === 5) return { status: 'blocked' };
    if (input.minReplicas) await this.awaitReplicas(input.minReplicas);
    if (status === 1) {
      return {
        status: 'created',
        message: entryToMessage(roomId, [
          id!,
          ['f', from, 'm', text, 's', String(extra), 'c', clientId],
        ]),
        fed: fed === 1,
      };
    }
    if (status === 0)
      return { status: 'duplicate', message: entryToMessage(roomId, [id!, extra as string[]]) };
    return { status: 'duplicate-trimmed', id: id! };
  }

  /**
   * Waits until the message is on `minReplicas` replicas, or on as many as the master has right
   * now: after a failover the promoted master may have none for a while, and refusing every
   * write until a new replica attaches would turn a failover into an outage.
   */
  private async awaitReplicas(minReplicas: number): Promise<void> {
    const wanted = Math.min(minReplicas, await this.connectedReplicas());
    if (wanted === 0) return;
    const acked = await this.redis.wait(wanted, REPLICA_WAIT_MS);
    if (acked < wanted) {
      // Stored on the master only: refuse the ack. A retry with the same clientId is safe.
      throw new Error(`NOREPLICAS message reached ${acked} of ${wanted} replicas in time`);
    }
  }

  private replicas = { count: 0, checkedAt: 0 };

  private async connectedReplicas(): Promise<number> {
    if (Date.now() - this.replicas.checkedAt > REPLICA_CHECK_MS) {
      const info = await this.redis.info('replication');
      this.replicas = {
        count: Number(/connected_slaves:(\d+)/.exec(info)?.[1] ?? 0),
        checkedAt: Date.now(),
      };
    }
    return this.replicas.count;
  }

  /**
   * Newest `limit` messages strictly older than `before` (or the newest overall), oldest first,
   * whether older ones exist, and the room seq they were read at; or 'unchanged' when the room's
   * seq is still `knownSeq` (no message and no change since), with no page sent.
   */
  async pageBefore(
    roomId: string,
    before: string | undefined,
    limit: number,
    knownSeq = '',
  ): Promise<SeqRead<{ messages: Message[]; hasMore: boolean }>> {
    // Redis refuses the exclusive range "(0-0" rather than returning nothing.
    if (before && isZeroId(before))
      return this.nothingAt(roomId, knownSeq, { messages: [], hasMore: false });
    const reply = await this.pageBeforeCmd(
      RedisKeys.roomMessages(roomId),
      RedisKeys.roomMessageState(roomId),
      RedisKeys.roomSeq(roomId),
      knownSeq,
      limit + 1,
      before ? `(${before}` : '+',
    );
    if (reply === 0) return 'unchanged';
    const [seq, entries, states] = reply;
    const messages = mergeStates(roomId, entries, states);
    return { messages: messages.slice(0, limit).reverse(), hasMore: messages.length > limit, seq };
  }

  /** An empty answer known without a script, at the room's current seq. */
  private async nothingAt<T extends object>(
    roomId: string,
    knownSeq: string,
    empty: T,
  ): Promise<SeqRead<T>> {
    const seq = (await this.redis.get(RedisKeys.roomSeq(roomId))) ?? '0';
    return seq === knownSeq ? 'unchanged' : { ...empty, seq };
  }

  /** Messages strictly after `cursor` ("0" = from the start), oldest first. */
  async after(
    roomId: string,
    cursor: string,
    limit: number,
  ): Promise<{ messages: Message[]; complete: boolean }> {
    // Likewise for an exclusive start after the largest possible id.
    if (cursor !== '0' && isLastId(cursor)) return { messages: [], complete: true };
    const start = cursor === '0' ? '-' : `(${cursor}`;
    const messages = await this.range(roomId, 'fwd', start, '+', limit + 1);
    return { messages: messages.slice(0, limit), complete: messages.length <= limit };
  }

  /**
   * `sync` for one room: the messages after `cursor` in their current state, and every message
   * changed after it (scripts/message-updates.lua.ts SYNC_AFTER), with the room seq it was read
   * at; or 'unchanged' while the room's seq is still `knownSeq`.
   */
  async syncAfter(
    roomId: string,
    cursor: string,
    limit: number,
    knownSeq = '',
  ): Promise<SeqRead<SyncRoomResult>> {
    // Likewise for an exclusive start after the largest possible id.
    if (cursor !== '0' && isLastId(cursor))
      return this.nothingAt(roomId, knownSeq, { messages: [], complete: true, updates: [] });
    const reply = await this.syncCmd(
      RedisKeys.roomMessages(roomId),
      RedisKeys.roomMessageState(roomId),
      RedisKeys.roomChanges(roomId),
      RedisKeys.roomSeq(roomId),
      cursor,
      limit + 1,
      knownSeq,
    );
    if (reply === 0) return 'unchanged';
    const [seq, entries, states, updates] = reply;
    const messages = mergeStates(roomId, entries, states);
    return {
      messages: messages.slice(0, limit),
      complete: messages.length <= limit,
      updates: toUpdates(roomId, updates),
      seq,
    };
  }

  /** Newest first, skipping `offset` (the reference client's paging). */
  async newestFirst(roomId: string, offset: number, size: number): Promise<Message[]> {
    return (await this.range(roomId, 'rev', '+', '-', offset + size)).slice(offset);
  }

  /** The newest message of each room (concurrently: the rooms live in different cluster slots). */
  async latest(roomIds: readonly string[]): Promise<Map<string, Message>> {
    const newest = await Promise.all(roomIds.map((id) => this.range(id, 'rev', '+', '-', 1)));
    return new Map(roomIds.flatMap((id, i) => (newest[i][0] ? [[id, newest[i][0]] as const] : [])));
  }

  async count(roomId: string): Promise<number> {
    return this.redis.xlen(RedisKeys.roomMessages(roomId));
  }
}
