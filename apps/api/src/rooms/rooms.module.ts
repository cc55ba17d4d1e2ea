import { Module } from '@nestjs/common';
import { ChatModule } from '@app/chat';
import { RoomsController } from './rooms.controller';

@Module({
  imports: [ChatModule],
  controllers: [RoomsController],
})
export class RoomsModule {}
