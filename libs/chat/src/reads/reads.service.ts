import { Injectable } from '@nestjs/common';
import { ReadsRepository } from '@app/redis';
import { ChatEvents } from '../events/chat-events';
import { RoomsService } from '../rooms/rooms.service';

/**
 * Read markers: moved forward only, by the user (REST, socket) or by sending (in the append
 * itself). Unread counts are read with the room list (RoomsService); the design that keeps them
 * O(1) per room is in libs/redis/src/scripts/message-updates.lua.ts.
 */
@Injectable()
export class ReadsService {
  constructor(
    private readonly reads: ReadsRepository,
    private readonly rooms: RoomsService,
    private readonly events: ChatEvents,
  ) {}

  /**
   * Moves the caller's marker to `seq` (capped at the room's newest) unless it is already there
   * or further; a move reaches the user's sockets on every gateway. Returns the marker.
   */
  async markRead(userId: string, roomId: string, seq: number): Promise<number> {
    await this.rooms.assertMember(userId, roomId);
    const { moved, readSeq } = await this.reads.mark(roomId, userId, seq);
    if (moved) this.events.emit('readMoved', { userId, roomId, readSeq });
    return readSeq;
  }
}
