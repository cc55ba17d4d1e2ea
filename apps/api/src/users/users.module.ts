import { Module } from '@nestjs/common';
import { ChatModule } from '@app/chat';
import { UsersController } from './users.controller';

@Module({
  imports: [ChatModule],
  controllers: [UsersController],
})
export class UsersModule {}
