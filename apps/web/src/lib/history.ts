import { ClientEvents, type Message } from '../contracts';
import { ApiError } from './api';
import { api } from './api';
import { emitWithTimeout, SESSION_ENDED, type Link } from './socket';
import { READ_ALL } from './read-state';
import type { StateCell } from './state';
import { firstGap, mergeMessages, syncCursor } from './timeline';

const SYNC_TIMEOUT_MS = 15_000;
const SYNC_ROOMS_PER_CALL = 100;
export const PAGE_SIZE = 50;

export interface HistoryHooks {
  ensureUsers(ids: readonly string[]): void;
  markRead(roomId: string): void;
  /** A live message of a room we do not list: returns true when the room is shown now. */
  unknownRoom(message: Message): boolean;
}

/**
 * Each room's timeline: the newest page on first sight, older pages on demand, live messages,
 * and `sync` to fill every hole (after a reconnect, or when a live seq skips one).
 */
export class History {
  private readonly loading = new Set<string>();
  private readonly syncQueue = new Set<string>();
  private readonly syncInFlight = new Set<string>();
  private syncTimer?: ReturnType<typeof setTimeout>;
  /** roomId → cursor of a hole that a complete sync could not fill (not retried again). */
  private readonly gapGuard = new Map<string, string>();

  constructor(
    private readonly cell: StateCell,
    private readonly link: Link,
    private readonly hooks: HistoryHooks,
  ) {}

  dispose(): void {
    clearTimeout(this.syncTimer);
  }

  /** The socket's answers to syncs sent on a lost connection may never come. */
  connectionLost(): void {
    this.syncInFlight.clear();
  }

  forget(roomId: string): void {
    this.syncQueue.delete(roomId);
    this.gapGuard.delete(roomId);
  }

