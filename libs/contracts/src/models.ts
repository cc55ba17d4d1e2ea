/** Wire shapes (docs/protocol.md "Data shapes"). */
export interface Message {
  id: string;
  roomId: string;
  from: string;
  message: string;
  /** Unix time in seconds with millisecond precision. */
  date: number;
  /** Position in the room: 1, 2, 3, … with no gaps. */
  seq: number;
  clientId?: string;
  /** When the text was last edited (unix seconds); absent when never edited. */
  editedAt?: number;
  /** Deleted: `message` is then "" (and there are no reactions). */
  deleted?: true;
  /** Absent when none; in order of each emoji's first reaction. */
  reactions?: Reaction[];
}

export interface Reaction {
  /** One grapheme cluster, at most 32 bytes of UTF-8. */
  emoji: string;
  count: number;
  /** The first reactors (at most 20; `count` has them all). */
  userIds: string[];
}

/** What others see of a user's presence; `invisible` users show as `offline`. */
export type UserStatus = 'online' | 'away' | 'dnd' | 'offline';
/** What a user may set for themselves (`PUT /api/me/status`). */
export type StatusSetting = 'online' | 'away' | 'dnd' | 'invisible';

export interface User {
  id: string;
  username: string;
  online: boolean;
  status: UserStatus;
  /** A short text beside the status (may be empty). */
  statusText: string;
  /** Unix time in seconds of the last connection's close; null while online or never seen. */
  lastSeen: number | null;
}

/** The caller's own status setting, as they set it (`invisible` included). */
export interface OwnStatus {
  status: StatusSetting;
  text: string;
}

/** General is `public`; rooms people create are `public` (in the directory) or `private`. */
export type RoomKind = 'public' | 'private' | 'dm';
export type RoomRole = 'owner' | 'admin' | 'member';

export interface Room {
  id: string;
  kind: RoomKind;
  /** v1: the room's name for a group room, the two usernames for a DM. */
  names: string[];
  /** A group room's name; for a DM the other member's username as the caller sees it. */
  name: string;
  topic: string;
  /** Who created the room; null for General. */
  createdBy: string | null;
  memberCount: number;
  /** The caller's role; absent where the caller is not a member (directory) or in broadcasts. */
  role?: RoomRole;
  /** The room's newest seq (messages and changes), 0 when nothing happened yet. */
  lastSeq: number;
  /** The caller's read marker; absent where the caller is not a member and in broadcasts. */
  readSeq?: number;
  /** Others' messages after `readSeq`; present with it. */
  unread?: number;
}

export interface RoomMember {
  user: User;
  role: RoomRole;
}

/** A page of a cursor-paged listing: `nextCursor` null on the last page. */
export interface RoomDirectoryPage {
  rooms: Room[];
  nextCursor: string | null;
}
export interface MembersPage {
  members: RoomMember[];
  nextCursor: string | null;
}
export interface UsersPage {
  users: User[];
  nextCursor: string | null;
}

export interface MessagePage {
  messages: Message[];
  /** The `before` of the older page; null on the oldest page and on `after` pages. */
  nextBefore: string | null;
  /** Only on `after` pages: the `after` of the newer page, null once at the newest. */
  nextAfter?: string | null;
}

export interface AuthResult {
  user: User;
  token: string;
}

export interface AckError {
  code:
    | 'bad_request'
    | 'unauthorized'
    | 'forbidden'
    | 'not_found'
    | 'conflict'
    | 'rate_limited'
    | 'blocked'
    | 'unavailable'
    | 'internal';
  message: string;
  retryAfterMs?: number;
}

export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: AckError };
