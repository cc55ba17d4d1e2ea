import { Module } from '@nestjs/common';
import { ChatModule } from '@app/chat';
import { FeedsController } from './feeds.controller';
import { RoomsController } from './rooms.controller';

@Module({
  imports: [ChatModule],
  controllers: [RoomsController, FeedsController],
})
export class RoomsModule {}
