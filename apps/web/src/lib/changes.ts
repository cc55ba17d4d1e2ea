import {
  ClientEvents,
  type ClientToServerEvents,
  type Message,
  type MessageUpdate,
  type MessageUpdatedEvent,
} from '../contracts';
import { emitWithTimeout, type AckOf, type Link } from './socket';
import type { StateCell } from './state';
import { replaceMessage } from './timeline';

const CHANGE_TIMEOUT_MS = 10_000;

type ChangeEvent =
  | typeof ClientEvents.MessageEdit
  | typeof ClientEvents.MessageDelete
  | typeof ClientEvents.MessageReact;

/** Why a change was refused, in words for the person who tried it. */
export class ChangeError extends Error {}

/**
 * Edits, deletions and reactions: sent over the socket (the ack carries the message as it now
 * stands), and received live as `message.updated` or in a sync's `updates`. Each change has its
 * own seq in the room's run (so a missed one is a gap that `sync` fills); a message takes only a
 * change newer than the last one it took, so a late, older one never undoes a newer state.
 */
export class Changes {
  /** roomId → message id → seq of the newest change applied. */
  private readonly applied = new Map<string, Map<string, number>>();

  constructor(
    private readonly cell: StateCell,
    private readonly link: Link,
    private readonly noteSeq: (roomId: string, seq: number) => void,
  ) {}

  forget(roomId: string): void {
    this.applied.delete(roomId);
  }

  /** `message.updated`: the message in its current state, at the change's seq. */
  onUpdated(event: MessageUpdatedEvent): void {
    if (!event || typeof event.roomId !== 'string' || !event.message) return;
    if (!this.cell.current.rooms[event.roomId]) return;
    this.apply(event.roomId, [event]);
    this.noteSeq(event.roomId, event.seq);
  }

  /** A sync answer's `updates` (their seqs are covered by the sync itself). */
  apply(roomId: string, updates: readonly MessageUpdate[]): void {
    if (updates.length === 0) return;
    const newest = this.applied.get(roomId) ?? new Map<string, number>();
    this.applied.set(roomId, newest);
    this.cell.updateRoom(roomId, (r) => {
      let messages = r.messages;
      for (const { seq, message } of updates) {
        if ((newest.get(message.id) ?? 0) >= seq) continue;
        newest.set(message.id, seq);
        messages = replaceMessage(messages, message);
      }
      return messages === r.messages ? r : { ...r, messages };
    });
  }

  edit = (roomId: string, id: string, message: string) =>
    this.send(ClientEvents.MessageEdit, { roomId, id, message });
  remove = (roomId: string, id: string) => this.send(ClientEvents.MessageDelete, { roomId, id });
  react = (roomId: string, id: string, emoji: string, on: boolean) =>
    this.send(ClientEvents.MessageReact, { roomId, id, emoji, on });

  private send<E extends ChangeEvent>(
    event: E,
    payload: Parameters<ClientToServerEvents[E]>[0],
  ): Promise<Message> {
    return new Promise((resolve, reject) => {
      const socket = this.link.socket();
      if (!socket?.connected) return reject(new ChangeError('Not connected, try again shortly'));
      emitWithTimeout(socket, CHANGE_TIMEOUT_MS, event, payload, (err, ack: AckOf<E>) => {
        if (err) return reject(new ChangeError('No answer from the server'));
        if (!ack.ok) return reject(new ChangeError(ack.error.message));
        // The ack is the state now; the live event with its seq may come before or after it.
        const message = ack.message;
        this.cell.updateRoom(payload.roomId, (r) => {
          const messages = replaceMessage(r.messages, message);
          return messages === r.messages ? r : { ...r, messages };
        });
        resolve(message);
      });
    });
  }
}
