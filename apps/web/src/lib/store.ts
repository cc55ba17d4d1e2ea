import { io, type Socket } from 'socket.io-client';
import {
  ClientEvents,
  GENERAL_ROOM_ID,
  Limits,
  ServerEvents,
  type ClientToServerEvents,
  type Message,
  type Room,
  type ServerToClientEvents,
  type TypingEvent,
  type User,
} from '../contracts';
import { api, ApiError } from './api';
import type { WebConfig } from './config';
import { codePoints, dmPeer, firstGap, mergeMessages, newClientId, syncCursor } from './timeline';

type ParleySocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Ack payload of a client event, as declared in the contract's typed event map. */
type AckOf<E extends keyof ClientToServerEvents> = Parameters<
  NonNullable<Parameters<ClientToServerEvents[E]>[1]>
>[0];

/**
 * `socket.timeout(ms).emit(event, payload, (err, ack) => …)`, typed from the contract. (The map
 * declares acks as optional parameters, which Socket.IO's timeout typing does not pick up.)
 */
function emitWithTimeout<E extends keyof ClientToServerEvents>(
  socket: ParleySocket,
  ms: number,
  event: E,
  payload: Parameters<ClientToServerEvents[E]>[0],
  callback: (err: Error | null, ack: AckOf<E>) => void,
): void {
  (socket as unknown as Socket).timeout(ms).emit(event, payload, callback);
}

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
  /** Messages up to this seq have been seen. */
  readSeq: number;
  /** userId → time (ms) the typing notice expires. */
  typing: Record<string, number>;
}

export interface ChatState {
  me: User;
  users: Record<string, User>;
  rooms: Record<string, RoomView>;
  activeRoomId: string | null;
  connection: Connection;
  pending: PendingMessage[];
}

/** Time to wait for a `message` ack before a send shows as failed. */
export const SEND_TIMEOUT_MS = 10_000;
/** Automatic re-sends of a rate-limited message (after the server's retryAfterMs). */
const RATE_LIMIT_RETRIES = 5;
const SYNC_TIMEOUT_MS = 15_000;
const TYPING_REPEAT_MS = 2_500;
const TYPING_IDLE_MS = 3_000;
const TYPING_SHOWN_MS = 7_000;
const PAGE_SIZE = 50;
const SYNC_ROOMS_PER_CALL = 100;

/**
 * All client state and realtime logic of a signed-in session, outside React: REST loading, the
 * Socket.IO connection, message merging (dedupe by id, order by seq), gap detection and `sync`,
 * optimistic sends with idempotent retries, typing and presence. Components subscribe to it.
 */
export class ChatStore {
  private state: ChatState;
  private readonly listeners = new Set<() => void>();
  private socket?: ParleySocket;
  private disposed = false;
  private connectedOnce = false;
  /** The rooms of the first load are in (later rooms are new, so their messages are unread). */
  private started = false;
  private revoked = false;
  private leaving = false;
  private reconnectTimer?: ReturnType<typeof setTimeout>;
  private reconnectDelay = 1000;

  private readonly loading = new Set<string>();
  private readonly syncQueue = new Set<string>();
  private readonly syncInFlight = new Set<string>();
  private syncTimer?: ReturnType<typeof setTimeout>;
  /** roomId → cursor of a hole that a complete sync could not fill (not retried again). */
  private readonly gapGuard = new Map<string, string>();

  private readonly typingSentAt = new Map<string, number>();
  private readonly typingStopTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private typingSweep?: ReturnType<typeof setInterval>;

  private readonly missingUsers = new Set<string>();
  private userFetchTimer?: ReturnType<typeof setTimeout>;

  private readonly readKey: string;
  private readonly readRecord: Record<string, number> | null;

  constructor(
    me: User,
    private readonly config: WebConfig,
    private readonly token: string | null,
    private readonly onEnded: (reason: string | null) => void,
    initialRoom: string | null = GENERAL_ROOM_ID,
  ) {
    this.state = {
      me,
      users: { [me.id]: me },
      rooms: {},
      activeRoomId: initialRoom,
      connection: 'connecting',
      pending: [],
    };
    this.readKey = `parley.read.${me.id}`;
    this.readRecord = this.loadReadRecord();
  }

