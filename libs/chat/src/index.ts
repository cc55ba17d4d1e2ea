export * from './chat.module';
export * from './common/rate-limited.exception';
export * from './users/users.service';
export * from './rooms/room-id';
export * from './rooms/rooms.service';
export * from './messages/messages.service';
export * from './common/origin';
export * from './common/session-cookie';
