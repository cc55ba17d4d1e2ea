import type { Message, OwnStatus, Room, RoomMember, User } from '../contracts';

export type Connection = 'connecting' | 'connected' | 'disconnected';

export interface PendingMessage {
  clientId: string;
  roomId: string;
  text: string;
  status: 'pending' | 'failed';
  error?: string;
}

export interface RoomView {
  room: Room;
  /** A contiguous window of the room's history, sorted by seq, no duplicate ids. */
  messages: Message[];
  /** The newest page has been fetched. */
  loaded: boolean;
  hasOlder: boolean;
  loadingOlder: boolean;
  olderError: boolean;
  /** The server's read marker: everything up to this seq has been read (on any device). */
  readSeq: number;
  /** Others' messages after `readSeq` (the server's count, kept up to date live). */
  unread: number;
  /** The room's `lastSeq` when the server last counted `unread`: messages up to it are in it. */
  countedSeq: number;
  /** userId → time (ms) the typing notice expires. */
  typing: Record<string, number>;
}

/** The member list of a room whose settings are open: pages fetched so far, kept live. */
export interface MemberList {
  members: RoomMember[];
  nextCursor: string | null;
  loading: boolean;
  error: string | null;
}

/** A passing message for the user, e.g. "You are no longer in <room>". */
export interface Notice {
  id: number;
  text: string;
  /** User-provided text shown direction-isolated after `text` (a room name). */
  name?: string;
  /** Text after `name` ("… started a conversation"). */
  after?: string;
}

export interface ChatState {
  me: User;
  /** Our own status as we set it (invisible included); null until fetched. */
  ownStatus: OwnStatus | null;
  /** Users this user blocked. */
  blocked: Record<string, true>;
  users: Record<string, User>;
  rooms: Record<string, RoomView>;
  activeRoomId: string | null;
  connection: Connection;
  pending: PendingMessage[];
  /** roomId → member list, only for rooms whose member list is being shown. */
  members: Record<string, MemberList>;
  notice: Notice | null;
}

/**
 * The one mutable cell behind `useSyncExternalStore`: every module of the store reads the current
 * state here and replaces it (immutably) through `set`, which notifies the subscribers.
 */
export class StateCell {
  private state: ChatState;
  private readonly listeners = new Set<() => void>();
  disposed = false;

  constructor(initial: ChatState) {
    this.state = initial;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): ChatState => this.state;

  get current(): ChatState {
    return this.state;
  }

  set(patch: Partial<ChatState>): void {
    if (this.disposed) return;
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }

  updateRoom(roomId: string, update: (room: RoomView) => RoomView): void {
    const room = this.state.rooms[roomId];
    if (!room) return;
    const next = update(room);
    if (next !== room) this.set({ rooms: { ...this.state.rooms, [roomId]: next } });
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
  }
}
