import type {
  Ack,
  ClientToServerEvents,
  Message,
  MessageUpdatedEvent,
  SendMessagePayload,
  ServerToClientEvents,
  SyncPayload,
  SyncRoomResult,
} from '@app/contracts';
import { ClientEvents, ServerEvents } from '@app/contracts/events';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { ParleyAckError } from './errors';
import { RoomSequencer, type RoomEntry } from './room-sequencer';

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
  /** Passed to socket.io-client's `io()` (transports, reconnection delays, …). */
  io?: Partial<ManagerOptions & SocketOptions>;
}

interface SdkEvents {
  /** Every message of the caller's rooms, once, in `seq` order per room. */
  message: (message: Message) => void;
  /** A change (edit, deletion, reaction) to a message, in the same `seq` order as messages. */
  update: (event: MessageUpdatedEvent) => void;
  /** A catch-up finished: the rooms that got missed messages. */
  synced: (roomIds: string[]) => void;
  /** A background catch-up failed; the next reconnect or gap tries again. */
  error: (error: Error) => void;
}

/** Errors worth another attempt with the same clientId. */
const RETRYABLE = new Set(['unavailable', 'rate_limited', 'timeout', 'internal']);
/** Sync rounds before a hole that does not fill is skipped (see RoomSequencer.settle). */
const SYNC_ROUNDS_MAX = 3;

/**
 * A Socket.IO connection to Parley that does the bookkeeping every client needs: `send` resolves
 * with the stored message and retries with one clientId (stored once however often it is
 * retried); `message` listeners see each room's messages in `seq` order, without duplicates; a
 * gap in `seq`, and every reconnect, triggers `sync`, so messages missed while away arrive too.
 * The raw socket stays available as `io` for the other server events (docs/socket-io.md).
 */
export class ParleySocket {
  readonly io: ParleyIo;
  private readonly rooms = new Map<string, RoomSequencer>();
  private readonly listeners: { [E in keyof SdkEvents]: Set<SdkEvents[E]> } = {
    message: new Set(),
    update: new Set(),
    synced: new Set(),
    error: new Set(),
  };
  private syncing?: Promise<void>;
  private syncAgain = false;
  private readonly ackTimeoutMs: number;
  private readonly sendAttempts: number;

  constructor(options: ParleySocketOptions) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.sendAttempts = options.sendAttempts ?? 5;
    for (const m of options.resume ?? []) this.rooms.set(m.roomId, new RoomSequencer(m));
    this.io = io(options.url, {
      auth: options.token ? { token: options.token } : undefined,
      withCredentials: true,
      ...options.io,
    });
    this.io.on(ServerEvents.Message, (message) => this.receive([{ seq: message.seq, message }]));
    this.io.on(ServerEvents.MessageUpdated, (update) =>
      this.receive([{ seq: update.seq, message: update.message, update }]),
    );
    this.io.on(ServerEvents.RoomLeft, ({ roomId }) => this.rooms.delete(roomId));
    // Every (re)connect may follow missed messages: catch up on each room already seen.
    this.io.on('connect', () => {
      if (this.rooms.size > 0) this.syncInBackground();
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
    return Object.fromEntries(
      [...this.rooms].map(([roomId, room]) => [roomId, { seq: room.lastSeq, id: room.cursor }]),
    );
  }

  /**
   * Sends a message and resolves with it once stored. Lost acks, `unavailable` and
   * `rate_limited` are retried with the same clientId, so the message is stored at most once.
   */
  async send(roomId: string, message: string, clientId = newClientId()): Promise<Message> {
    for (let attempt = 1; ; attempt += 1) {
      let error: ParleyAckError;
      try {
        const ack = await this.emit(ClientEvents.Message, { roomId, message, clientId });
        this.receive([{ seq: ack.message.seq, message: ack.message }]);
        return ack.message;
      } catch (err) {
        if (!(err instanceof ParleyAckError)) throw err;
        error = err;
      }
      if (!RETRYABLE.has(error.code) || attempt >= this.sendAttempts) throw error;
      await delay(error.retryAfterMs ?? Math.min(250 * 2 ** attempt, 5_000));
    }
  }

  /**
   * Fetches every message after the last one seen in each known room and hands them to the
   * `message` listeners. Runs by itself after reconnects and gaps; concurrent calls share a run.
   */
  sync(): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true;
      return this.syncing;
    }
    this.syncing = this.runSync().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  close(): void {
    this.io.disconnect();
  }

