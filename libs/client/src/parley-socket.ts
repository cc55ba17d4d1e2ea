import type {
  ClientToServerEvents,
  Message,
  MessageUpdatedEvent,
  ServerToClientEvents,
  User,
} from '@app/contracts';
import { ClientEvents, ServerEvents } from '@app/contracts/events';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { emitWithAck, type AckOf, type ClientEvent, type PayloadOf } from './acks';
import { ParleyAckError } from './errors';
import type { RoomEntry } from './room-sequencer';
import { Timelines } from './timelines';

export type ParleyIo = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ParleySocketOptions {
  /** The API's origin (it forwards /socket.io) or a gateway's URL. */
  url: string;
  /** Session or API token; without one, a browser's session cookie is used. */
  token?: string;
  /** Resume where a previous run stopped: the last message held for each room. */
  resume?: readonly Message[];
  /** How long an event waits for its ack before it counts as lost (default 10 s). */
  ackTimeoutMs?: number;
  /** Attempts of one `send` before it rejects (default 5). */
  sendAttempts?: number;
  /** How long one `send` may take, retries included, before it rejects (default 60 s). */
  sendTimeoutMs?: number;
  /** Passed to socket.io-client's `io()` (transports, reconnection delays, …). */
  io?: Partial<ManagerOptions & SocketOptions>;
}

/** Why the connection is over for good: the session is unknown, or it was ended (sign-out). */
export type EndReason = 'unauthorized' | 'revoked';

interface SdkEvents {
  /** Every message of the caller's rooms, once, in `seq` order per room. */
  message: (message: Message) => void;
  /** A change (edit, deletion, reaction) to a message, in the same `seq` order as messages. */
  update: (event: MessageUpdatedEvent) => void;
  /** A catch-up finished: the rooms that got missed messages. */
  synced: (roomIds: string[]) => void;
  /** A background catch-up failed; it is tried again while connected. */
  error: (error: Error) => void;
  /** The server refused or ended the session: no more reconnects. */
  ended: (reason: EndReason) => void;
}

/** Errors worth another attempt with the same clientId. */
const RETRYABLE = new Set(['unavailable', 'rate_limited', 'timeout', 'internal']);
/** Reconnects the SDK does itself (Socket.IO gives up after a server-side disconnect). */
const RECONNECT_DELAY_MS = { first: 1_000, max: 10_000 };

/**
 * A Socket.IO connection to Parley that does the bookkeeping every client needs: `send` resolves
 * with the stored message and retries with one clientId (stored once however often it is
 * retried); `message` and `update` listeners see each room's messages and changes in `seq`
 * order, without duplicates; a gap in `seq`, and every reconnect, triggers `sync`, so what was
 * missed while away arrives too. It reconnects after a gateway shut down or refused it for a
 * while, and stops for good only when the session is gone (`ended`). The raw socket stays
 * available as `io` for the other server events (docs/socket-io.md).
 */
export class ParleySocket {
  readonly io: ParleyIo;
  private readonly rooms: Timelines;
  private readonly listeners: { [E in keyof SdkEvents]: Set<SdkEvents[E]> } = {
    message: new Set(),
    update: new Set(),
    synced: new Set(),
    error: new Set(),
    ended: new Set(),
  };
  private watched: string[] = [];
  private revoked = false;
  private closed = false;
  private reconnectDelay = RECONNECT_DELAY_MS.first;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly ackTimeoutMs: number;
  private readonly sendAttempts: number;
  private readonly sendTimeoutMs: number;

