import type { Ack, Message, Room, User } from './models';

/** Socket.IO event names (docs/socket-io.md). The only place they are spelled out. */
export const ClientEvents = {
  Message: 'message',
  RoomJoin: 'room.join',
  Typing: 'typing',
  Sync: 'sync',
} as const;

export const ServerEvents = {
  Message: 'message',
  Typing: 'typing',
  UserConnected: 'user.connected',
  UserDisconnected: 'user.disconnected',
  ShowRoom: 'show.room',
  SessionRevoked: 'session.revoked',
} as const;

/** Events between the apps over the Nest Redis microservice transport. */
export const BusEvents = {
  MessageCreated: 'parley.message.created',
  RoomCreated: 'parley.room.created',
  SessionRevoked: 'parley.session.revoked',
} as const;

export interface MessageCreatedEvent {
  message: Message;
}
export interface RoomCreatedEvent {
  room: Room;
  memberIds: string[];
}
export interface SessionRevokedEvent {
  sessionId: string;
  userId: string;
}

export interface SendMessagePayload {
  roomId: string;
  message: string;
  clientId?: string;
}
export interface TypingPayload {
  roomId: string;
  typing: boolean;
}
export interface SyncPayload {
  cursors: Record<string, string>;
}
export interface SyncRoomResult {
  messages: Message[];
  complete: boolean;
}

export interface TypingEvent {
  roomId: string;
  userId: string;
  typing: boolean;
}

type AckFn<T extends object = object> = (ack: Ack<T>) => void;

/** Typed maps for `Server<ClientToServerEvents, ServerToClientEvents>` and the client `Socket`. */
export interface ClientToServerEvents {
  [ClientEvents.Message]: (payload: SendMessagePayload, ack?: AckFn<{ message: Message }>) => void;
  [ClientEvents.RoomJoin]: (roomId: string, ack?: AckFn) => void;
  [ClientEvents.Typing]: (payload: TypingPayload, ack?: AckFn) => void;
  [ClientEvents.Sync]: (
    payload: SyncPayload,
    ack?: AckFn<{ rooms: Record<string, SyncRoomResult> }>,
  ) => void;
}

export interface ServerToClientEvents {
  [ServerEvents.Message]: (message: Message) => void;
  [ServerEvents.Typing]: (event: TypingEvent) => void;
  [ServerEvents.UserConnected]: (user: User) => void;
  [ServerEvents.UserDisconnected]: (user: User) => void;
  [ServerEvents.ShowRoom]: (room: Room) => void;
  [ServerEvents.SessionRevoked]: (payload: Record<string, never>) => void;
}
