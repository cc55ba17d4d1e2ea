import { Module } from '@nestjs/common';
import { MessagesService } from './messages/messages.service';
import { RoomsService } from './rooms/rooms.service';
import { UsersService } from './users/users.service';

/** The chat domain, shared by the API and the gateways. Needs RedisModule and the config. */
@Module({
  providers: [UsersService, RoomsService, MessagesService],
  exports: [UsersService, RoomsService, MessagesService],
})
export class ChatModule {}
