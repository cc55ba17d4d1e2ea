import { Inject, Injectable } from '@nestjs/common';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { GENERAL_ROOM_ID, Limits, Message, MessagePage, SyncRoomResult } from '@app/contracts';
import { MessagesRepository, RateLimitRepository } from '@app/redis';
import { LRUCache } from 'lru-cache';
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

export interface SendResult {
  message: Message;
  /** False when the clientId matched an earlier send: nothing new was stored. */
  created: boolean;
}

/** Rooms whose newest page is kept in memory (each about 10 KB at the default page size). */
const NEWEST_PAGES_MAX = 1_000;

interface CachedPage {
  /** The room's seq when the page was read: every message and every change moves it. */
  seq: string;
  page: MessagePage;
}

@Injectable()
export class MessagesService {
  /**
   * The newest page of each busy room, the page every client reads when it opens the room.
   * Redis is still asked on every read, but only whether the room's seq moved (a new message, or
   * an edit, deletion or reaction anywhere in the room: each takes a seq); the page is sent (and
   * decoded) again only when it did. So a copy held by one process is never stale after a change
   * made through another.
   */
  private readonly newestPages = new LRUCache<string, CachedPage>({ max: NEWEST_PAGES_MAX });

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
    if (before === undefined) return this.newestPage(roomId, limit);
    return toPage(await this.messages.pageBefore(roomId, before, limit));
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

  private async newestPage(roomId: string, limit: number): Promise<MessagePage> {
    const key = `${limit}/${roomId}`;
    const cached = this.newestPages.get(key);
    const fresh = await this.messages.newestPage(roomId, limit, cached?.seq);
    if (fresh === 'unchanged' && cached) return cached.page;
    if (fresh === 'unchanged') throw new Error('newestPage: unchanged without a known seq');
    const page = toPage(fresh);
    // Shared by every reader from now on, so frozen against a caller that would edit it.
    if (fresh.messages.length > 0)
      this.newestPages.set(key, { seq: fresh.seq, page: deepFreeze(page) });
    return page;
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
        return [roomId, await this.messages.syncAfter(roomId, cursor, Limits.syncPageMax)] as const;
      }),
    );
    return Object.fromEntries(results.filter((r) => r !== null));
  }
}

function toPage({ messages, hasMore }: { messages: Message[]; hasMore: boolean }): MessagePage {
  return { messages, nextBefore: hasMore && messages.length > 0 ? messages[0].id : null };
}

function deepFreeze(page: MessagePage): MessagePage {
  page.messages.forEach((m) => {
    m.reactions?.forEach((r) => Object.freeze(r.userIds));
    Object.freeze(m.reactions);
    Object.freeze(m);
  });
  Object.freeze(page.messages);
  return Object.freeze(page);
}
