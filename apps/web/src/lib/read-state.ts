import type { Message, Room, RoomReadEvent } from '../contracts';
import { api } from './api';
import type { Link } from './socket';
import type { RoomView, StateCell } from './state';
import { countUnread } from './timeline';

/**
 * Read markers and unread counts, kept by the server (per user and room, the same on every
 * device): the room listing brings each marker and count, new messages from others add to the
 * count, and the open room is marked read (`room.read`) while the page is visible and its newest
 * message is on screen. Another tab's `room.read` moves the marker here too.
 */
export class ReadState {
  /** The open room's timeline is scrolled to its newest message. */
  private atBottom = false;

  constructor(
    private readonly cell: StateCell,
    private readonly link: Link,
  ) {}

  /** The marker and count of a room description that carries them (listing, room.joined). */
  static fromRoom(room: Room): Pick<RoomView, 'readSeq' | 'unread' | 'countedSeq'> {
    return { readSeq: room.readSeq ?? 0, unread: room.unread ?? 0, countedSeq: room.lastSeq ?? 0 };
  }

  /** A newer listing of a room we show: the server's count is the truth up to its lastSeq. */
  listed(view: RoomView, room: Room): RoomView {
    if (room.readSeq === undefined || room.unread === undefined) return view;
    const readSeq = Math.max(view.readSeq, room.readSeq);
    // Messages we hold beyond what the server counted are added to its count.
    const later = view.messages.filter(
      (m) => m.seq > room.lastSeq && m.seq > readSeq && m.from !== this.me,
    ).length;
    const unread =
      readSeq > room.readSeq ? countUnread(view.messages, readSeq, this.me) : room.unread + later;
    return { ...view, readSeq, unread, countedSeq: Math.max(view.countedSeq, room.lastSeq) };
  }

  private get me(): string {
    return this.cell.current.me.id;
  }

  /**
   * Messages new to this tab (live or from a sync): others' after the marker count as unread
   * unless the server's count had them already; one's own moves the marker (the server did too).
   */
  arrived(roomId: string, fresh: readonly Message[]): void {
    if (fresh.length === 0) return;
    this.cell.updateRoom(roomId, (r) => {
      const own = Math.max(0, ...fresh.filter((m) => m.from === this.me).map((m) => m.seq));
      if (own > r.readSeq) {
        return { ...r, readSeq: own, unread: countUnread(r.messages, own, this.me) };
      }
      const added = fresh.filter(
        (m) => m.from !== this.me && m.seq > r.readSeq && m.seq > r.countedSeq,
      ).length;
      return added === 0 ? r : { ...r, unread: r.unread + added };
    });
    this.markRead(roomId);
  }

  /** `room.read` from any of this user's sockets: the marker moved. */
  onRead(event: RoomReadEvent): void {
    if (!event || typeof event.roomId !== 'string' || typeof event.readSeq !== 'number') return;
    this.moveTo(event.roomId, event.readSeq);
  }

  private moveTo(roomId: string, readSeq: number): void {
    this.cell.updateRoom(roomId, (r) =>
      readSeq <= r.readSeq
        ? r
        : { ...r, readSeq, unread: Math.min(r.unread, countUnread(r.messages, readSeq, this.me)) },
    );
  }

  /** The open room's timeline reports whether its newest message is on screen. */
  setAtBottom(roomId: string, atBottom: boolean): void {
    if (roomId !== this.cell.current.activeRoomId) return;
    this.atBottom = atBottom;
    if (atBottom) this.markRead(roomId);
  }

  /** A different room is open: its timeline reports its scroll position anew. */
  opened(): void {
    this.atBottom = false;
  }

  /** The open room, visible and scrolled to its newest message, is read up to it. */
  markRead(roomId: string): void {
    const state = this.cell.current;
    const view = state.rooms[roomId];
    if (!view || !view.loaded || roomId !== state.activeRoomId || !this.atBottom) return;
    if (document.visibilityState !== 'visible') return;
    const newest = view.messages[view.messages.length - 1]?.seq ?? 0;
    if (newest <= view.readSeq && view.unread === 0) return;
    const seq = Math.max(newest, view.readSeq);
    this.cell.updateRoom(roomId, (r) => ({ ...r, readSeq: seq, unread: 0 }));
    const socket = this.link.socket();
    const marked = socket?.io.connected
      ? socket.markRead(roomId, seq)
      : api.markRead(roomId, seq).then((res) => res.readSeq);
    marked.then(
      (readSeq) => this.moveTo(roomId, readSeq),
      () => undefined, // the listing after the reconnect tells the truth
    );
  }

  readonly onVisibility = (): void => {
    const active = this.cell.current.activeRoomId;
    if (active) this.markRead(active);
  };
}

/** Browsers that ran an older client kept read state here; the server keeps it now. */
export function dropLegacyReadState(userId: string): void {
  try {
    localStorage.removeItem(`parley.read.${userId}`);
  } catch {
    // No storage: nothing to drop.
  }
}
