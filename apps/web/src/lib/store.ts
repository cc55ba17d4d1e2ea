import { io } from 'socket.io-client';
import {
  GENERAL_ROOM_ID,
  ServerEvents,
  type RoomRole,
  type StatusSetting,
  type User,
} from '../contracts';
import { api, ApiError } from './api';
import type { WebConfig } from './config';
import { Blocks } from './blocks';
import { Changes } from './changes';
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
export { SEND_TIMEOUT_MS } from './sending';

const NARROW = '(max-width: 720px)';

/**
 * A signed-in session outside React: the Socket.IO connection and its lifecycle, wiring the
 * modules that own each concern (rooms and membership, members, history and sync, sending,
 * typing, users and presence, read state) to the socket's events. Components subscribe to it
 * with `useSyncExternalStore` and call its methods.
 */
export class ChatStore {
  private readonly cell: StateCell;
  private socket?: ParleySocket;
  private connectedOnce = false;
  private revoked = false;
  private leaving = false;
  private reconnectTimer?: ReturnType<typeof setTimeout>;
  private reconnectDelay = 1000;

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
    this.sending = new Sending(cell, this.link, {
      sent: (id) => this.typing.sent(id),
      merge: (id, messages) => this.history.merge(id, messages),
    });
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
    this.changes = new Changes(cell, this.link, (id, seq) => this.history.noteSeq(id, seq));
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
    this.connect();
    void this.users.loadOwnStatus();
    void this.blocks.load();
    for (const room of rooms) void this.history.loadLatest(room.id);
    document.addEventListener('visibilitychange', this.read.onVisibility);
    window.addEventListener('focus', this.read.onVisibility);
    this.typing.start();
  }

  dispose(): void {
    if (this.cell.disposed) return;
    this.cell.dispose();
    this.socket?.disconnect();
    this.socket?.removeAllListeners();
    clearTimeout(this.reconnectTimer);
    this.history.dispose();
    this.users.dispose();
    this.typing.dispose();
    this.rooms.dispose();
    document.removeEventListener('visibilitychange', this.read.onVisibility);
    window.removeEventListener('focus', this.read.onVisibility);
  }

  async logout(): Promise<void> {
    // Close the socket first, so the server's session.revoked does not read as "signed out elsewhere".
    this.leaving = true;
    this.socket?.disconnect();
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

  // ---- socket -------------------------------------------------------------------------------

  private connect(): void {
    const url = this.config.gatewayUrl;
    const options = {
      path: '/socket.io',
      // A token from this tab's login when there is one; otherwise the HttpOnly session cookie.
      auth: (cb: (data: object) => void) => cb(this.token ? { token: this.token } : {}),
      // Cookies on cross-origin polling requests, for a gateway on another port of this host.
      withCredentials: Boolean(url),
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    };
    const socket: ParleySocket = url ? io(url, options) : io(options);
    this.socket = socket;

    socket.on('connect', () => {
      this.reconnectDelay = 1000;
      this.cell.set({ connection: 'connected' });
      this.users.sendWatch(true);
      void this.catchUp();
    });
    socket.on('disconnect', (reason) => {
      if (this.leaving) return;
      // Answers to syncs sent on the old connection may never come: the reconnect syncs anew.
      this.history.connectionLost();
      this.cell.set({ connection: 'disconnected' });
      if (this.revoked) return this.end('You were signed out.');
      // A server-side disconnect (a gateway shutting down) is not retried by Socket.IO itself.
      if (reason === 'io server disconnect') this.scheduleReconnect();
    });
    socket.on('connect_error', (err) => {
      if (err.message === 'unauthorized') return this.end(SESSION_ENDED);
      this.cell.set({ connection: 'disconnected' });
      // Refused by the server's middleware (e.g. Redis briefly away): Socket.IO gives up, we don't.
      if (!socket.active) this.scheduleReconnect();
    });
    socket.on(ServerEvents.Message, (message) => this.history.onLive(message));
    socket.on(ServerEvents.MessageUpdated, (event) => this.changes.onUpdated(event));
    socket.on(ServerEvents.RoomRead, (event) => this.read.onRead(event));
    socket.on(ServerEvents.Typing, (event) => this.typing.onEvent(event));
    socket.on(ServerEvents.UserConnected, (user) => this.users.upsert([user]));
    socket.on(ServerEvents.UserDisconnected, (user) => this.users.upsert([user]));
    socket.on(ServerEvents.UserStatus, (user) => this.users.upsert([user]));
    socket.on(ServerEvents.ShowRoom, (room) => this.rooms.onJoined(room));
    socket.on(ServerEvents.RoomJoined, (room) => this.rooms.onJoined(room));
    socket.on(ServerEvents.RoomLeft, (event) => this.rooms.onLeft(event));
    socket.on(ServerEvents.RoomUpdated, (room) => this.rooms.onUpdated(room));
    socket.on(ServerEvents.MemberJoined, (event) => this.members.onJoined(event));
    socket.on(ServerEvents.MemberLeft, (event) => this.members.onLeft(event));
    socket.on(ServerEvents.MemberUpdated, (event) => this.members.onUpdated(event));
    // A line-door user's TALKTO / STOP (docs/line-door.md).
    socket.on(ServerEvents.TalkStart, ({ user }) =>
      this.rooms.notify('', user.username, ' started a conversation'),
    );
    socket.on(ServerEvents.TalkStop, ({ user }) =>
      this.rooms.notify('', user.username, ' ended the conversation'),
    );
    socket.on(ServerEvents.SessionRevoked, () => {
      this.revoked = true;
    });
  }

  private scheduleReconnect(): void {
    clearTimeout(this.reconnectTimer);
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, 10_000);
    this.reconnectTimer = setTimeout(() => {
      if (!this.cell.disposed && this.socket && !this.socket.connected) this.socket.connect();
    }, delay);
  }

  /** After every (re)connect: refresh what may have changed meanwhile and fill every gap. */
  private async catchUp(): Promise<void> {
    const first = !this.connectedOnce;
    this.connectedOnce = true;
    if (!first) {
      try {
        await Promise.all([this.rooms.reconcile(), this.users.refreshKnown()]);
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return this.end(SESSION_ENDED);
      }
    }
    const loaded: string[] = [];
    for (const room of Object.values(this.cell.current.rooms)) {
      if (room.loaded) loaded.push(room.room.id);
      else void this.history.loadLatest(room.room.id);
    }
    this.history.requestSync(loaded);
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
