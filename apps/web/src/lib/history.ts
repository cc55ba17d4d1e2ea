import { ClientEvents, type Message, type MessageUpdate } from '../contracts';
import { ApiError } from './api';
import { api } from './api';
import { emitWithTimeout, SESSION_ENDED, type Link } from './socket';
import type { StateCell } from './state';
import { advanceRun, mergeMessages, settleRun, syncCursor, type SeqRun } from './timeline';

const SYNC_TIMEOUT_MS = 15_000;
const SYNC_ROOMS_PER_CALL = 100;
export const PAGE_SIZE = 50;

export interface HistoryHooks {
  ensureUsers(ids: readonly string[]): void;
  /** Messages this tab had not held before (live, sync or an ack): unread counts, markers. */
  arrived(roomId: string, fresh: readonly Message[]): void;
  /** Changes (edits, deletions, reactions) from a sync answer, at their seq. */
  applyUpdates(roomId: string, updates: readonly MessageUpdate[]): void;
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
  /** roomId → how far its seq run (messages and changes) is known, once its newest page is in. */
  private readonly runs = new Map<string, SeqRun>();

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
    this.runs.delete(roomId);
  }

  /** The newest page of a room, merged with whatever arrived live meanwhile, then a sync. */
  async loadLatest(roomId: string): Promise<void> {
    if (this.loading.has(roomId)) return;
    this.loading.add(roomId);
    try {
      const page = await api.history(roomId, undefined, PAGE_SIZE);
      if (this.cell.disposed) return;
      const fresh = this.freshIn(roomId, page.messages);
      this.cell.updateRoom(roomId, (r) => ({
        ...r,
        messages: mergeMessages(r.messages, page.messages),
        hasOlder: r.loaded ? r.hasOlder : page.nextBefore !== null,
        loaded: true,
      }));
      const newest = page.messages[page.messages.length - 1]?.seq ?? 0;
      this.runs.set(roomId, settleRun(this.runs.get(roomId) ?? { seen: 0, ahead: [] }, newest));
      this.afterMessages(roomId, page.messages, fresh);
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
    const fresh = this.freshIn(message.roomId, [message]);
    this.cell.updateRoom(message.roomId, (r) => {
      const messages = mergeMessages(r.messages, [message]);
      if (messages === r.messages && !(message.from in r.typing)) return r;
      const typing = { ...r.typing };
      delete typing[message.from];
      return { ...r, messages, typing };
    });
    this.afterMessages(message.roomId, [message], fresh);
    this.noteSeq(message.roomId, message.seq);
    if (!this.cell.current.rooms[message.roomId]?.loaded) void this.loadLatest(message.roomId);
  }

  /** Merges messages from an ack or any other source into a room. */
  merge(roomId: string, messages: readonly Message[]): void {
    const fresh = this.freshIn(roomId, messages);
    this.cell.updateRoom(roomId, (r) => {
      const merged = mergeMessages(r.messages, messages);
      return merged === r.messages ? r : { ...r, messages: merged };
    });
    this.afterMessages(roomId, messages, fresh);
  }

  /** The messages among these that the room does not hold yet. */
  private freshIn(roomId: string, messages: readonly Message[]): Message[] {
    const room = this.cell.current.rooms[roomId];
    if (!room) return [];
    const known = new Set(room.messages.map((m) => m.id));
    return messages.filter((m) => !known.has(m.id));
  }

  /**
   * A live message or change took `seq`: one that jumps over a seq not seen yet (a missed
   * broadcast) is filled by `sync`.
   */
  noteSeq(roomId: string, seq: number): void {
    const run = this.runs.get(roomId);
    if (!run) return; // the newest page is on its way, a sync follows it
    const next = advanceRun(run, seq);
    this.runs.set(roomId, next.run);
    if (next.gap) this.requestSync([roomId]);
  }

  /** Shared tail of every merge: settle own pending sends, read state, names. */
  private afterMessages(
    roomId: string,
    messages: readonly Message[],
    fresh: readonly Message[] = [],
  ): void {
    const state = this.cell.current;
    const me = state.me.id;
    const settled = new Set(
      messages.filter((m) => m.from === me && m.clientId).map((m) => m.clientId as string),
    );
    if (settled.size > 0 && state.pending.some((p) => settled.has(p.clientId))) {
      this.cell.set({ pending: state.pending.filter((p) => !settled.has(p.clientId)) });
    }
    this.hooks.ensureUsers(messages.map((m) => m.from));
    this.hooks.arrived(roomId, fresh);
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
        cursors[id] = syncCursor(rooms[id].messages, this.runs.get(id)?.seen ?? 0);
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
          if (!this.cell.current.rooms[roomId]) continue;
          this.merge(roomId, result.messages);
          const updates = result.updates ?? [];
          this.hooks.applyUpdates(roomId, updates);
          const run = this.runs.get(roomId);
          const newest = Math.max(0, ...result.messages.map((m) => m.seq));
          if (!result.complete) {
            // More after these: go on from the last one (never loop on an empty answer).
            if (run) this.runs.set(roomId, settleRun(run, newest));
            if (result.messages.length > 0) this.syncQueue.add(roomId);
          } else if (run) {
            // Complete: every message and change up to the newest one in it is known now.
            const last = Math.max(newest, ...updates.map((u) => u.seq));
            this.runs.set(roomId, settleRun(run, last));
          }
        }
        if (this.syncQueue.size > 0) this.requestSync([]);
      });
    }
  }
}