  private async runSync(): Promise<void> {
    const updated = new Set<string>();
    for (let round = 1; ; round += 1) {
      this.syncAgain = false;
      const horizons = await this.syncRound(updated);
      const gaps = [...this.rooms].filter(([, room]) => room.hasGap);
      if (gaps.length === 0 && !this.syncAgain) break;
      if (round >= SYNC_ROUNDS_MAX) {
        for (const [, room] of gaps) this.deliver(room.settle(Infinity));
        break;
      }
      for (const [roomId, room] of gaps) this.deliver(room.settle(horizons.get(roomId) ?? 0));
    }
    this.listeners.synced.forEach((listener) => listener([...updated]));
  }

  /** One catch-up over every room with a cursor, paging until each is complete. */
  private async syncRound(updated: Set<string>): Promise<Map<string, number>> {
    const horizons = new Map<string, number>();
    let cursors = this.cursors();
    while (Object.keys(cursors).length > 0) {
      const { rooms } = await this.emit(ClientEvents.Sync, { cursors });
      const next: Record<string, string> = {};
      for (const [roomId, page] of Object.entries(rooms)) {
        if (page.messages.length > 0) updated.add(roomId);
        const entries: RoomEntry[] = [
          ...page.messages.map((message) => ({ seq: message.seq, message })),
          ...(page.updates ?? []).map(({ seq, message }) => ({
            seq,
            message,
            update: { roomId, seq, message },
          })),
        ].sort((a, b) => a.seq - b.seq);
        this.receive(entries, false);
        const last = page.messages.at(-1);
        const newest = entries.at(-1)?.seq ?? 0;
        horizons.set(roomId, Math.max(horizons.get(roomId) ?? 0, newest));
        if (!page.complete && last) next[roomId] = last.id;
      }
      cursors = next;
    }
    return horizons;
  }

  private cursors(): Record<string, string> {
    const cursors: Record<string, string> = {};
    for (const [roomId, room] of this.rooms) if (room.cursor) cursors[roomId] = room.cursor;
    return cursors;
  }

  /** Orders entries per room; a hole starts a catch-up unless one is what delivered them. */
  private receive(entries: readonly RoomEntry[], syncOnGap = true): void {
    for (const entry of entries) {
      const roomId = entry.message.roomId;
      let room = this.rooms.get(roomId);
      if (!room) this.rooms.set(roomId, (room = new RoomSequencer()));
      this.deliver(room.accept(entry));
      if (syncOnGap && room.hasGap) this.syncInBackground();
    }
  }

  private deliver(entries: readonly RoomEntry[]): void {
    for (const { message, update } of entries) {
      if (update) this.listeners.update.forEach((listener) => listener(update));
      else this.listeners.message.forEach((listener) => listener(message));
    }
  }

  private syncInBackground(): void {
    this.sync().catch((err: Error) => this.listeners.error.forEach((listener) => listener(err)));
  }

  /** Emits with an ack; resolves with a successful ack, rejects with a ParleyAckError. */
  private emit(event: 'message', payload: SendMessagePayload): Promise<{ message: Message }>;
  private emit(event: 'sync', payload: SyncPayload): Promise<{ rooms: SyncRooms }>;
  private async emit(event: string, payload: object): Promise<object> {
    let ack: Ack;
    try {
      // The overloads above carry the types of libs/contracts' event map.
      ack = (await (this.io as Socket)
        .timeout(this.ackTimeoutMs)
        .emitWithAck(event, payload)) as Ack;
    } catch {
      throw new ParleyAckError('timeout', `no answer to ${event} within ${this.ackTimeoutMs} ms`);
    }
    if (!ack.ok) throw ParleyAckError.from(ack.error);
    return ack;
  }
}

type SyncRooms = Record<string, SyncRoomResult>;

/** A fresh idempotency key; randomUUID needs a secure context in browsers, hence the fallback. */
export function newClientId(): string {
  const uuid = globalThis.crypto?.randomUUID?.();
  return uuid ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
