import type { Room } from '../contracts';
import type { StateCell } from './state';

/** readSeq of a room whose history counts as read once its newest page is in. */
export const READ_ALL = Number.MAX_SAFE_INTEGER;

/**
 * Unread counts: per room, messages from others above the last seen seq, remembered in
 * localStorage per user. The active room, while the page is visible, is read to its newest message.
 */
export class ReadState {
  private readonly key: string;
  private readonly record: Record<string, number> | null;

  constructor(private readonly cell: StateCell) {
    this.key = `parley.read.${cell.current.me.id}`;
    this.record = this.load();
  }

  /**
   * Where a room's read marker starts. First visit on this browser: everything there is read.
   * Otherwise what was remembered; a DM never seen is all unread (it was opened to talk to us);
   * a group room never seen starts at its newest message (its history before we came is not news).
   */
  initial(room: Room, started: boolean): number {
    if (this.record === null && !started) return READ_ALL;
    const saved = this.record?.[room.id];
    if (saved !== undefined) return saved;
    if (room.kind === 'dm') return 0;
    return typeof room.lastSeq === 'number' ? room.lastSeq : 0;
  }

  /** The active room, while the page is visible, is read up to its newest message. */
  markRead(roomId: string): void {
    const state = this.cell.current;
    const room = state.rooms[roomId];
    if (!room || roomId !== state.activeRoomId || document.visibilityState !== 'visible') return;
    const newest = room.messages[room.messages.length - 1]?.seq ?? 0;
    if (room.readSeq >= newest && room.readSeq !== READ_ALL) return;
    this.cell.updateRoom(roomId, (r) => ({ ...r, readSeq: newest }));
    this.save();
  }

  readonly onVisibility = (): void => {
    const active = this.cell.current.activeRoomId;
    if (active) this.markRead(active);
  };

  private load(): Record<string, number> | null {
    try {
      const raw = localStorage.getItem(this.key);
      return raw ? (JSON.parse(raw) as Record<string, number>) : null;
    } catch {
      return null;
    }
  }

  save(): void {
    const record: Record<string, number> = {};
    for (const room of Object.values(this.cell.current.rooms)) {
      if (room.readSeq !== READ_ALL) record[room.room.id] = room.readSeq;
    }
    try {
      localStorage.setItem(this.key, JSON.stringify(record));
    } catch {
      // Private mode or full storage: unread counts simply start over next time.
    }
  }
}
