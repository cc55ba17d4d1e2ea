import { Injectable, Logger } from '@nestjs/common';
import { FeedItem, GENERAL_ROOM_ID } from '@app/contracts';
import { FeedRecord, FeedsRepository, RoomsRepository } from '@app/redis';
import { DomainError } from '../errors/domain-error';
import { ChatEventMap } from '../events/chat-events';
import { QueuesService } from '../queues/queues.service';

/**
 * The adding side of room feeds, fed by the domain's events (FeedingChatEvents). An event is
 * raised once, by the process that stored the change (an API, a gateway or a door), so each
 * message lands in each feed once however many processes run. Adding never fails or delays the
 * send: it runs after the event, and a full queue drops the item and counts it (`dropped` in the
 * queue's stats).
 */
@Injectable()
export class FeedWriter {
  private readonly logger = new Logger('FeedWriter');

  constructor(
    private readonly feeds: FeedsRepository,
    private readonly rooms: RoomsRepository,
    private readonly queues: QueuesService,
  ) {}

  /** Starts the work an event asks for; the promise (for tests) settles when it is done. */
  observe<K extends keyof ChatEventMap>(name: K, event: ChatEventMap[K]): Promise<void> {
    let work: Promise<void> | undefined;
    if (name === 'messageCreated') {
      // The append (and the change script below) told whether the room has feeds: most rooms
      // have none, and reading a room's feeds per message was a Redis round trip on every send.
      const { message, fed } = event as ChatEventMap['messageCreated'];
      if (fed) work = this.feed(message.roomId, { type: 'message', message });
    } else if (name === 'messageUpdated') {
      const { roomId, seq, message, fed } = event as ChatEventMap['messageUpdated'];
      if (fed) work = this.feed(roomId, { type: 'update', roomId, seq, message });
    } else if (name === 'memberLeft') {
      const { room, user } = event as ChatEventMap['memberLeft'];
      work = this.stop(room.id, user.id);
    }
    return (work ?? Promise.resolve()).catch((err: Error) =>
      this.logger.warn(`room feed skipped: ${err.message}`),
    );
  }

  private async feed(roomId: string, item: FeedItem): Promise<void> {
    const feeds = await this.feeds.ofRoom(roomId);
    if (feeds.length === 0) return;
    const value = JSON.stringify(item);
    await Promise.all(feeds.map((f) => this.addTo(f, value)));
  }

  private async addTo(feed: FeedRecord, value: string): Promise<void> {
    // A leave announced a moment ago may not have removed the feed yet: membership decides.
    if (!(await this.isMember(feed))) return this.stop(feed.roomId, feed.userId);
    try {
      await this.queues.add(feed.userId, feed.queue, value);
    } catch (err) {
      if (!(err instanceof DomainError && err.code === 'conflict')) throw err;
      await this.feeds.countDropped(feed.userId, feed.queue);
    }
  }

  private async isMember({ roomId, userId }: FeedRecord): Promise<boolean> {
    if (roomId === GENERAL_ROOM_ID) return true;
    const access = await this.rooms.access(roomId, userId);
    return Boolean(access.kind && access.role);
  }

  /** A member left or was removed: their feeds of the room end. */
  private async stop(roomId: string, userId: string): Promise<void> {
    const mine = (await this.feeds.ofRoom(roomId)).filter((f) => f.userId === userId);
    await Promise.all(mine.map((f) => this.feeds.remove(roomId, userId, f.queue)));
  }
}
