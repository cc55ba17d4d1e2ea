import { GENERAL_ROOM_ID, type Message, type Room, type RoomLeftEvent } from '../contracts';
import { api } from './api';
import { ReadState } from './read-state';
import type { ChatState, RoomView, StateCell } from './state';
import { dmPeer } from './timeline';

const NOTICE_MS = 8_000;

export interface RoomsHooks {
  loadLatest(roomId: string): void;
  /** Drop everything else kept for a room we are no longer in (syncs, sends, typing). */
  forget(roomId: string): void;
  ensureUsers(ids: readonly string[]): void;
  /** A newer description of a shown room: take its read marker and unread count. */
  listed(view: RoomView, room: Room): RoomView;
  /** The open room went away: show another (or the list). */
  leftActive(): void;
}

/** A DM id "a:b" (two decimal user ids). */
export const isDmId = (roomId: string) => /^\d+:\d+$/.test(roomId);

/** General and the rooms people create, as opposed to DMs. */
export const isGroup = (room: Room) => room.kind !== 'dm';

function sameRoom(a: Room, b: Room): boolean {
  return (
    a.kind === b.kind &&
    a.name === b.name &&
    a.topic === b.topic &&
    a.createdBy === b.createdBy &&
    a.memberCount === b.memberCount &&
    a.role === b.role &&
    a.lastSeq === b.lastSeq &&
    (a.names ?? []).join('\n') === (b.names ?? []).join('\n')
  );
}

/**
 * The caller's rooms and their membership: the list from `GET /api/rooms`, kept live by
 * `room.joined` / `show.room` (shown once), `room.left` (gone, leaving the view if open) and
 * `room.updated` (name, topic, member count; it carries no role, so ours is kept), and changed
 * by create / join / leave / open-DM / rename from this tab.
 */
export class Rooms {
  /** Bumped by every membership event, so a listing fetched meanwhile is not trusted blindly. */
  private version = 0;
  /** Rooms we were removed from: a late listing or a stray live message must not bring them back. */
  private readonly removed = new Set<string>();
  /** Rooms this tab is leaving: their `room.left` needs no notice. */
  private readonly leaving = new Set<string>();
  private refreshTimer?: ReturnType<typeof setTimeout>;
  private noticeTimer?: ReturnType<typeof setTimeout>;
  private noticeSeq = 0;

  constructor(
    private readonly cell: StateCell,
    private readonly hooks: RoomsHooks,
  ) {}

  dispose(): void {
    clearTimeout(this.refreshTimer);
    clearTimeout(this.noticeTimer);
  }

  /** Shows a room (new) or takes its newer description (known; our role kept when absent). */
  add(room: Room): boolean {
    const existing = this.cell.current.rooms[room.id];
    if (existing) {
      const merged: Room = { ...existing.room, ...room, role: room.role ?? existing.room.role };
      this.cell.updateRoom(room.id, (r) => {
        const next = this.hooks.listed(r, room);
        return sameRoom(r.room, merged) ? next : { ...next, room: merged };
      });
      return false;
    }
    const view: RoomView = {
      room,
      messages: [],
      loaded: false,
      hasOlder: false,
      loadingOlder: false,
      olderError: false,
      ...ReadState.fromRoom(room),
      typing: {},
    };
    this.cell.set({ rooms: { ...this.cell.current.rooms, [room.id]: view } });
    const peer = dmPeer(room.id, this.cell.current.me.id);
    if (peer) this.hooks.ensureUsers([peer]);
    return true;
  }

  private addAndLoad(room: Room): void {
    this.removed.delete(room.id);
    if (this.add(room)) this.hooks.loadLatest(room.id);
  }

  private remove(roomId: string, notice: boolean): void {
    const state = this.cell.current;
    const view = state.rooms[roomId];
    if (!view) return;
    const rooms = { ...state.rooms };
    delete rooms[roomId];
    const patch: Partial<ChatState> = { rooms };
    if (state.members[roomId]) {
      const members = { ...state.members };
      delete members[roomId];
      patch.members = members;
    }
    this.cell.set(patch);
    this.hooks.forget(roomId);
    if (state.activeRoomId === roomId) this.hooks.leftActive();
    if (notice) this.notify('You are no longer a member of ', view.room.name || view.room.names[0]);
  }

  // ---- events -------------------------------------------------------------------------------

  /** `room.joined` and `show.room`: created, joined, added, or a new DM. */
  onJoined(room: Room): void {
    this.version += 1;
    this.addAndLoad(room);
  }

