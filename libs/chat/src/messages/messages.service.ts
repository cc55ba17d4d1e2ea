import { ConflictException, Inject, Injectable } from '@nestjs/common';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { Limits, Message, MessagePage, SyncRoomResult } from '@app/contracts';
import { MessagesRepository, RateLimitRepository } from '@app/redis';
import { LRUCache } from 'lru-cache';
import { LeasedRateLimiter } from '../common/leased-rate-limiter';
import { RateLimitedException } from '../common/rate-limited.exception';
import { RoomsService } from '../rooms/rooms.service';

export interface SendResult {
  message: Message;
  /** False when the clientId matched an earlier send: nothing new was stored. */
  created: boolean;
}

/** Rooms whose newest page is kept in memory (each about 10 KB at the default page size). */
const NEWEST_PAGES_MAX = 1_000;

interface CachedPage {
  newestId: string;
  page: MessagePage;
}

@Injectable()
export class MessagesService {
  /**
   * The newest page of each busy room, the page every client reads when it opens the room.
   * Redis is still asked on every read, but only whether the newest message changed; the page is
   * sent (and decoded) again only when it did.
   */
  private readonly newestPages = new LRUCache<string, CachedPage>({ max: NEWEST_PAGES_MAX });

  /** Per user, socket and REST together, across every process. */
  private readonly sendLimit: LeasedRateLimiter;

  constructor(
    private readonly messages: MessagesRepository,
    private readonly rooms: RoomsService,
    limits: RateLimitRepository,
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
  ) {
    this.sendLimit = new LeasedRateLimiter(limits, 'msg', config.limits.messagesPerMinute, 60_000);
  }

  /**
   * Stores a message from `userId` (always the authenticated user, never a client field).
   * The caller broadcasts it only when `created` is true, so a retried send is delivered once.
   */
  async send(userId: string, roomId: string, text: string, clientId?: string): Promise<SendResult> {
    await this.rooms.assertMember(userId, roomId);
    return this.sendAsMember(userId, roomId, text, clientId);
  }

  /**
   * `send` for a caller that has already established membership (a gateway keeps it per socket):
   * saves a Redis round trip per message.
   */
  async sendAsMember(
    userId: string,
    roomId: string,
    text: string,
    clientId?: string,
  ): Promise<SendResult> {
    const decision = await this.sendLimit.hit(userId);
    if (!decision.allowed)
      throw new RateLimitedException(decision.retryAfterMs, 'Message rate limit reached');
    const result = await this.messages.append({
      roomId,
      from: userId,
      text,
      clientId,
      maxLen: this.config.historyMaxPerRoom,
      clientIdTtlSeconds: Limits.clientIdTtlSeconds,
      minReplicas: this.config.redisMinReplicas,
    });
    if (result.status === 'duplicate-trimmed') {
      throw new ConflictException('clientId was used for a message that is no longer in history');
    }
    return { message: result.message, created: result.status === 'created' };
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

  private async newestPage(roomId: string, limit: number): Promise<MessagePage> {
    const key = `${limit}/${roomId}`;
    const cached = this.newestPages.get(key);
    const fresh = await this.messages.newestPage(roomId, limit, cached?.newestId);
    if (fresh === 'unchanged' && cached) return cached.page;
    if (fresh === 'unchanged') throw new Error('newestPage: unchanged without a known id');
    const page = toPage(fresh);
    const newest = fresh.messages.at(-1);
    // Shared by every reader from now on, so frozen against a caller that would edit it.
    if (newest) this.newestPages.set(key, { newestId: newest.id, page: deepFreeze(page) });
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

  /** Messages after a cursor for recovery; `complete:false` means call again from the last id. */
  async after(roomId: string, cursor: string, limit = Limits.syncPageMax): Promise<SyncRoomResult> {
    return this.messages.after(roomId, cursor, limit);
  }
}

function toPage({ messages, hasMore }: { messages: Message[]; hasMore: boolean }): MessagePage {
  return { messages, nextBefore: hasMore && messages.length > 0 ? messages[0].id : null };
}

function deepFreeze(page: MessagePage): MessagePage {
  page.messages.forEach((m) => Object.freeze(m));
  Object.freeze(page.messages);
  return Object.freeze(page);
}
