import { Module } from '@nestjs/common';
import { AuthThrottling, ReadRateLimiter } from './common/request-limits';
import { BlocksService } from './blocks/blocks.service';
import { ChatEvents } from './events/chat-events';
import { MessagesService } from './messages/messages.service';
import { MessageUpdatesService } from './messages/message-updates.service';
import { ReadsService } from './reads/reads.service';
import { PresenceService } from './presence/presence.service';
import { StatusService } from './presence/status.service';
import { SocketAnnouncer } from './realtime/socket-announcer';
import { MembershipService } from './rooms/membership.service';
import { RoomsService } from './rooms/rooms.service';
import { SessionsService } from './sessions/sessions.service';
import { LineLoginService } from './talk/line-login.service';
import { TalkService } from './talk/talk.service';
import { UsersService } from './users/users.service';
import { ApiTokensService } from './tokens/api-tokens.service';
import { QueuesService } from './queues/queues.service';
import { QueueConsumers } from './queues/queue-consumers';
import { FeedsService } from './feeds/feeds.service';
import { FeedWriter } from './feeds/feed-writer';
import { FeedingChatEvents } from './feeds/feeding-chat-events';
import { EventSubscriptions } from './subscriptions/event-subscriptions';

const services = [
  UsersService,
  RoomsService,
  MembershipService,
  MessagesService,
  MessageUpdatesService,
  ReadsService,
  PresenceService,
  StatusService,
  BlocksService,
  SessionsService,
  TalkService,
  LineLoginService,
  ApiTokensService,
  QueuesService,
  QueueConsumers,
  FeedsService,
  FeedWriter,
  EventSubscriptions,
];

/** The API's per-request limits, so that apps never hold a rate-limit repository themselves. */
const requestLimits = [AuthThrottling, ReadRateLimiter];

/**
 * The chat domain, shared by the API and the gateways (needs RedisModule and the config).
 * Domain events leave through the ChatEvents port; both apps announce them with the
 * SocketAnnouncer, attached to their Socket.IO server (a gateway's own, the API's detached one).
 */
@Module({
  providers: [
    ...services,
    ...requestLimits,
    SocketAnnouncer,
    // Announced over Socket.IO, then handed to the room feeds.
    { provide: ChatEvents, useClass: FeedingChatEvents },
  ],
  exports: [...services, ...requestLimits, SocketAnnouncer, ChatEvents],
})
export class ChatModule {}
