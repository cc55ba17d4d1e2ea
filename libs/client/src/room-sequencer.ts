import type { Message } from '@app/contracts';

/** The last message of a room handed to the application, in seq order. */
export interface RoomPosition {
  seq: number;
  id: string;
}

/**
 * Puts one room's messages in `seq` order for the application: each message once, none skipped.
 * Messages from live delivery and from `sync` go through `accept`; one that would leave a hole is
 * held back until the hole is filled (by `sync`) or known to be gone from history (`settle`).
 */
export class RoomSequencer {
  private readonly held = new Map<number, Message>();

  constructor(private position?: RoomPosition) {}

  /** The `sync` cursor: the id of the last message delivered, or undefined before the first. */
  get cursor(): string | undefined {
    return this.position?.id;
  }

  get lastSeq(): number {
    return this.position?.seq ?? 0;
  }

  /** True while a later message waits for an earlier one. */
  get hasGap(): boolean {
    return this.held.size > 0;
  }

  /**
   * Takes one message and returns those now due, in order. The first message of a room the
   * sequencer knows nothing about sets the starting point: what came before it is history.
   */
  accept(message: Message): Message[] {
    if (!this.position) {
      this.position = { seq: message.seq, id: message.id };
      return [message, ...this.drain()];
    }
    if (message.seq <= this.position.seq || this.held.has(message.seq)) return [];
    this.held.set(message.seq, message);
    return this.drain();
  }

  /**
   * After a complete `sync` that reached `horizon`: a held message at or below it whose
   * predecessors did not come is past a hole that history no longer has (trimmed), so delivery
   * moves on to it. Held messages above the horizon were stored after the sync read; they wait.
   */
  settle(horizon: number): Message[] {
    const due: Message[] = [];
    for (;;) {
      const lowest = Math.min(...this.held.keys());
      if (!this.position || !Number.isFinite(lowest) || lowest > horizon) return due;
      this.position = { seq: lowest - 1, id: this.position.id };
      due.push(...this.drain());
    }
  }

  private drain(): Message[] {
    const due: Message[] = [];
    for (;;) {
      const next = this.position && this.held.get(this.position.seq + 1);
      if (!next) return due;
      this.held.delete(next.seq);
      this.position = { seq: next.seq, id: next.id };
      due.push(next);
    }
  }
}
