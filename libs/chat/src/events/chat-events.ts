import type { Message, Room, RoomRole, User } from '@app/contracts';

/**
 * What happened in the chat domain, after it was stored. The domain services are the only ones
 * that raise these; each app decides how to announce them (apps/*: a SocketAnnouncer over the
 * Socket.IO Redis adapter). Payloads are already in wire shape, so announcing is routing only.
 */
export interface ChatEventMap {
  /**
   * A new message (never a clientId replay). `toUsers`: deliver through the members' own
   * channels instead of the room's, for the first message of a room opened this very moment
   * (another gateway may not be listening on the new room's channel yet).
   */
  /** `fed`: the room has feeds, so the feed writer copies the message (feeds/feed-writer.ts). */
  messageCreated: { message: Message; toUsers?: string[]; fed?: boolean };
  /** A message was edited, deleted or reacted to: `seq` is the change's, `message` its state. */
  messageUpdated: { roomId: string; seq: number; message: Message; fed?: boolean };
  /** A user's read marker moved forward (their other devices follow it). */
  readMoved: { userId: string; roomId: string; readSeq: number };
  /**
   * A room came into being with its first members (a group room's owner, or both sides of a new
   * DM). `views` is each member's own view; `dm` also announces it as v1's `show.room`.
   */
  roomOpened: { roomId: string; views: { userId: string; room: Room }[]; dm: boolean };
  /** Someone joined or was added: `view` is the room as the new member sees it. */
  memberJoined: { room: Room; user: User; role: RoomRole; view: Room };
  /** Someone left or was removed. */
  memberLeft: { room: Room; user: User };
  /** A member's role changed (also both sides of an ownership hand-over). */
  memberUpdated: { room: Room; user: User; role: RoomRole };
  /** Name or topic changed. */
  roomUpdated: { room: Room };
  /**
   * A user came online or went offline. `everyone` while few users are online; otherwise the
   * members of `roomIds` (the user's DMs and group rooms) and whoever watches the user.
   */
  presenceChanged: { user: User; everyone: boolean; roomIds: string[] };
  /**
   * A line-door user started (TALKTO) or ended (STOP) a conversation in the DM `roomId`: the
   * peer hears it, and so do the door connections of `from` (their live lines follow it).
   */
  talkStarted: { roomId: string; from: User; toUserId: string };
  talkStopped: { roomId: string; from: User; toUserId: string };
  /** A user's status or its text changed while they look online; told to the same people. */
  statusChanged: { user: User; everyone: boolean; roomIds: string[] };
  /** A session ended (logout, password change): its live connections must close. */
  sessionRevoked: { sessionId: string; userId: string };
}

export type ChatEventName = keyof ChatEventMap;

/**
 * The domain's one outgoing port. Announcing never fails the operation that was stored: an
 * announcement lost on the way is what `seq` gaps and `sync` recover.
 */
export abstract class ChatEvents {
  abstract emit<K extends ChatEventName>(name: K, event: ChatEventMap[K]): void;
}
