import { GENERAL_ROOM_ID, type RoomRole, type StatusSetting, type User } from '../contracts';
import { api, ApiError } from './api';
import type { WebConfig } from './config';
import { Blocks } from './blocks';
import { Changes } from './changes';
import { openConnection } from './connection';
import { History } from './history';
import { Members } from './members';
import { dropLegacyReadState, ReadState } from './read-state';
import { Rooms } from './rooms';
import { Sending } from './sending';
import { SESSION_ENDED, type Link, type ParleySocket } from './socket';
import { StateCell, type ChatState } from './state';
import { Typing } from './typing';
import { Users } from './users';

export type { ChatState, MemberList, PendingMessage, RoomView } from './state';

const NARROW = '(max-width: 720px)';

/**
 * A signed-in session outside React: the modules that own each concern (rooms and membership,
 * members, history, sending, changes, typing, users and presence, read state), the SDK's
 * connection they share (./connection) and its lifecycle. Components subscribe to it with
 * `useSyncExternalStore` and call its methods.
 */
export class ChatStore {
  private readonly cell: StateCell;
  private socket?: ParleySocket;

  private readonly link: Link;
  private readonly users: Users;
  private readonly read: ReadState;
  private readonly typing: Typing;
  private readonly history: History;
  private readonly sending: Sending;
  private readonly rooms: Rooms;
  private readonly members: Members;
  private readonly changes: Changes;
  private readonly blocks: Blocks;

  constructor(
    me: User,
    private readonly config: WebConfig,
    private readonly token: string | null,
    private readonly onEnded: (reason: string | null) => void,
    initialRoom: string | null = GENERAL_ROOM_ID,
  ) {
    this.cell = new StateCell({
      me,
      ownStatus: null,
      blocked: {},
      users: { [me.id]: me },
      rooms: {},
      activeRoomId: initialRoom,
      connection: 'connecting',
      pending: [],
      members: {},
      notice: null,
    });
    this.link = { socket: () => this.socket, end: (reason) => this.end(reason) };
    const cell = this.cell;
    this.users = new Users(cell, this.link);
    this.read = new ReadState(cell, this.link);
    this.typing = new Typing(cell, this.link, (id) => this.users.ensure([id]));
    this.history = new History(cell, this.link, {
      ensureUsers: (ids) => this.users.ensure(ids),
      arrived: (id, fresh) => this.read.arrived(id, fresh),
      applyUpdates: (id, updates) => this.changes.apply(id, updates),
      unknownRoom: (message) => this.rooms.unknownRoom(message),
    });
    this.sending = new Sending(cell, this.link, (id) => this.typing.sent(id));
    this.rooms = new Rooms(cell, {
      loadLatest: (id) => void this.history.loadLatest(id),
      forget: (id) => {
        this.history.forget(id);
        this.sending.forget(id);
        this.typing.forget(id);
        this.changes.forget(id);
      },
      ensureUsers: (ids) => this.users.ensure(ids),
      listed: (view, room) => this.read.listed(view, room),
      leftActive: () => this.setActive(this.homeRoom()),
    });
    this.blocks = new Blocks(cell);
    this.changes = new Changes(cell, this.link);
    this.members = new Members(cell, {
      upsertUsers: (users) => this.users.upsert(users),
      setOwnRole: (id, role) => this.rooms.setOwnRole(id, role),
      refreshRooms: () => this.rooms.refresh(),
    });
  }

  // ---- subscription -------------------------------------------------------------------------

  subscribe = (listener: () => void): (() => void) => this.cell.subscribe(listener);
  getState = (): ChatState => this.cell.getState();

  // ---- lifecycle ----------------------------------------------------------------------------

  async start(): Promise<void> {
    dropLegacyReadState(this.cell.current.me.id);
    const rooms = await api.rooms();
    this.rooms.addInitial(rooms);
    const { history, read, typing, users, members } = this;
    const receivers = { history, read, typing, users, members, rooms: this.rooms };
    this.socket = openConnection(this.cell, this.config.gatewayUrl, this.token, receivers, {
      reconnected: () => void this.catchUp(),
      end: (reason) => this.end(reason),
    });
    void this.users.loadOwnStatus();
    void this.blocks.load();
    // Every room's newest page first, then the socket: the SDK follows each room from its page,
    // and its sync on connect brings whatever was stored after the page was read.
    const socket = this.socket;
    void Promise.all(rooms.map((room) => this.history.loadLatest(room.id))).then(() => {
      if (!this.cell.disposed) socket.io.connect();
    });
    document.addEventListener('visibilitychange', this.read.onVisibility);
    window.addEventListener('focus', this.read.onVisibility);
    this.typing.start();
  }