  /** The newest page of a room, merged with whatever arrived live meanwhile, then a sync. */
  async loadLatest(roomId: string): Promise<void> {
    if (this.loading.has(roomId)) return;
    this.loading.add(roomId);
    try {
      const page = await api.history(roomId, undefined, PAGE_SIZE);
      if (this.cell.disposed) return;
      this.cell.updateRoom(roomId, (r) => {
        const messages = mergeMessages(r.messages, page.messages);
        const newest = messages[messages.length - 1]?.seq ?? 0;
        return {
          ...r,
          messages,
          hasOlder: r.loaded ? r.hasOlder : page.nextBefore !== null,
          loaded: true,
          readSeq: r.readSeq === READ_ALL ? newest : r.readSeq,
        };
      });
      this.afterMessages(roomId, page.messages);
      // Anything stored between that page and the socket joining the room comes with a sync.
      if (this.link.socket()?.connected) this.requestSync([roomId]);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) this.link.end(SESSION_ENDED);
      // 403/404: we are not (or no longer) in the room; room.left or the next refresh says so.
      else if (!(err instanceof ApiError && (err.status === 403 || err.status === 404)))
        if (!this.cell.disposed) setTimeout(() => void this.retryLoad(roomId), 3000);
    } finally {
      this.loading.delete(roomId);
    }
  }

  private async retryLoad(roomId: string): Promise<void> {
    if (!this.cell.disposed && this.cell.current.rooms[roomId]?.loaded === false)
      await this.loadLatest(roomId);
  }

  async loadOlder(roomId: string): Promise<void> {
    const room = this.cell.current.rooms[roomId];
    if (!room || !room.loaded || !room.hasOlder || room.loadingOlder) return;
    const before = room.messages[0]?.id;
    if (!before) return this.cell.updateRoom(roomId, (r) => ({ ...r, hasOlder: false }));
    this.cell.updateRoom(roomId, (r) => ({ ...r, loadingOlder: true, olderError: false }));
    try {
      const page = await api.history(roomId, before, PAGE_SIZE);
      this.cell.updateRoom(roomId, (r) => ({
        ...r,
        messages: mergeMessages(r.messages, page.messages),
        hasOlder: page.nextBefore !== null,
        loadingOlder: false,
      }));
      this.afterMessages(roomId, page.messages);
    } catch {
      this.cell.updateRoom(roomId, (r) => ({ ...r, loadingOlder: false, olderError: true }));
    }
  }

  onLive(message: Message): void {
    if (!this.cell.current.rooms[message.roomId] && !this.hooks.unknownRoom(message)) return;
    this.cell.updateRoom(message.roomId, (r) => {
      const messages = mergeMessages(r.messages, [message]);
      if (messages === r.messages && !(message.from in r.typing)) return r;
      const typing = { ...r.typing };
      delete typing[message.from];
      return { ...r, messages, typing };
    });
    this.afterMessages(message.roomId, [message]);
    if (!this.cell.current.rooms[message.roomId]?.loaded) void this.loadLatest(message.roomId);
  }

  /** Merges messages from an ack or any other source into a room. */
  merge(roomId: string, messages: readonly Message[]): void {
    this.cell.updateRoom(roomId, (r) => {
      const merged = mergeMessages(r.messages, messages);
      return merged === r.messages ? r : { ...r, messages: merged };
    });
    this.afterMessages(roomId, messages);
  }

  /** Shared tail of every merge: settle own pending sends, read state, names, holes. */
  private afterMessages(roomId: string, messages: readonly Message[]): void {
    const state = this.cell.current;
    const me = state.me.id;
    const settled = new Set(
      messages.filter((m) => m.from === me && m.clientId).map((m) => m.clientId as string),
    );
    if (settled.size > 0 && state.pending.some((p) => settled.has(p.clientId))) {
      this.cell.set({ pending: state.pending.filter((p) => !settled.has(p.clientId)) });
    }
    this.hooks.ensureUsers(messages.map((m) => m.from));
    this.hooks.markRead(roomId);
    this.checkGap(roomId);
  }

  /** A hole in the seq run (a missed broadcast) is filled by `sync` from just before it. */
  private checkGap(roomId: string): void {
    const room = this.cell.current.rooms[roomId];
    if (!room) return;
    const gap = firstGap(room.messages);
    if (gap === -1) {
      this.gapGuard.delete(roomId);
      return;
    }
    if (this.gapGuard.get(roomId) === room.messages[gap].id) return;
    this.requestSync([roomId]);
  }

  // ---- sync ---------------------------------------------------------------------------------

  requestSync(roomIds: readonly string[]): void {
    for (const id of roomIds) this.syncQueue.add(id);
    if (this.syncQueue.size === 0 || this.syncTimer) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      this.flushSync();
    }, 20);
  }

  private flushSync(): void {
    const socket = this.link.socket();
    if (this.cell.disposed || !socket?.connected) return; // the next connect syncs everything
    const rooms = this.cell.current.rooms;
    // Rooms we left meanwhile are dropped from the queue.
    for (const id of this.syncQueue) if (!rooms[id]) this.syncQueue.delete(id);
    const ids = [...this.syncQueue].filter((id) => !this.syncInFlight.has(id) && rooms[id]?.loaded);
    for (let i = 0; i < ids.length; i += SYNC_ROOMS_PER_CALL) {
      const chunk = ids.slice(i, i + SYNC_ROOMS_PER_CALL);
      const cursors: Record<string, string> = {};
      for (const id of chunk) {
        this.syncQueue.delete(id);
        this.syncInFlight.add(id);
        cursors[id] = syncCursor(rooms[id].messages);
      }
      emitWithTimeout(socket, SYNC_TIMEOUT_MS, ClientEvents.Sync, { cursors }, (err, ack) => {
        for (const id of chunk) this.syncInFlight.delete(id);
        if (this.cell.disposed) return;
        if (err || !ack.ok) {
          // Try again shortly (or when told); a reconnect also retries.
          const wait = !err && !ack.ok ? (ack.error.retryAfterMs ?? 1000) : 1000;
          setTimeout(() => this.requestSync(chunk), wait);
          return;
        }
        for (const [roomId, result] of Object.entries(ack.rooms)) {
          this.cell.updateRoom(roomId, (r) => {
            const messages = mergeMessages(r.messages, result.messages);
            return messages === r.messages ? r : { ...r, messages };
          });
          const room = this.cell.current.rooms[roomId];
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
}
