import { Module } from '@nestjs/common';
import { ChatModule } from '@app/chat';
import { EventsController } from './events.controller';

/** `/api/events` (Server-Sent Events) and `/api/sync`: realtime without WebSocket. */
@Module({
  imports: [ChatModule],
  controllers: [EventsController],
})
export class EventsModule {}
