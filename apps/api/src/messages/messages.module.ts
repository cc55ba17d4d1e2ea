import { Module } from '@nestjs/common';
import { ChatModule } from '@app/chat';
import { MessageChangesController } from './message-changes.controller';
import { MessagesController } from './messages.controller';

@Module({
  imports: [ChatModule],
  controllers: [MessagesController, MessageChangesController],
})
export class MessagesModule {}