  // ---- subscription -------------------------------------------------------------------------

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): ChatState => this.state;

  private set(patch: Partial<ChatState>): void {
    if (this.disposed) return;
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }

  private updateRoom(roomId: string, update: (room: RoomView) => RoomView): void {
    const room = this.state.rooms[roomId];
    if (!room) return;
    const next = update(room);
    if (next !== room) this.set({ rooms: { ...this.state.rooms, [roomId]: next } });
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  async start(): Promise<void> {
    const [rooms, users] = await Promise.all([api.rooms(), api.users()]);
    this.upsertUsers(users);
    for (const room of rooms) this.addRoom(room);
    this.started = true;
    this.connect();
    for (const room of rooms) void this.loadLatest(room.id);
    document.addEventListener('visibilitychange', this.onVisibility);
    window.addEventListener('focus', this.onVisibility);
    this.typingSweep = setInterval(() => this.sweepTyping(), 1000);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.socket?.disconnect();
    this.socket?.removeAllListeners();
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.syncTimer);
    clearTimeout(this.userFetchTimer);
    clearInterval(this.typingSweep);
    for (const timer of this.typingStopTimers.values()) clearTimeout(timer);
    document.removeEventListener('visibilitychange', this.onVisibility);
    window.removeEventListener('focus', this.onVisibility);
    this.listeners.clear();
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
    if (this.disposed) return;
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
      this.set({ connection: 'connected' });
      void this.catchUp();
    });
    socket.on('disconnect', (reason) => {
      if (this.leaving) return;
      // Answers to syncs sent on the old connection may never come: the reconnect syncs anew.
      this.syncInFlight.clear();
      this.set({ connection: 'disconnected' });
      if (this.revoked) return this.end('You were signed out.');
      // A server-side disconnect (a gateway shutting down) is not retried by Socket.IO itself.
      if (reason === 'io server disconnect') this.scheduleReconnect();
    });
    socket.on('connect_error', (err) => {
      if (err.message === 'unauthorized')
        return this.end('Your session has ended. Please sign in again.');
      this.set({ connection: 'disconnected' });
      // Refused by the server's middleware (e.g. Redis briefly away): Socket.IO gives up, we don't.
      if (!socket.active) this.scheduleReconnect();
    });
    socket.on(ServerEvents.Message, (message) => this.onLiveMessage(message));
    socket.on(ServerEvents.Typing, (event) => this.onTyping(event));
    socket.on(ServerEvents.UserConnected, (user) => this.upsertUsers([user]));
    socket.on(ServerEvents.UserDisconnected, (user) => this.upsertUsers([user]));
    socket.on(ServerEvents.ShowRoom, (room) => {
      this.addRoom(room);
      void this.loadLatest(room.id);
    });
    socket.on(ServerEvents.SessionRevoked, () => {
      this.revoked = true;
    });
  }

  private scheduleReconnect(): void {
    clearTimeout(this.reconnectTimer);
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, 10_000);
    this.reconnectTimer = setTimeout(() => {
      if (!this.disposed && this.socket && !this.socket.connected) this.socket.connect();
    }, delay);
  }

  /** After every (re)connect: refresh what may have changed meanwhile and fill every gap. */
  private async catchUp(): Promise<void> {
    const first = !this.connectedOnce;
    this.connectedOnce = true;
    if (!first) {
      try {
        const [rooms, users] = await Promise.all([api.rooms(), api.users()]);
        this.upsertUsers(users);
        for (const room of rooms) this.addRoom(room);
      } catch (err) {
        if (err instanceof ApiError && err.status === 401)
          return this.end('Your session has ended. Please sign in again.');
      }
    }
    const loaded: string[] = [];
    for (const room of Object.values(this.state.rooms)) {
      if (room.loaded) loaded.push(room.room.id);
      else void this.loadLatest(room.room.id);
    }
    this.requestSync(loaded);
  }

  // ---- rooms and history --------------------------------------------------------------------

  private addRoom(room: Room): void {
    const existing = this.state.rooms[room.id];
    if (existing) {
      if (existing.room.names.join('\n') !== room.names.join('\n'))
        this.updateRoom(room.id, (r) => ({ ...r, room }));
      return;
    }
    const view: RoomView = {
      room,
      messages: [],
      loaded: false,
      hasOlder: false,
      loadingOlder: false,
      olderError: false,
      // First visit on this browser: what is there counts as read. Later: a new room is unread.
      readSeq:
        this.readRecord === null && !this.started
          ? Number.MAX_SAFE_INTEGER
          : (this.readRecord?.[room.id] ?? 0),
      typing: {},
    };
    this.set({ rooms: { ...this.state.rooms, [room.id]: view } });
    const peer = dmPeer(room.id, this.state.me.id);
    if (peer) this.ensureUsers([peer]);
  }

  /** The newest page of a room, merged with whatever arrived live meanwhile, then a sync. */
  private async loadLatest(roomId: string): Promise<void> {
    if (this.loading.has(roomId)) return;
    this.loading.add(roomId);
    try {
      const page = await api.history(roomId, undefined, PAGE_SIZE);
      if (this.disposed) return;
      this.updateRoom(roomId, (r) => {
        const messages = mergeMessages(r.messages, page.messages);
        const newest = messages[messages.length - 1]?.seq ?? 0;
        return {
          ...r,
          messages,
          hasOlder: r.loaded ? r.hasOlder : page.nextBefore !== null,
          loaded: true,
          readSeq: r.readSeq === Number.MAX_SAFE_INTEGER ? newest : r.readSeq,
        };
      });
      this.afterMessages(roomId, page.messages);
      // Anything stored between that page and the socket joining the room comes with a sync.
      if (this.socket?.connected) this.requestSync([roomId]);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401)
        this.end('Your session has ended. Please sign in again.');
      else if (!this.disposed) setTimeout(() => void this.retryLoad(roomId), 3000);
    } finally {
      this.loading.delete(roomId);
    }
  }

  private async retryLoad(roomId: string): Promise<void> {
    if (!this.disposed && !this.state.rooms[roomId]?.loaded) await this.loadLatest(roomId);
  }

  async loadOlder(roomId: string): Promise<void> {
    const room = this.state.rooms[roomId];
    if (!room || !room.loaded || !room.hasOlder || room.loadingOlder) return;
    const before = room.messages[0]?.id;
    if (!before) return this.updateRoom(roomId, (r) => ({ ...r, hasOlder: false }));
    this.updateRoom(roomId, (r) => ({ ...r, loadingOlder: true, olderError: false }));
    try {
      const page = await api.history(roomId, before, PAGE_SIZE);
      this.updateRoom(roomId, (r) => ({
        ...r,
        messages: mergeMessages(r.messages, page.messages),
        hasOlder: page.nextBefore !== null,
        loadingOlder: false,
      }));
      this.afterMessages(roomId, page.messages);
    } catch {
      this.updateRoom(roomId, (r) => ({ ...r, loadingOlder: false, olderError: true }));
    }
  }

  setActive(roomId: string | null): void {
    const previous = this.state.activeRoomId;
    if (previous && previous !== roomId) this.setTyping(previous, false);
    this.set({ activeRoomId: roomId });
    if (roomId) {
      if (!this.state.rooms[roomId]?.loaded) void this.loadLatest(roomId);
      this.markRead(roomId);
    }
  }

  /** Opens (creating if needed) the DM with a user and makes it active. */
  async openDm(userId: string): Promise<string> {
    const me = this.state.me.id;
    const [a, b] = [me, userId].sort((x, y) => Number(x) - Number(y));
    const roomId = `${a}:${b}`;
    if (!this.state.rooms[roomId]) {
      const room = await api.openDm(userId);
      this.addRoom(room);
      void this.loadLatest(room.id);
    }
    this.setActive(roomId);
    return roomId;
  }

  // ---- incoming messages --------------------------------------------------------------------

  private onLiveMessage(message: Message): void {
    if (!this.state.rooms[message.roomId]) {
      // A DM we have not been shown yet: show it now and fetch its real description.
      this.addRoom({
        id: message.roomId,
        kind: message.roomId === GENERAL_ROOM_ID ? 'public' : 'dm',
        names: [],
      });
      void this.refreshRooms();
    }
    this.updateRoom(message.roomId, (r) => {
      const messages = mergeMessages(r.messages, [message]);
      if (messages === r.messages && !(message.from in r.typing)) return r;
      const typing = { ...r.typing };
      delete typing[message.from];
      return { ...r, messages, typing };
    });
    this.afterMessages(message.roomId, [message]);
    if (!this.state.rooms[message.roomId].loaded) void this.loadLatest(message.roomId);
  }

  /** Shared tail of every merge: settle own pending sends, read state, names, holes. */
  private afterMessages(roomId: string, messages: readonly Message[]): void {
    const me = this.state.me.id;
    const settled = new Set(
      messages.filter((m) => m.from === me && m.clientId).map((m) => m.clientId as string),
    );
    if (settled.size > 0 && this.state.pending.some((p) => settled.has(p.clientId))) {
      this.set({ pending: this.state.pending.filter((p) => !settled.has(p.clientId)) });
    }
    this.ensureUsers(messages.map((m) => m.from));
    this.markRead(roomId);
    this.checkGap(roomId);
  }

  /** A hole in the seq run (a missed broadcast) is filled by `sync` from just before it. */
  private checkGap(roomId: string): void {
    const room = this.state.rooms[roomId];
    if (!room) return;
    const gap = firstGap(room.messages);
    if (gap === -1) {
      this.gapGuard.delete(roomId);
      return;
    }
    if (this.gapGuard.get(roomId) === room.messages[gap].id) return;
    this.requestSync([roomId]);
  }

  private async refreshRooms(): Promise<void> {
    try {
      for (const room of await api.rooms()) this.addRoom(room);
    } catch {
      // The next reconnect refreshes again.
    }
  }

  // ---- sync ---------------------------------------------------------------------------------

  private requestSync(roomIds: readonly string[]): void {
    for (const id of roomIds) this.syncQueue.add(id);
    if (this.syncQueue.size === 0 || this.syncTimer) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      this.flushSync();
    }, 20);
  }

  private flushSync(): void {
    const socket = this.socket;
    if (this.disposed || !socket?.connected) return; // the next connect syncs everything
    const ids = [...this.syncQueue].filter(
      (id) => !this.syncInFlight.has(id) && this.state.rooms[id]?.loaded,
    );
    for (let i = 0; i < ids.length; i += SYNC_ROOMS_PER_CALL) {
      const chunk = ids.slice(i, i + SYNC_ROOMS_PER_CALL);
      const cursors: Record<string, string> = {};
      for (const id of chunk) {
        this.syncQueue.delete(id);
        this.syncInFlight.add(id);
        cursors[id] = syncCursor(this.state.rooms[id].messages);
      }
      emitWithTimeout(socket, SYNC_TIMEOUT_MS, ClientEvents.Sync, { cursors }, (err, ack) => {
        for (const id of chunk) this.syncInFlight.delete(id);
        if (this.disposed) return;
        if (err || !ack.ok) {
          // Try again shortly (or when told); a reconnect also retries.
          const wait = !err && !ack.ok ? (ack.error.retryAfterMs ?? 1000) : 1000;
          setTimeout(() => this.requestSync(chunk), wait);
          return;
        }
        for (const [roomId, result] of Object.entries(ack.rooms)) {
          this.updateRoom(roomId, (r) => {
            const messages = mergeMessages(r.messages, result.messages);
            return messages === r.messages ? r : { ...r, messages };
          });
          const room = this.state.rooms[roomId];
          if (!room) continue;
          if (!result.complete) {
            // More after these: go on from the last one (never loop on an empty answer).
            if (result.messages.length > 0) this.syncQueue.add(roomId);
          } else {
            const gap = firstGap(room.messages);
            // Synced from the hole and it is still there: the server has nothing to fill it with.
            if (gap !== -1 && cursors[roomId] === room.messages[gap].id)
              this.gapGuard.set(roomId, room.messages[gap].id);
          }
          this.afterMessages(roomId, result.messages);
        }
        if (this.syncQueue.size > 0) this.requestSync([]);
      });
    }
  }

  // ---- sending ------------------------------------------------------------------------------

  /** Returns false when the text cannot be sent (empty, only white space, or too long). */
  send(roomId: string, text: string): boolean {
    if (text.trim().length === 0 || codePoints(text) > Limits.messageMaxCodePoints) return false;
    const pending: PendingMessage = { clientId: newClientId(), roomId, text, status: 'pending' };
    this.set({ pending: [...this.state.pending, pending] });
    this.sentTyping(roomId);
    this.emitSend(pending);
    return true;
  }

  /** Sends a failed message again with the same clientId: the server stores it at most once. */
  retry(clientId: string): void {
    const pending = this.state.pending.find((p) => p.clientId === clientId);
    if (!pending || pending.status !== 'failed') return;
    const again: PendingMessage = { ...pending, status: 'pending', error: undefined };
    this.set({ pending: this.state.pending.map((p) => (p.clientId === clientId ? again : p)) });
    this.emitSend(again);
  }

  discard(clientId: string): void {
    this.set({ pending: this.state.pending.filter((p) => p.clientId !== clientId) });
  }

  private emitSend(pending: PendingMessage, attempt = 1): void {
    const socket = this.socket;
    if (!socket) return;
    const { roomId, text, clientId } = pending;
    emitWithTimeout(
      socket,
      SEND_TIMEOUT_MS,
      ClientEvents.Message,
      { roomId, message: text, clientId },
      (err, ack) => {
        if (this.disposed) return;
        const current = this.state.pending.find((p) => p.clientId === clientId);
        if (!current) return; // already settled by the broadcast or a sync
        if (!err && ack.ok) {
          this.updateRoom(roomId, (r) => {
            const messages = mergeMessages(r.messages, [ack.message]);
            return messages === r.messages ? r : { ...r, messages };
          });
          this.afterMessages(roomId, [ack.message]);
          this.discard(clientId); // in case the ack's message lacked the clientId
          return;
        }
        if (!err && !ack.ok && ack.error.code === 'rate_limited' && attempt < RATE_LIMIT_RETRIES) {
          // Over the server's rate limit: it says when to try again, so do that by ourselves.
          const wait = Math.min(ack.error.retryAfterMs ?? 1000, SEND_TIMEOUT_MS);
          setTimeout(() => {
            if (this.state.pending.some((p) => p.clientId === clientId && p.status === 'pending'))
              this.emitSend(pending, attempt + 1);
          }, wait);
          return;
        }
        const error = err
          ? 'No answer from the server'
          : ack.ok
            ? ''
            : ack.error.code === 'rate_limited'
              ? 'Sending too fast, wait a moment'
              : ack.error.message;
        this.set({
          pending: this.state.pending.map((p) =>
            p.clientId === clientId ? { ...p, status: 'failed', error } : p,
          ),
        });
      },
    );
  }

  // ---- typing -------------------------------------------------------------------------------

  /** Called on every keystroke (true) and when the draft is cleared or sent (false). */
  setTyping(roomId: string, typing: boolean): void {
    const socket = this.socket;
    clearTimeout(this.typingStopTimers.get(roomId));
    this.typingStopTimers.delete(roomId);
    const sentAt = this.typingSentAt.get(roomId) ?? 0;
    if (typing) {
      if (Date.now() - sentAt > TYPING_REPEAT_MS && socket?.connected) {
        socket.emit(ClientEvents.Typing, { roomId, typing: true });
        this.typingSentAt.set(roomId, Date.now());
      }
      this.typingStopTimers.set(
        roomId,
        setTimeout(() => this.setTyping(roomId, false), TYPING_IDLE_MS),
      );
    } else if (sentAt > 0) {
      this.typingSentAt.delete(roomId);
      if (socket?.connected) socket.emit(ClientEvents.Typing, { roomId, typing: false });
    }
  }

  /**
   * A message went out: no `typing:false` is sent, since receivers clear the sender's notice when
   * the message arrives (and the server lets it expire), which keeps a fast sender well under the
   * per-connection event budget. The next keystroke announces typing again.
   */
  private sentTyping(roomId: string): void {
    clearTimeout(this.typingStopTimers.get(roomId));
    this.typingStopTimers.delete(roomId);
    this.typingSentAt.delete(roomId);
  }

  private onTyping(event: TypingEvent): void {
    if (event.userId === this.state.me.id) return;
    this.updateRoom(event.roomId, (r) => {
      const typing = { ...r.typing };
      if (event.typing) typing[event.userId] = Date.now() + TYPING_SHOWN_MS;
      else if (event.userId in typing) delete typing[event.userId];
      else return r;
      return { ...r, typing };
    });
    if (event.typing) this.ensureUsers([event.userId]);
  }

  private sweepTyping(): void {
    const now = Date.now();
    for (const room of Object.values(this.state.rooms)) {
      const expired = Object.entries(room.typing).filter(([, until]) => until <= now);
      if (expired.length === 0) continue;
      this.updateRoom(room.room.id, (r) => {
        const typing = { ...r.typing };
        for (const [userId] of expired) delete typing[userId];
        return { ...r, typing };
      });
    }
  }

  // ---- users and presence -------------------------------------------------------------------

  private upsertUsers(users: readonly User[]): void {
    let changed = false;
    const next = { ...this.state.users };
    for (const user of users) {
      const known = next[user.id];
      if (known && known.online === user.online && known.username === user.username) continue;
      next[user.id] = { id: user.id, username: user.username, online: user.online };
      this.missingUsers.delete(user.id);
      changed = true;
    }
    if (changed) this.set({ users: next });
  }

  private ensureUsers(ids: readonly string[]): void {
    for (const id of ids) if (!this.state.users[id]) this.missingUsers.add(id);
    if (this.missingUsers.size === 0 || this.userFetchTimer) return;
    this.userFetchTimer = setTimeout(() => {
      this.userFetchTimer = undefined;
      const wanted = [...this.missingUsers];
      this.missingUsers.clear();
      api.usersByIds(wanted).then(
        (users) => this.upsertUsers(users),
        () => undefined,
      );
    }, 50);
  }

  // ---- read state ---------------------------------------------------------------------------

  private readonly onVisibility = (): void => {
    const active = this.state.activeRoomId;
    if (active) this.markRead(active);
  };

  /** The active room, while the page is visible, is read up to its newest message. */
  markRead(roomId: string): void {
    const room = this.state.rooms[roomId];
    if (!room || roomId !== this.state.activeRoomId || document.visibilityState !== 'visible')
      return;
    const newest = room.messages[room.messages.length - 1]?.seq ?? 0;
    if (room.readSeq >= newest && room.readSeq !== Number.MAX_SAFE_INTEGER) return;
    this.updateRoom(roomId, (r) => ({ ...r, readSeq: newest }));
    this.saveReadRecord();
  }

  private loadReadRecord(): Record<string, number> | null {
    try {
      const raw = localStorage.getItem(this.readKey);
      return raw ? (JSON.parse(raw) as Record<string, number>) : null;
    } catch {
      return null;
    }
  }

  private saveReadRecord(): void {
    const record: Record<string, number> = {};
    for (const room of Object.values(this.state.rooms)) {
      if (room.readSeq !== Number.MAX_SAFE_INTEGER) record[room.room.id] = room.readSeq;
    }
    try {
      localStorage.setItem(this.readKey, JSON.stringify(record));
    } catch {
      // Private mode or full storage: unread counts simply start over next time.
    }
  }
}

