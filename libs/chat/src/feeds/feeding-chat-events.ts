import { Injectable } from '@nestjs/common';
import { ChatEventMap, ChatEventName, ChatEvents } from '../events/chat-events';
import { SocketAnnouncer } from '../realtime/socket-announcer';
import { FeedWriter } from './feed-writer';

/** The ChatEvents port of every app: announced over Socket.IO, then handed to the room feeds. */
@Injectable()
export class FeedingChatEvents extends ChatEvents {
  constructor(
    private readonly announcer: SocketAnnouncer,
    private readonly feeds: FeedWriter,
  ) {
    super();
  }

  emit<K extends ChatEventName>(name: K, event: ChatEventMap[K]): void {
    this.announcer.emit(name, event);
    void this.feeds.observe(name, event);
  }
}
