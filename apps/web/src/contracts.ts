// The wire contract's names, shapes and limits, shared with the server (libs/contracts). Only the
// dependency-free modules are imported (DTO classes as types only): the package index also
// carries class-validator DTOs.
export { ServerEvents } from '../../../libs/contracts/src/events';
export type {
  MemberEvent,
  MessageUpdate,
  MessageUpdatedEvent,
  RoomReadEvent,
  RoomLeftEvent,
  TypingEvent,
} from '../../../libs/contracts/src/events';
export { GENERAL_ROOM_ID, GENERAL_ROOM_NAME, Limits } from '../../../libs/contracts/src/limits';
export { ApiPaths, WebPaths } from '../../../libs/contracts/src/routes';
export type {
  AuthResult,
  MembersPage,
  Message,
  MessagePage,
  OwnStatus,
  Reaction,
  Room,
  RoomDirectoryPage,
  RoomKind,
  RoomMember,
  RoomRole,
  StatusSetting,
  User,
  UserStatus,
  UsersPage,
} from '../../../libs/contracts/src/models';
export type {
  ApiTokenDto as ApiToken,
  ApiTokenScope,
  CreatedApiTokenDto as CreatedApiToken,
} from '../../../libs/contracts/src/dto/token.dto';
