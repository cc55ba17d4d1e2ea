import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import {
  BusEvents,
  MessageCreatedEvent,
  RoomCreatedEvent,
  SessionRevokedEvent,
} from '@app/contracts';
import { ChatGateway } from '../chat/chat.gateway';

/**
 * Events from the API over the Nest Redis transport. Every gateway replica receives each one, so
 * each acts on its own sockets only (`server.local`); re-broadcasting would deliver N times.
 */
@Controller()
export class BusController {
  constructor(private readonly gateway: ChatGateway) {}

  @EventPattern(BusEvents.MessageCreated)
  onMessageCreated(@Payload() event: MessageCreatedEvent): void {
    this.gateway.deliverLocally(event.message);
  }

  @EventPattern(BusEvents.RoomCreated)
  onRoomCreated(@Payload() event: RoomCreatedEvent): void {
    this.gateway.announceRoomLocally(event.room, event.memberIds);
  }

  @EventPattern(BusEvents.SessionRevoked)
  onSessionRevoked(@Payload() event: SessionRevokedEvent): void {
    this.gateway.revokeLocally(event.sessionId);
  }
}
