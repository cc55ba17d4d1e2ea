import type { Message, MessageUpdatedEvent } from '@app/contracts';

/** Where a room stands: the last seq handed to the application, and the newest message's id. */
export interface RoomPosition {
  seq: number;
  id: string;
}

/** One step of a room's seq sequence: a new message, or a change (edit, deletion, reaction). */
export type RoomEntry = { seq: number; message: Message; update?: MessageUpdatedEvent };

/**
 * Puts one room's entries in `seq` order for the application: each once, none skipped. Messages
 * and changes share the room's seq, so both come through `accept` (live or from `sync`); one that
 * would leave a hole is held back until the hole is filled or known to be gone (`settle`).
 */
export class RoomSequencer {
  private readonly held = new Map<number, RoomEntry>();

  constructor(private position?: RoomPosition) {}

  /** The `sync` cursor: the id of the newest message delivered, or undefined before the first. */
  get cursor(): string | undefined {
    return this.position?.id;
  }

  get lastSeq(): number {
    return this.position?.seq ?? 0;
  }

  /** True while a later entry waits for an earlier one. */
  get hasGap(): boolean {
    return this.held.size > 0;
  }

  /**
   * Takes one entry and returns those now due, in order. The first entry of a room the sequencer
   * knows nothing about sets the starting point: what came before it is history.
   */
  accept(entry: RoomEntry): RoomEntry[] {
    if (!this.position) {
      this.position = { seq: entry.seq, id: entry.message.id };
      return [entry, ...this.drain()];
    }
    if (entry.seq <= this.position.seq || this.held.has(entry.seq)) return [];
    this.held.set(entry.seq, entry);
    return this.drain();
  }

  /**
   * After a complete `sync` that reached `horizon`: every seq up to it that did not come is gone
   * for good (a change superseded by a later one, or history trimmed), so delivery moves past
   * it. Held entries above the horizon were stored after the sync read; they wait.
   */
  settle(horizon: number): RoomEntry[] {
    const due: RoomEntry[] = [];
    for (;;) {
      const lowest = Math.min(...this.held.keys());
      if (!this.position || !Number.isFinite(lowest) || lowest > horizon) return due;
      this.position = { ...this.position, seq: lowest - 1 };
      due.push(...this.drain());
    }
  }

  private drain(): RoomEntry[] {
    const due: RoomEntry[] = [];
    for (;;) {
      const next = this.position && this.held.get(this.position.seq + 1);
      if (!next || !this.position) return due;
      this.held.delete(next.seq);
      // A change keeps the cursor: sync reads onward from the newest message.
      this.position = { seq: next.seq, id: next.update ? this.position.id : next.message.id };
      due.push(next);
    }
  }
}
