import type { Ack, Message, Room, RoomRole, User } from './models';

/** Socket.IO event names (docs/socket-io.md). The only place they are spelled out. */
export const ClientEvents = {
  Message: 'message',
  RoomJoin: 'room.join',
  Typing: 'typing',
  Sync: 'sync',
  PresenceWatch: 'presence.watch',
  RoomRead: 'room.read',
  MessageEdit: 'message.edit',
  MessageDelete: 'message.delete',
  MessageReact: 'message.react',
} as const;

export const ServerEvents = {
  Message: 'message',
  Typing: 'typing',
  UserConnected: 'user.connected',
  UserDisconnected: 'user.disconnected',
  ShowRoom: 'show.room',
  SessionRevoked: 'session.revoked',
  RoomJoined: 'room.joined',
  RoomLeft: 'room.left',
  RoomUpdated: 'room.updated',
  MemberJoined: 'member.joined',
  MemberLeft: 'member.left',
  MemberUpdated: 'member.updated',
  TalkStart: 'talk.start',
  TalkStop: 'talk.stop',
  UserStatus: 'user.status',
  RoomRead: 'room.read',
  MessageUpdated: 'message.updated',
} as const;

/** `room.left`: the caller's sockets are out of the room (left, kicked). */
export interface RoomLeftEvent {
  roomId: string;
}
/** `member.joined` / `member.updated` / `member.left`, to the room's members. */
export interface MemberEvent {
  roomId: string;
  user: User;
  role?: RoomRole;
}

/**
 * `talk.start` / `talk.stop`: `user` started (TALKTO) or ended (STOP) a conversation with the
 * receiver in the DM `roomId`, from the line door.
 */
export interface TalkEvent {
  roomId: string;
  user: User;
}

export interface PresenceWatchPayload {
  userIds: string[];
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
  /** Messages changed after the cursor, each once, at its latest change's seq, in seq order. */
  updates: MessageUpdate[];
}

/** A message's current state after the change that took `seq`. */
export interface MessageUpdate {
  seq: number;
  message: Message;
}
/** `message.updated`, to the room's members. */
export interface MessageUpdatedEvent extends MessageUpdate {
  roomId: string;
}
/** `room.read` from the client: move the caller's marker forward to `seq`. */
export interface RoomReadPayload {
  roomId: string;
  seq: number;
}
/** `room.read` to the user's sockets: the marker moved (on any device). */
export interface RoomReadEvent {
  roomId: string;
  readSeq: number;
}
export interface MessageEditPayload {
  roomId: string;
  id: string;
  message: string;
}
export interface MessageDeletePayload {
  roomId: string;
  id: string;
}
export interface MessageReactPayload {
  roomId: string;
  id: string;
  emoji: string;
  on: boolean;
}

export interface TypingEvent {
  roomId: string;
  userId: string;
  typing: boolean;
}

type AckFn<T extends object = object> = (ack: Ack<T>) => void;

/** Typed maps for `Server<ClientToServerEvents, ServerToClientEvents>` and the client `Socket`. */
export interface ClientToServerEvents {
  /** `replayed: true` when the clientId matched an earlier send: nothing new was stored. */
  [ClientEvents.Message]: (
    payload: SendMessagePayload,
    ack?: AckFn<{ message: Message; replayed?: true }>,
  ) => void;
  [ClientEvents.RoomJoin]: (roomId: string, ack?: AckFn) => void;
  [ClientEvents.Typing]: (payload: TypingPayload, ack?: AckFn) => void;
  [ClientEvents.Sync]: (
    payload: SyncPayload,
    ack?: AckFn<{ rooms: Record<string, SyncRoomResult> }>,
  ) => void;
  [ClientEvents.PresenceWatch]: (
    payload: PresenceWatchPayload,
    ack?: AckFn<{ users: User[] }>,
  ) => void;
  [ClientEvents.RoomRead]: (payload: RoomReadPayload, ack?: AckFn<{ readSeq: number }>) => void;
  [ClientEvents.MessageEdit]: (
    payload: MessageEditPayload,
    ack?: AckFn<{ message: Message }>,
  ) => void;
  [ClientEvents.MessageDelete]: (
    payload: MessageDeletePayload,
    ack?: AckFn<{ message: Message }>,
  ) => void;
  [ClientEvents.MessageReact]: (
    payload: MessageReactPayload,
    ack?: AckFn<{ message: Message }>,
  ) => void;
}

export interface ServerToClientEvents {
  [ServerEvents.Message]: (message: Message) => void;
  [ServerEvents.Typing]: (event: TypingEvent) => void;
  [ServerEvents.UserConnected]: (user: User) => void;
  [ServerEvents.UserDisconnected]: (user: User) => void;
  [ServerEvents.ShowRoom]: (room: Room) => void;
  [ServerEvents.SessionRevoked]: (payload: Record<string, never>) => void;
  [ServerEvents.RoomJoined]: (room: Room) => void;
  [ServerEvents.RoomLeft]: (event: RoomLeftEvent) => void;
  [ServerEvents.RoomUpdated]: (room: Room) => void;
  [ServerEvents.MemberJoined]: (event: MemberEvent) => void;
  [ServerEvents.MemberLeft]: (event: MemberEvent) => void;
  [ServerEvents.MemberUpdated]: (event: MemberEvent) => void;
  [ServerEvents.TalkStart]: (event: TalkEvent) => void;
  [ServerEvents.TalkStop]: (event: TalkEvent) => void;
  [ServerEvents.UserStatus]: (user: User) => void;
  [ServerEvents.RoomRead]: (event: RoomReadEvent) => void;
  [ServerEvents.MessageUpdated]: (event: MessageUpdatedEvent) => void;
}
