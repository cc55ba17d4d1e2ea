import { Inject, Injectable } from '@nestjs/common';
import type { Message } from '@app/contracts';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '../redis.constants';
import { RedisKeys } from '../redis-keys';
import { defineScript } from '../scripts/define-script';
import { APPEND_MESSAGE, NEWEST_PAGE } from '../scripts/lua';

type StreamEntry = [id: string, fields: string[]];

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
  from: string,
  text: string,
  clientId: string,
  maxLen: number,
  clientIdTtl: number,
  entryId: string,
  everyone: '0' | '1',
) => Promise<[number, string?, (number | string[])?]>;

type NewestPageCommand = (
  streamKey: string,
  knownNewestId: string,
  count: number,
) => Promise<0 | StreamEntry[]>;

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
  | { status: 'created'; message: Message }
  | { status: 'duplicate'; message: Message }
  | { status: 'duplicate-trimmed'; id: string }
  | { status: 'no-room' }
  | { status: 'not-member' };

interface StoredBody {
  f: string;
  m: string;
  s: number | string;
  c?: string;
}

/**
 * Builds a Message from a stream entry; the date is the entry id's millisecond time. Entries hold
 * one JSON field `j` ({f, m, s, c}); entries written before that format (fields f, m, s, c) are
 * read as well.
 */
export function entryToMessage(roomId: string, [id, fields]: StreamEntry): Message {
  let body: StoredBody;
  if (fields[0] === 'j') {
    body = JSON.parse(fields[1]) as StoredBody;
  } else {
    const f: Record<string, string> = {};
    for (let i = 0; i < fields.length; i += 2) f[fields[i]] = fields[i + 1];
    body = { f: f.f, m: f.m, s: f.s, c: f.c };
  }
  const message: Message = {
    id,
    roomId,
    from: body.f,
    message: body.m,
    date: Number(id.slice(0, id.indexOf('-'))) / 1000,
    seq: Number(body.s),
  };
  if (body.c) message.clientId = body.c;
  return message;
}

@Injectable()
export class MessagesRepository {
  private readonly appendCmd: AppendCommand;
  private readonly newestPageCmd: NewestPageCommand;

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {
    this.appendCmd = defineScript<AppendCommand>(redis, 'parleyAppendMessage', 5, APPEND_MESSAGE);
    this.newestPageCmd = defineScript<NewestPageCommand>(redis, 'parleyNewestPage', 1, NEWEST_PAGE);
  }

  /** Stores a message and assigns its seq in one atomic step, honouring the clientId. */
  async append(input: AppendInput): Promise<AppendResult> {
    const { roomId, from, text, clientId = '' } = input;
    const cidKey = clientId
      ? RedisKeys.roomClientId(roomId, from, clientId)
      : RedisKeys.roomClientId(roomId, from, '-');
    const [status, id, extra] = await this.appendCmd(
      RedisKeys.roomMessages(roomId),
      RedisKeys.roomSeq(roomId),
      cidKey,
      RedisKeys.room(roomId),
      RedisKeys.roomRoles(roomId),
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
    if (input.minReplicas) await this.awaitReplicas(input.minReplicas);
    if (status === 1) {
      return {
        status: 'created',
        message: entryToMessage(roomId, [
          id!,
          ['f', from, 'm', text, 's', String(extra), 'c', clientId],
        ]),
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
   * Newest `limit` messages strictly older than `before` (or the newest overall), returned oldest
   * first, plus whether older ones exist.
   */
  async pageBefore(
    roomId: string,
    before: string | undefined,
    limit: number,
  ): Promise<{ messages: Message[]; hasMore: boolean }> {
    // Redis refuses the exclusive range "(0-0" rather than returning nothing.
    if (before && isZeroId(before)) return { messages: [], hasMore: false };
    const entries = (await this.redis.xrevrange(
      RedisKeys.roomMessages(roomId),
      before ? `(${before}` : '+',
      '-',
      'COUNT',
      limit + 1,
    )) as StreamEntry[];
    const hasMore = entries.length > limit;
    const page = entries.slice(0, limit).reverse();
    return { messages: page.map((e) => entryToMessage(roomId, e)), hasMore };
  }

  /**
   * The newest `limit` messages, oldest first, like `pageBefore(roomId, undefined, limit)`; or
   * 'unchanged' when the room's newest message is still `knownNewestId`, with no page sent.
   */
  async newestPage(
    roomId: string,
    limit: number,
    knownNewestId = '',
  ): Promise<{ messages: Message[]; hasMore: boolean } | 'unchanged'> {
    const reply = await this.newestPageCmd(
      RedisKeys.roomMessages(roomId),
      knownNewestId,
      limit + 1,
    );
    if (reply === 0) return 'unchanged';
    const hasMore = reply.length > limit;
    const page = reply.slice(0, limit).reverse();
    return { messages: page.map((e) => entryToMessage(roomId, e)), hasMore };
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
    const entries = (await this.redis.xrange(
      RedisKeys.roomMessages(roomId),
      start,
      '+',
      'COUNT',
      limit + 1,
    )) as StreamEntry[];
    const complete = entries.length <= limit;
    return { messages: entries.slice(0, limit).map((e) => entryToMessage(roomId, e)), complete };
  }

  /** Newest first, skipping `offset` (the reference client's paging). */
  async newestFirst(roomId: string, offset: number, size: number): Promise<Message[]> {
    const entries = (await this.redis.xrevrange(
      RedisKeys.roomMessages(roomId),
      '+',
      '-',
      'COUNT',
      offset + size,
    )) as StreamEntry[];
    return entries.slice(offset).map((e) => entryToMessage(roomId, e));
  }

  /** The newest message of each room, in one round trip. */
  async latest(roomIds: readonly string[]): Promise<Map<string, Message>> {
    const result = new Map<string, Message>();
    if (roomIds.length === 0) return result;
    // Concurrent commands rather than one pipeline: the rooms live in different cluster slots.
    const replies = await Promise.all(
      roomIds.map((id) => this.redis.xrevrange(RedisKeys.roomMessages(id), '+', '-', 'COUNT', 1)),
    );
    replies.forEach((entries, i) => {
      const list = entries as StreamEntry[];
      if (list.length > 0) result.set(roomIds[i], entryToMessage(roomIds[i], list[0]));
    });
    return result;
  }

  async count(roomId: string): Promise<number> {
    return this.redis.xlen(RedisKeys.roomMessages(roomId));
  }
}