  constructor(options: ParleySocketOptions) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.sendAttempts = options.sendAttempts ?? 5;
    this.sendTimeoutMs = options.sendTimeoutMs ?? 60_000;
    this.rooms = new Timelines(
      (payload) => this.request(ClientEvents.Sync, payload),
      (entry) => this.deliver(entry),
      () => this.syncInBackground(),
    );
    for (const m of options.resume ?? []) this.rooms.start(m.roomId, m);
    this.io = io(options.url, {
      auth: options.token ? { token: options.token } : undefined,
      withCredentials: true,
      ...options.io,
    });
    this.io.on(ServerEvents.Message, (message) => this.rooms.receiveMessage(message));
    this.io.on(ServerEvents.MessageUpdated, (update) =>
      this.rooms.receive([{ seq: update.seq, message: update.message, update }]),
    );
    this.io.on(ServerEvents.RoomLeft, ({ roomId }) => this.rooms.forget(roomId));
    this.io.on(ServerEvents.SessionRevoked, () => (this.revoked = true));
    // Every (re)connect may follow missed messages: catch up on each room already seen.
    this.io.on('connect', () => {
      this.reconnectDelay = RECONNECT_DELAY_MS.first;
      if (this.watched.length > 0) void this.request(ClientEvents.PresenceWatch, this.watchList);
      if (this.rooms.size > 0) this.syncInBackground();
    });
    this.io.on('disconnect', (reason) => {
      if (this.closed) return;
      if (this.revoked) return this.end('revoked');
      // A gateway shutting down disconnects its sockets; Socket.IO does not retry that itself.
      if (reason === 'io server disconnect') this.reconnectLater();
    });
    this.io.on('connect_error', (err) => {
      if (err.message === 'unauthorized') return this.end('unauthorized');
      // Refused by the gateway's middleware (Redis briefly away): Socket.IO gives up, we don't.
      if (!this.io.active) this.reconnectLater();
    });
  }

  on<E extends keyof SdkEvents>(event: E, listener: SdkEvents[E]): this {
    this.listeners[event].add(listener);
    return this;
  }

  off<E extends keyof SdkEvents>(event: E, listener: SdkEvents[E]): this {
    this.listeners[event].delete(listener);
    return this;
  }

  /** Resolves once connected (at once when already), rejects on `connect_error`. */
  connected(): Promise<void> {
    if (this.io.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        this.io.off('connect', done).off('connect_error', done);
        if (err) reject(err);
        else resolve();
      };
      this.io.on('connect', done).on('connect_error', done);
    });
  }

  /** The last message handed to `message` listeners per room: a `resume` for the next run. */
  positions(): Record<string, { seq: number; id: string | undefined }> {
    return this.rooms.positions();
  }

  /**
   * Follows a room from a point the application already holds (the newest message of a history
   * page it loaded; none for an empty room) and catches up from there. A room followed already
   * (or seen live) keeps its place. Rooms are otherwise followed from their first live message.
   */
  follow(roomId: string, newest?: Message | null): void {
    this.rooms.start(roomId, newest ?? { seq: 0, id: '0' });
    if (this.io.connected) this.syncInBackground();
  }

  /** Stops following a room (the SDK does so by itself on `room.left`). */
  forget(roomId: string): void {
    this.rooms.forget(roomId);
  }

  /**
   * Sends a message and resolves with it once stored. Lost acks, `unavailable` and
   * `rate_limited` are retried with the same clientId, so the message is stored at most once.
   */
  async send(roomId: string, message: string, clientId = newClientId()): Promise<Message> {
    const deadline = Date.now() + this.sendTimeoutMs;
    for (let attempt = 1; ; attempt += 1) {
      let error: ParleyAckError;
      try {
        const timeout = Math.max(1, Math.min(this.ackTimeoutMs, deadline - Date.now()));
        const payload = { roomId, message, clientId };
        const ack = await this.request(ClientEvents.Message, payload, timeout);
        this.rooms.receiveMessage(ack.message);
        return ack.message;
      } catch (err) {
        if (!(err instanceof ParleyAckError)) throw err;
        error = err;
      }
      const wait = error.retryAfterMs ?? Math.min(250 * 2 ** attempt, 5_000);
      const retry = RETRYABLE.has(error.code) && attempt < this.sendAttempts;
      if (!retry || Date.now() + wait >= deadline) throw error;
      await delay(wait);
    }
  }

  /** Edits one's own message; resolves with the message as it now stands. */
  async edit(roomId: string, id: string, message: string): Promise<Message> {
    return (await this.request(ClientEvents.MessageEdit, { roomId, id, message })).message;
  }

  /** Deletes a message (own, or any as a room admin): it stays as a tombstone. */
  async deleteMessage(roomId: string, id: string): Promise<Message> {
    return (await this.request(ClientEvents.MessageDelete, { roomId, id })).message;
  }

  /** Adds (`on`) or takes back one's reaction with one emoji. */
  async react(roomId: string, id: string, emoji: string, on = true): Promise<Message> {
    return (await this.request(ClientEvents.MessageReact, { roomId, id, emoji, on })).message;
  }

  /** Moves the caller's read marker forward to `seq`; resolves with the marker now. */
  async markRead(roomId: string, seq: number): Promise<number> {
    return (await this.request(ClientEvents.RoomRead, { roomId, seq })).readSeq;
  }

  /** Tells the room's members the caller is (or stopped) typing; dropped while disconnected. */
  typing(roomId: string, typing: boolean): void {
    if (this.io.connected) this.io.emit(ClientEvents.Typing, { roomId, typing });
  }

  /**
   * Presence events for these users besides those sharing a room (replaces the previous list;
   * sent again after every reconnect). Resolves with their presence now; while disconnected,
   * with none (the list goes out on connect).
   */
  async watchPresence(userIds: readonly string[]): Promise<User[]> {
    this.watched = [...new Set(userIds)];
    if (!this.io.connected) return [];
    return (await this.request(ClientEvents.PresenceWatch, this.watchList)).users;
  }

  /** Any client event with its ack, typed from libs/contracts; rejects with a ParleyAckError. */
  request<E extends ClientEvent>(
    event: E,
    payload: PayloadOf<E>,
    timeoutMs = this.ackTimeoutMs,
  ): Promise<AckOf<E>> {
    return emitWithAck(this.io as unknown as Socket, event, payload, timeoutMs);
  }

  /**
   * Fetches every message and change after the last one seen in each followed room and hands
   * them to the listeners. Runs by itself after reconnects and gaps; concurrent calls share a run.
   */
  async sync(): Promise<void> {
    const updated = await this.rooms.sync();
    this.listeners.synced.forEach((listener) => listener(updated));
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.io.disconnect();
  }

  private get watchList(): { userIds: string[] } {
    return { userIds: this.watched };
  }

  private end(reason: EndReason): void {
    this.closed = true;
    this.listeners.ended.forEach((listener) => listener(reason));
  }

  private reconnectLater(): void {
    const wait = this.reconnectDelay;
    this.reconnectDelay = Math.min(wait * 2, RECONNECT_DELAY_MS.max);
    this.later(wait, () => {
      if (!this.io.connected) this.io.connect();
    });
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) run();
    }, ms);
    this.timers.add(timer);
  }

  private deliver({ message, update }: RoomEntry): void {
    if (update) this.listeners.update.forEach((listener) => listener(update));
    else this.listeners.message.forEach((listener) => listener(message));
  }

  /** A catch-up that failed on the way (lost ack, server busy) is tried again while connected. */
  private syncInBackground(): void {
    this.sync().catch((err: Error) => {
      this.listeners.error.forEach((listener) => listener(err));
      if (!(err instanceof ParleyAckError) || !RETRYABLE.has(err.code)) return;
      this.later(err.retryAfterMs ?? 1_000, () => {
        if (this.io.connected) this.syncInBackground();
      });
    });
  }
}

/** A fresh idempotency key; randomUUID needs a secure context in browsers, hence the fallback. */
export function newClientId(): string {
  const uuid = globalThis.crypto?.randomUUID?.();
  if (uuid) return uuid;
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