// ---- selectors ------------------------------------------------------------------------------

export function unreadCount(room: RoomView, me: string): number {
  if (room.readSeq === Number.MAX_SAFE_INTEGER) return 0;
  let n = 0;
  for (let i = room.messages.length - 1; i >= 0 && room.messages[i].seq > room.readSeq; i -= 1) {
    if (room.messages[i].from !== me) n += 1;
  }
  return n;
}

export function roomTitle(state: ChatState, room: Room): string {
  if (room.kind === 'public') return room.names[0] ?? 'General';
  const peer = dmPeer(room.id, state.me.id);
  return (
    (peer && state.users[peer]?.username) ||
    room.names.find((n) => n !== state.me.username) ||
    room.names[0] ||
    'Direct message'
  );
}

export function roomPeer(state: ChatState, room: Room): User | null {
  if (room.kind !== 'dm') return null;
  const peer = dmPeer(room.id, state.me.id);
  return peer ? (state.users[peer] ?? null) : null;
}

/** General first, then DMs by latest activity. */
export function sortedRooms(state: ChatState): RoomView[] {
  const rooms = Object.values(state.rooms);
  const last = (r: RoomView) => r.messages[r.messages.length - 1]?.date ?? 0;
  return rooms.sort((a, b) => {
    if (a.room.id === GENERAL_ROOM_ID) return -1;
    if (b.room.id === GENERAL_ROOM_ID) return 1;
    return last(b) - last(a) || a.room.id.localeCompare(b.room.id);
  });
}

export function displayName(state: ChatState, userId: string): string {
  if (userId === state.me.id) return state.me.username;
  return state.users[userId]?.username ?? `User ${userId}`;
}