  dispose(): void {
    if (this.cell.disposed) return;
    this.cell.dispose();
    this.socket?.close();
    this.socket?.io.removeAllListeners();
    this.users.dispose();
    this.typing.dispose();
    this.rooms.dispose();
    document.removeEventListener('visibilitychange', this.read.onVisibility);
    window.removeEventListener('focus', this.read.onVisibility);
  }

  async logout(): Promise<void> {
    // Close the socket first, so the server's session.revoked does not read as "signed out elsewhere".
    this.socket?.close();
    try {
      await api.logout();
    } catch {
      // The session may already be gone; either way this tab is signed out.
    }
    this.end(null);
  }

  private end(reason: string | null): void {
    if (this.cell.disposed) return;
    this.dispose();
    this.onEnded(reason);
  }

  /**
   * After a reconnect (the SDK syncs the followed rooms itself): refresh what else may have
   * changed meanwhile (rooms joined or left, names, presence) and load rooms still unloaded.
   */
  private async catchUp(): Promise<void> {
    try {
      await Promise.all([this.rooms.reconcile(), this.users.refreshKnown()]);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return this.end(SESSION_ENDED);
    }
    for (const room of Object.values(this.cell.current.rooms))
      if (!room.loaded) void this.history.loadLatest(room.room.id);
  }

  // ---- navigation ---------------------------------------------------------------------------

  /** Where to go when the open room goes away: General beside the list, the list on a phone. */
  private homeRoom(): string | null {
    return window.matchMedia(NARROW).matches ? null : GENERAL_ROOM_ID;
  }

  setActive(roomId: string | null): void {
    const previous = this.cell.current.activeRoomId;
    if (previous && previous !== roomId) this.typing.set(previous, false);
    if (previous !== roomId) this.read.opened();
    this.cell.set({ activeRoomId: roomId });
    if (roomId && !this.cell.current.rooms[roomId]?.loaded) void this.history.loadLatest(roomId);
  }

  dismissNotice(): void {
    this.rooms.dismissNotice();
  }

  // ---- messages -----------------------------------------------------------------------------

  loadOlder = (roomId: string) => this.history.loadOlder(roomId);
  send = (roomId: string, text: string) => this.sending.send(roomId, text);
  retry = (clientId: string) => this.sending.retry(clientId);
  discard = (clientId: string) => this.sending.discard(clientId);
  setTyping = (roomId: string, typing: boolean) => this.typing.set(roomId, typing);
  /** The open room's timeline is (or is no longer) scrolled to its newest message. */
  setAtBottom = (roomId: string, atBottom: boolean) => this.read.setAtBottom(roomId, atBottom);
  edit = (roomId: string, id: string, text: string) => this.changes.edit(roomId, id, text);
  deleteMessage = (roomId: string, id: string) => this.changes.remove(roomId, id);
  react = (roomId: string, id: string, emoji: string, on: boolean) =>
    this.changes.react(roomId, id, emoji, on);

  // ---- rooms --------------------------------------------------------------------------------

  /** Opens (creating if needed) the DM with a user and makes it active. */
  async openDm(userId: string): Promise<string> {
    const roomId = await this.rooms.openDm(userId);
    this.setActive(roomId);
    return roomId;
  }

  async createRoom(name: string, kind: 'public' | 'private', topic: string): Promise<string> {
    const roomId = await this.rooms.create(name, kind, topic);
    this.setActive(roomId);
    return roomId;
  }

  /** Joins a public room from the directory (or opens it when we are in already). */
  async joinRoom(roomId: string): Promise<void> {
    if (!this.cell.current.rooms[roomId]) await this.rooms.join(roomId);
    this.setActive(roomId);
  }

  leaveRoom = (roomId: string) => this.rooms.leave(roomId);
  updateRoom = (roomId: string, patch: { name?: string; topic?: string }) =>
    this.rooms.rename(roomId, patch);
  directory = (q: string, cursor?: string | null) => api.directory(q, cursor);

  // ---- members ------------------------------------------------------------------------------

  openMembers = (roomId: string) => this.members.open(roomId);
  moreMembers = (roomId: string) => this.members.more(roomId);
  closeMembers = (roomId: string) => this.members.close(roomId);
  invite = (roomId: string, user: User) => this.members.invite(roomId, user);
  kick = (roomId: string, userId: string) => this.members.kick(roomId, userId);
  setRole = (roomId: string, userId: string, role: RoomRole) =>
    this.members.setRole(roomId, userId, role);

  // ---- people -------------------------------------------------------------------------------

  searchUsers = (q: string, cursor?: string | null) => this.users.search(q, cursor);
  /** Presence for people on screen we share no room with (a new call replaces the list). */
  watchPresence = (userIds: readonly string[]) => this.users.watch(userIds);
  /** Blocks (or unblocks) a user. */
  setBlocked = (userId: string, on: boolean) => this.blocks.set(userId, on);
  setStatus = (status: StatusSetting, text: string) => this.users.setOwnStatus(status, text);
}
