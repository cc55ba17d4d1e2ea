import { Inject, Injectable } from '@nestjs/common';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { EMOJI_MESSAGE, GENERAL_ROOM_ID, isReactionEmoji, Limits, Message } from '@app/contracts';
import {
  ChangeResult,
  MessageChange,
  MessageChangesRepository,
  RateLimitRepository,
} from '@app/redis';
import { LeasedRateLimiter } from '../common/leased-rate-limiter';
import {
  BadRequest,
  Conflict,
  DomainError,
  Forbidden,
  NotFound,
  RateLimitedException,
} from '../errors/domain-error';
import { ChatEvents } from '../events/chat-events';
import { parseRoomId } from '../rooms/room-id';

type Refusal = Exclude<ChangeResult, { message: Message }>['status'];

/** Each refusal of the store, as the domain error every transport maps. */
const REFUSALS: Record<Refusal, () => DomainError> = {
  no_room: () => NotFound(),
  not_member: () => Forbidden('Not a member of this room'),
  no_message: () => NotFound('Message not found'),
  not_author: () => Forbidden('Only the author can edit a message'),
  not_allowed: () => Forbidden('Only the author or a room admin can delete a message'),
  deleted: () => Conflict('The message was deleted'),
  too_many: () =>
    Conflict(`A message has at most ${Limits.reactionsPerMessageMax} different reactions`),
};

/**
 * Edits, deletions and reactions. The rules (author edits; author or room admin deletes; a
 * reaction is once per user and emoji) are checked by the store in the same step as the change
 * and its seq; a change that changes nothing (same text, deleted twice, the same reaction again)
 * takes no seq and announces nothing, and answers the message as it stands.
 */
@Injectable()
export class MessageUpdatesService {
  /** Per user, socket and REST together, beside (not out of) the message limit. */
  private readonly changeLimit: LeasedRateLimiter;

  constructor(
    private readonly changes: MessageChangesRepository,
    private readonly events: ChatEvents,
    limits: RateLimitRepository,
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
  ) {
    this.changeLimit = new LeasedRateLimiter(
      limits,
      'chg',
      config.limits.messagesPerMinute,
      60_000,
    );
  }

  edit(userId: string, roomId: string, messageId: string, text: string): Promise<Message> {
    return this.change(userId, roomId, messageId, { op: 'edit', text });
  }

  remove(userId: string, roomId: string, messageId: string): Promise<Message> {
    return this.change(userId, roomId, messageId, { op: 'delete' });
  }

  async react(
    userId: string,
    roomId: string,
    messageId: string,
    emoji: string,
    on: boolean,
  ): Promise<Message> {
    if (!isReactionEmoji(emoji)) throw BadRequest(EMOJI_MESSAGE);
    return this.change(userId, roomId, messageId, { op: 'react', emoji, on });
  }

  private async change(
    userId: string,
    roomId: string,
    messageId: string,
    change: MessageChange,
  ): Promise<Message> {
    if (!parseRoomId(roomId)) throw NotFound();
    const decision = await this.changeLimit.hit(userId);
    if (!decision.allowed)
      throw new RateLimitedException(decision.retryAfterMs, 'Message change rate limit reached');
    const result = await this.changes.change({
      roomId,
      messageId,
      userId,
      change,
      everyone: roomId === GENERAL_ROOM_ID,
      maxLen: this.config.historyMaxPerRoom,
      reactionsMax: Limits.reactionsPerMessageMax,
    });
    if (result.status === 'same') return result.message;
    if (result.status !== 'changed') throw REFUSALS[result.status]();
    this.events.emit('messageUpdated', {
      roomId,
      seq: result.seq,
      message: result.message,
      fed: result.fed,
    });
    return result.message;
  }
}
