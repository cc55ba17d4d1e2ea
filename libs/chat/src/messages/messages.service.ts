import { Inject, Injectable } from '@nestjs/common';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { GENERAL_ROOM_ID, Limits, Message, MessagePage, SyncRoomResult } from '@app/contracts';
import { MessagesRepository, RateLimitRepository } from '@app/redis';
import { LeasedRateLimiter } from '../common/leased-rate-limiter';
import {
  Blocked,
  Conflict,
  Forbidden,
  NotFound,
  RateLimitedException,
} from '../errors/domain-error';
import { ChatEvents } from '../events/chat-events';
import { parseRoomId } from '../rooms/room-id';
import { RoomsService } from '../rooms/rooms.service';
import { ReadCopies } from './read-copies';

export interface SendResult {
  message: Message;
  /** False when the clientId matched an earlier send: nothing new was stored. */
  created: boolean;
}

/**
 * How many messages the copies of history pages, and those of sync answers, hold at most (a
 * message is a few hundred bytes: some 5–10 MB each per process at the bound).
 */
const READ_COPIES_MAX_MESSAGES = 25_000;

@Injectable()
export class MessagesService {
  /**
   * Recent history pages and `sync` answers, by room and position (read-copies.ts). Many clients
   * read the same ones: the newest page when they open a room, and after a gateway restart every
   * client of a busy room syncs from about the same cursor.
   */
  private readonly pages = new ReadCopies<MessagePage>({
    maxSize: READ_COPIES_MAX_MESSAGES,
    sizeOf: (page) => page.messages.length,
  });
  private readonly syncs = new ReadCopies<SyncRoomResult>({
    maxSize: READ_COPIES_MAX_MESSAGES,
    sizeOf: (result) => result.messages.length + result.updates.length,
  });

  /** Per user, socket and REST together, across every process. */
  private readonly sendLimit: LeasedRateLimiter;

  constructor(
    private readonly messages: MessagesRepository,
    private readonly rooms: RoomsService,
    private readonly events: ChatEvents,
    limits: RateLimitRepository,
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
  ) {
    this.sendLimit = new LeasedRateLimiter(limits, 'msg', config.limits.messagesPerMinute, 60_000);
  }

  /**
   * Stores a message from `userId` (always the authenticated user, never a client field) and
   * announces it; a clientId replay returns the stored copy and announces nothing. Membership is
   * checked by the store itself. With `openDm` (the socket), a first message to a DM that does
   * not exist yet opens it: the reference client starts DMs that way.
   */
  async send(
    userId: string,
    roomId: string,
    text: string,
    clientId?: string,
    opts: { openDm?: boolean } = {},
  ): Promise<SendResult> {
    const parsed = parseRoomId(roomId);
    if (!parsed) throw NotFound();
    const decision = await this.sendLimit.hit(userId);
    if (!decision.allowed)
      throw new RateLimitedException(decision.retryAfterMs, 'Message rate limit reached');
    let result = await this.append(userId, roomId, text, clientId);
    let openedWith: string[] | undefined;
    if (
      opts.openDm &&
      result.status === 'no-room' &&
      parsed.kind === 'dm' &&
      parsed.members.includes(userId)
    ) {
      const peer = parsed.members[0] === userId ? parsed.members[1] : parsed.members[0];
      if ((await this.rooms.openDm(userId, peer)).created) openedWith = parsed.members;
      result = await this.append(userId, roomId, text, clientId);
    }
    switch (result.status) {
      case 'no-room':
        throw NotFound();
      case 'not-member':
        throw Forbidden('Not a member of this room');
      case 'blocked':
        throw Blocked();
      case 'duplicate-trimmed':
        throw Conflict('clientId was used for a message that is no longer in history');
      case 'duplicate':
        // A retry carries the same text; a different one is a client reusing its keys.
        if (result.message.message !== text)
          throw Conflict('clientId was already used for a different message');
        return { message: result.message, created: false };
      case 'created':
        this.events.emit('messageCreated', {
          message: result.message,
          toUsers: openedWith,
          fed: result.fed,
        });
        return { message: result.message, created: true };
    }
  }

  private append(userId: string, roomId: string, text: string, clientId?: string) {
    return this.messages.append({
      roomId,
      from: userId,
      text,
      clientId,
      everyone: roomId === GENERAL_ROOM_ID,
      maxLen: this.config.historyMaxPerRoom,
      clientIdTtlSeconds: Limits.clientIdTtlSeconds,
      minReplicas: this.config.redisMinReplicas,
    });
  }

  /** A history page: the newest `limit` before `before`, oldest first. */
  async history(
    userId: string,
    roomId: string,
    before: string | undefined,
    limit: number,
  ): Promise<MessagePage> {
    await this.rooms.assertMember(userId, roomId);
    return this.pages.read(
      `${limit}/${roomId}/${before ?? ''}`,
      (knownSeq) => this.messages.pageBefore(roomId, before, limit, knownSeq),
      (read) => deepFreeze(toPage(read)),
    );
  }

  /** Forward paging: the first `limit` messages after `after` ("0": from the first), oldest first. */
  async historyAfter(
    userId: string,
    roomId: string,
    after: string,
    limit: number,
  ): Promise<MessagePage> {
    await this.rooms.assertMember(userId, roomId);
    const { messages, complete } = await this.messages.after(roomId, after, limit);
    return { messages, nextBefore: null, nextAfter: complete ? null : messages[limit - 1].id };
  }

  /** The reference client's paging: newest first from `offset`. */
  async newestFirst(
    userId: string,
    roomId: string,
    offset: number,
    size: number,
  ): Promise<Message[]> {
    await this.rooms.assertMember(userId, roomId);
    return this.messages.newestFirst(roomId, offset, size);
  }

  /**
   * Recovery: for each room the caller is a member of, the messages after its cursor (at most
   * 500; `complete:false` means call again from the last id) and, as `updates`, every message
   * changed after it in its current state. Rooms the caller is not in are left out; a Redis
   * error fails the whole answer rather than silently dropping rooms.
   */
  async sync(
    userId: string,
    cursors: Record<string, string>,
  ): Promise<Record<string, SyncRoomResult>> {
    const results = await Promise.all(
      Object.entries(cursors).map(async ([roomId, cursor]) => {
        if (!(await this.rooms.isMember(userId, roomId))) return null;
        const result = await this.syncs.read(
          `${roomId}/${cursor}`,
          (knownSeq) => this.messages.syncAfter(roomId, cursor, Limits.syncPageMax, knownSeq),
          freezeSync,
        );
        return [roomId, result] as const;
      }),
    );
    return Object.fromEntries(results.filter((r) => r !== null));
  }
}

function toPage({ messages, hasMore }: { messages: Message[]; hasMore: boolean }): MessagePage {
  return { messages, nextBefore: hasMore && messages.length > 0 ? messages[0].id : null };
}

function freezeMessage(m: Message): void {
  m.reactions?.forEach((r) => Object.freeze(r.userIds));
  Object.freeze(m.reactions);
  Object.freeze(m);
}

function deepFreeze(page: MessagePage): MessagePage {
  page.messages.forEach(freezeMessage);
  Object.freeze(page.messages);
  return Object.freeze(page);
}

function freezeSync(result: SyncRoomResult): SyncRoomResult {
  result.messages.forEach(freezeMessage);
  result.updates.forEach((u) => {
    freezeMessage(u.message);
    Object.freeze(u);
  });
  Object.freeze(result.messages);
  Object.freeze(result.updates);
  return Object.freeze(result);
}
