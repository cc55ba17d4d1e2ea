import { ParleyAckError } from '@app/client';
import type { Message, MessageUpdate } from '../contracts';
import type { Link, ParleySocket } from './socket';
import type { StateCell } from './state';
import { replaceMessage } from './timeline';

/** Why a change was refused, in words for the person who tried it. */
export class ChangeError extends Error {}

/**
 * Edits, deletions and reactions: sent through the SDK (the ack carries the message as it now
 * stands), and received from it in seq order, live or from its sync. A message takes only a
 * change newer than the last one it took, so a late, older one never undoes a newer state.
 */
export class Changes {
  /** roomId → message id → seq of the newest change applied. */
  private readonly applied = new Map<string, Map<string, number>>();

  constructor(
    private readonly cell: StateCell,
    private readonly link: Link,
  ) {}

  forget(roomId: string): void {
    this.applied.delete(roomId);
  }

  /** Changes of one room from the SDK, in seq order. */
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

  edit = (roomId: string, id: string, text: string) =>
    this.send(roomId, (socket) => socket.edit(roomId, id, text));
  remove = (roomId: string, id: string) =>
    this.send(roomId, (socket) => socket.deleteMessage(roomId, id));
  react = (roomId: string, id: string, emoji: string, on: boolean) =>
    this.send(roomId, (socket) => socket.react(roomId, id, emoji, on));

  private async send(
    roomId: string,
    change: (socket: ParleySocket) => Promise<Message>,
  ): Promise<Message> {
    const socket = this.link.socket();
    if (!socket?.io.connected) throw new ChangeError('Not connected, try again shortly');
    let message: Message;
    try {
      message = await change(socket);
    } catch (err) {
      if (!(err instanceof ParleyAckError)) throw err;
      throw new ChangeError(err.code === 'timeout' ? 'No answer from the server' : err.reason);
    }
    // The ack is the state now; the change's own event, with its seq, may come before or after.
    this.cell.updateRoom(roomId, (r) => {
      const messages = replaceMessage(r.messages, message);
      return messages === r.messages ? r : { ...r, messages };
    });
    return message;
  }
}
