import { Module } from '@nestjs/common';
import { ChatModule } from '@app/chat';
import { MessagesController } from './messages.controller';

@Module({
  imports: [ChatModule],
  controllers: [MessagesController],
})
export class MessagesModule {}
