import { Injectable } from '@nestjs/common';
import { FeedDto, Limits } from '@app/contracts';
import { FeedsRepository } from '@app/redis';
import { Conflict, NotFound } from '../errors/domain-error';
import { assertQueueName } from '../queues/queues.service';
import { RoomsService } from '../rooms/rooms.service';

/**
 * Room feeds: a member binds a room to one of their own /mq queues, and every later message and
 * change of the room is added there (FeedWriter does the adding). Only members create them; each
 * caller sees and removes only their own.
 */
@Injectable()
export class FeedsService {
  constructor(
    private readonly feeds: FeedsRepository,
    private readonly rooms: RoomsService,
  ) {}

  async create(userId: string, roomId: string, queue: string): Promise<FeedDto> {
    assertQueueName(queue);
    await this.rooms.assertMember(userId, roomId);
    const created = Date.now();
    const result = await this.feeds.add(
      { roomId, userId, queue, created },
      { perRoom: Limits.feedsPerRoom, perUser: Limits.feedsPerUser },
    );
    if (result === 'exists') throw Conflict(`This room already feeds your queue ${queue}`);
    if (result === 'room_full') throw Conflict(`A room has at most ${Limits.feedsPerRoom} feeds`);
    if (result === 'user_full') {
      throw Conflict(`An account has at most ${Limits.feedsPerUser} feeds; remove one first`);
    }
    return { roomId, queue, created };
  }

  /** The caller's feeds of the room (never another member's: their queues are theirs). */
  async list(userId: string, roomId: string): Promise<FeedDto[]> {
    await this.rooms.assertMember(userId, roomId);
    return (await this.feeds.ofRoom(roomId))
      .filter((f) => f.userId === userId)
      .sort((a, b) => a.created - b.created)
      .map(({ queue, created }) => ({ roomId, queue, created }));
  }

  /** Removes one of the caller's feeds; it need not be a member any more to clean up. */
  async remove(userId: string, roomId: string, queue: string): Promise<void> {
    assertQueueName(queue);
    if (!(await this.feeds.remove(roomId, userId, queue))) throw NotFound('No such feed');
  }
}
