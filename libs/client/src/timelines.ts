import type { Message, SyncPayload, SyncRoomResult } from '@app/contracts';
import { RoomSequencer, type RoomEntry } from './room-sequencer';

/** Sync rounds before a hole that does not fill is skipped (see RoomSequencer.settle). */
const SYNC_ROUNDS_MAX = 3;
/** Cursors per `sync` call: the server takes at most 200 rooms at once (docs/socket-io.md). */
const SYNC_ROOMS_PER_CALL = 100;

type SyncCall = (payload: SyncPayload) => Promise<{ rooms: Record<string, SyncRoomResult> }>;

/**
 * The rooms a socket follows, each with its RoomSequencer, and the `sync` that fills their
 * holes: entries come in (live or from a sync) in any order and leave through `deliver` in seq
 * order, each once.
 */
export class Timelines {
  private readonly rooms = new Map<string, RoomSequencer>();
  private syncing?: Promise<string[]>;
  private syncAgain = false;

  constructor(
    private readonly callSync: SyncCall,
    private readonly deliver: (entry: RoomEntry) => void,
    /** A hole showed up in a live stream: a catch-up is due. */
    private readonly onGap: () => void,
  ) {}

  get size(): number {
    return this.rooms.size;
  }

  has(roomId: string): boolean {
    return this.rooms.has(roomId);
  }

  /** Follows a room from a known position; a room followed already keeps its own. */
  start(roomId: string, from: { seq: number; id: string }): void {
    if (!this.rooms.has(roomId)) this.rooms.set(roomId, new RoomSequencer(from));
  }

  forget(roomId: string): void {
    this.rooms.delete(roomId);
  }

  positions(): Record<string, { seq: number; id: string | undefined }> {
    return Object.fromEntries(
      [...this.rooms].map(([roomId, room]) => [roomId, { seq: room.lastSeq, id: room.cursor }]),
    );
  }

  /** Orders entries per room; a hole starts a catch-up unless one is what delivered them. */
  receive(entries: readonly RoomEntry[], fromSync = false): void {
    for (const entry of entries) {
      const roomId = entry.message.roomId;
      let room = this.rooms.get(roomId);
      if (!room) this.rooms.set(roomId, (room = new RoomSequencer()));
      room.accept(entry).forEach(this.deliver);
      if (!fromSync && room.hasGap) this.onGap();
    }
  }

  receiveMessage(message: Message): void {
    this.receive([{ seq: message.seq, message }]);
  }

  /** One catch-up for every followed room; concurrent calls share a run. Resolves with the rooms
   * that got messages. */
  sync(): Promise<string[]> {
    if (this.syncing) {
      this.syncAgain = true;
      return this.syncing;
    }
    this.syncing = this.runSync().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async runSync(): Promise<string[]> {
    const updated = new Set<string>();
    for (let round = 1; ; round += 1) {
      this.syncAgain = false;
      const horizons = await this.syncRound(updated);
      const gaps = [...this.rooms].filter(([, room]) => room.hasGap);
      if (gaps.length === 0 && !this.syncAgain) break;
      if (round >= SYNC_ROUNDS_MAX) {
        for (const [, room] of gaps) room.settle(Infinity).forEach(this.deliver);
        break;
      }
      for (const [roomId, room] of gaps)
        room.settle(horizons.get(roomId) ?? 0).forEach(this.deliver);
    }
    return [...updated];
  }

  /** One catch-up over every room with a cursor, paging until each is complete. */
  private async syncRound(updated: Set<string>): Promise<Map<string, number>> {
    const horizons = new Map<string, number>();
    let pending = Object.entries(this.cursors());
    while (pending.length > 0) {
      const chunk = Object.fromEntries(pending.slice(0, SYNC_ROOMS_PER_CALL));
      pending = pending.slice(SYNC_ROOMS_PER_CALL);
      const { rooms } = await this.callSync({ cursors: chunk });
      for (const [roomId, page] of Object.entries(rooms)) {
        if (!this.rooms.has(roomId)) continue; // left while the answer was on its way
        if (page.messages.length > 0) updated.add(roomId);
        const entries: RoomEntry[] = [
          ...page.messages.map((message) => ({ seq: message.seq, message })),
          ...(page.updates ?? []).map(({ seq, message }) => ({
            seq,
            message,
            update: { roomId, seq, message },
          })),
        ].sort((a, b) => a.seq - b.seq);
        this.receive(entries, true);
        const last = page.messages.at(-1);
        const newest = entries.at(-1)?.seq ?? 0;
        horizons.set(roomId, Math.max(horizons.get(roomId) ?? 0, newest));
        if (!page.complete && last) pending.push([roomId, last.id]);
      }
    }
    return horizons;
  }

  private cursors(): Record<string, string> {
    const cursors: Record<string, string> = {};
    for (const [roomId, room] of this.rooms) if (room.cursor) cursors[roomId] = room.cursor;
    return cursors;
  }
}