  /** `room.left`: we left (here or in another tab) or were removed. */
  onLeft(event: RoomLeftEvent): void {
    if (!event || typeof event.roomId !== 'string') return;
    this.version += 1;
    this.removed.add(event.roomId);
    this.remove(event.roomId, !this.leaving.has(event.roomId));
  }

  /** `room.updated`: sent without `role`, so ours is kept. */
  onUpdated(room: Room): void {
    if (this.cell.current.rooms[room.id]) this.add(room);
  }

  /** A live message of a room we do not list. */
  unknownRoom(message: Message): boolean {
    if (this.removed.has(message.roomId)) return false;
    this.scheduleRefresh();
    // General and a DM whose show.room is late: show it now (its real description follows).
    // A group room waits for its room.joined or the listing, so a kicked room never comes back.
    if (message.roomId !== GENERAL_ROOM_ID && !isDmId(message.roomId)) return false;
    this.add({
      id: message.roomId,
      kind: message.roomId === GENERAL_ROOM_ID ? 'public' : 'dm',
      names: [],
      name: '',
      topic: '',
      createdBy: null,
      memberCount: 0,
      lastSeq: 0,
    });
    return true;
  }

  // ---- listing ------------------------------------------------------------------------------

  /** The first listing, before the socket connects (the caller loads the rooms). */
  addInitial(rooms: readonly Room[]): void {
    for (const room of rooms) this.add(room);
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh();
    }, 100);
  }

  /** Picks up rooms we missed (never ones we were removed from). */
  async refresh(): Promise<void> {
    try {
      for (const room of await api.rooms()) if (!this.removed.has(room.id)) this.addAndLoad(room);
    } catch {
      // The next reconnect refreshes again.
    }
  }

  /**
   * After a reconnect: the listing is the truth for what happened while we were away (rooms
   * joined, left, renamed), unless a membership event arrived while it was being fetched.
   */
  async reconcile(): Promise<void> {
    const version = this.version;
    const rooms = await api.rooms();
    if (version !== this.version) {
      for (const room of rooms) if (!this.removed.has(room.id)) this.addAndLoad(room);
      return;
    }
    const listed = new Set(rooms.map((r) => r.id));
    for (const room of rooms) this.addAndLoad(room);
    for (const id of Object.keys(this.cell.current.rooms)) {
      if (!listed.has(id)) {
        this.removed.add(id);
        this.remove(id, true);
      }
    }
  }

  // ---- actions ------------------------------------------------------------------------------

  async create(name: string, kind: 'public' | 'private', topic: string): Promise<string> {
    const room = await api.createRoom(topic ? { name, kind, topic } : { name, kind });
    this.addAndLoad(room);
    return room.id;
  }

  async join(roomId: string): Promise<string> {
    const room = await api.joinRoom(roomId);
    this.addAndLoad(room);
    return room.id;
  }

  async leave(roomId: string): Promise<void> {
    this.leaving.add(roomId);
    try {
      await api.leaveRoom(roomId);
      this.version += 1;
      this.removed.add(roomId);
      this.remove(roomId, false);
    } finally {
      // Our own room.left may still be on its way: no notice for it either.
      setTimeout(() => this.leaving.delete(roomId), 5_000);
    }
  }

  async rename(roomId: string, patch: { name?: string; topic?: string }): Promise<void> {
    const room = await api.updateRoom(roomId, patch);
    this.onUpdated(room);
  }

  /** Opens (creating if needed) the DM with a user; returns its id. */
  async openDm(userId: string): Promise<string> {
    const me = this.cell.current.me.id;
    const [a, b] = [me, userId].sort((x, y) => Number(x) - Number(y));
    const roomId = `${a}:${b}`;
    if (!this.cell.current.rooms[roomId]) this.addAndLoad(await api.openDm(userId));
    return roomId;
  }

  /** Our role changed (member.updated about us). */
  setOwnRole(roomId: string, role: Room['role']): void {
    const view = this.cell.current.rooms[roomId];
    if (view && role && view.room.role !== role)
      this.cell.updateRoom(roomId, (r) => ({ ...r, room: { ...r.room, role } }));
  }

  // ---- notices ------------------------------------------------------------------------------

  notify(text: string, name?: string, after?: string): void {
    clearTimeout(this.noticeTimer);
    this.noticeSeq += 1;
    this.cell.set({ notice: { id: this.noticeSeq, text, name, after } });
    this.noticeTimer = setTimeout(() => this.dismissNotice(), NOTICE_MS);
  }

  dismissNotice(): void {
    clearTimeout(this.noticeTimer);
    if (this.cell.current.notice) this.cell.set({ notice: null });
  }
}
