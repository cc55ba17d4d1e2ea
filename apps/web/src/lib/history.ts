import type { Message, MessageUpdate, MessageUpdatedEvent } from '../contracts';
import { api, ApiError } from './api';
import { SESSION_ENDED, type Link } from './socket';
import type { StateCell } from './state';
import { mergeMessages } from './timeline';

export const PAGE_SIZE = 50;

export interface HistoryHooks {
  ensureUsers(ids: readonly string[]): void;
  /** Messages this tab had not held before (live, sync or an ack): unread counts, markers. */
  arrived(roomId: string, fresh: readonly Message[]): void;
  /** Changes (edits, deletions, reactions), in seq order after the messages they change. */
  applyUpdates(roomId: string, updates: readonly MessageUpdate[]): void;
  /** A live message of a room we do not list: returns true when the room is shown now. */
  unknownRoom(message: Message): boolean;
}

/**
 * Each room's timeline: the newest page on first sight, older pages on demand, and what the SDK
 * delivers (live, from its sync after a gap or a reconnect, or a send's ack): each message and
 * change once, in seq order. A sync hands over hundreds at once, so deliveries are merged per
 * room once the burst is over.
 */
export class History {
  private readonly loading = new Set<string>();
  /** What the SDK delivered since the last flush, in its order. */
  private inbox: { roomId: string; message?: Message; update?: MessageUpdate }[] = [];

  constructor(
    private readonly cell: StateCell,
    private readonly link: Link,
    private readonly hooks: HistoryHooks,
  ) {}

  forget(roomId: string): void {
    this.inbox = this.inbox.filter((entry) => entry.roomId !== roomId);
  }

  /** The newest page of a room, merged with whatever arrived live meanwhile; followed from it. */
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
      this.afterMessages(roomId, page.messages, fresh);
      // The SDK goes on from the page's newest message: anything after it comes by sync or live.
      this.link.socket()?.follow(roomId, page.messages.at(-1));
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

  /** A message from the SDK; merged with the rest of its burst. */
  onMessage = (message: Message): void => this.receive({ roomId: message.roomId, message });

  /** A change from the SDK (`message.updated` or a sync's `updates`), at its place in the seq. */
  onUpdate = ({ roomId, seq, message }: MessageUpdatedEvent): void =>
    this.receive({ roomId, update: { seq, message } });

  private receive(entry: History['inbox'][number]): void {
    if (this.inbox.length === 0) queueMicrotask(() => this.flush());
    this.inbox.push(entry);
  }

  private flush(): void {
    const inbox = this.inbox;
    this.inbox = [];
    if (this.cell.disposed) return;
    const byRoom = new Map<string, { messages: Message[]; updates: MessageUpdate[] }>();
    for (const { roomId, message, update } of inbox) {
      let room = byRoom.get(roomId);
      if (!room) byRoom.set(roomId, (room = { messages: [], updates: [] }));
      if (message) room.messages.push(message);
      if (update) room.updates.push(update);
    }
    for (const [roomId, { messages, updates }] of byRoom) {
      if (messages.length > 0) this.onLive(roomId, messages);
      // A change's seq follows the message it changes: merged above, if it came in this burst.
      if (updates.length > 0 && this.cell.current.rooms[roomId])
        this.hooks.applyUpdates(roomId, updates);
    }
  }

  private onLive(roomId: string, messages: Message[]): void {
    if (!this.cell.current.rooms[roomId] && !this.hooks.unknownRoom(messages[0])) return;
    const fresh = this.freshIn(roomId, messages);
    const senders = new Set(messages.map((m) => m.from));
    this.cell.updateRoom(roomId, (r) => {
      const merged = mergeMessages(r.messages, messages);
      const typing = { ...r.typing };
      for (const from of senders) delete typing[from];
      const typed = Object.keys(typing).length !== Object.keys(r.typing).length;
      if (merged === r.messages && !typed) return r;
      return { ...r, messages: merged, typing: typed ? typing : r.typing };
    });
    this.afterMessages(roomId, messages, fresh);
    if (!this.cell.current.rooms[roomId]?.loaded) void this.loadLatest(roomId);
  }

  /** The messages among these that the room does not hold yet. */
  private freshIn(roomId: string, messages: readonly Message[]): Message[] {
    const room = this.cell.current.rooms[roomId];
    if (!room) return [];
    const known = new Set(room.messages.map((m) => m.id));
    return messages.filter((m) => !known.has(m.id));
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
}
