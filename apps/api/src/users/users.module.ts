import { Module } from '@nestjs/common';
import { ChatModule } from '@app/chat';
import { BlocksController } from './blocks.controller';
import { UsersController } from './users.controller';

@Module({
  imports: [ChatModule],
  controllers: [UsersController, BlocksController],
})
export class UsersModule {}
