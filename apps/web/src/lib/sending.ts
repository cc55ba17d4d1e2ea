import { ClientEvents, Limits, type Message } from '../contracts';
import { emitWithTimeout, type Link } from './socket';
import type { PendingMessage, StateCell } from './state';
import { codePoints, newClientId } from './timeline';

/** Time to wait for a `message` ack before a send shows as failed. */
export const SEND_TIMEOUT_MS = 10_000;
/** Automatic re-sends of a rate-limited message (after the server's retryAfterMs). */
const RATE_LIMIT_RETRIES = 5;

/**
 * Sending: the message shows at once as pending with a random clientId; the ack (or the
 * broadcast/sync copy carrying that clientId) settles it. An error ack or no ack within 10 s marks
 * it failed; Retry re-sends the same clientId, which the server stores once.
 */
export class Sending {
  constructor(
    private readonly cell: StateCell,
    private readonly link: Link,
    private readonly hooks: {
      sent(roomId: string): void;
      merge(roomId: string, messages: readonly Message[]): void;
    },
  ) {}

  /** Returns false when the text cannot be sent (empty, only white space, or too long). */
  send(roomId: string, text: string): boolean {
    if (text.trim().length === 0 || codePoints(text) > Limits.messageMaxCodePoints) return false;
    const pending: PendingMessage = { clientId: newClientId(), roomId, text, status: 'pending' };
    this.cell.set({ pending: [...this.cell.current.pending, pending] });
    this.hooks.sent(roomId);
    this.emit(pending);
    return true;
  }

  retry(clientId: string): void {
    const pending = this.cell.current.pending.find((p) => p.clientId === clientId);
    if (!pending || pending.status !== 'failed') return;
    const again: PendingMessage = { ...pending, status: 'pending', error: undefined };
    this.cell.set({
      pending: this.cell.current.pending.map((p) => (p.clientId === clientId ? again : p)),
    });
    this.emit(again);
  }

  discard(clientId: string): void {
    this.cell.set({ pending: this.cell.current.pending.filter((p) => p.clientId !== clientId) });
  }

  /** Unsent messages of a room we are no longer in go away with it. */
  forget(roomId: string): void {
    if (this.cell.current.pending.some((p) => p.roomId === roomId))
      this.cell.set({ pending: this.cell.current.pending.filter((p) => p.roomId !== roomId) });
  }

  private emit(pending: PendingMessage, attempt = 1): void {
    const socket = this.link.socket();
    if (!socket) return;
    const { roomId, text, clientId } = pending;
    const payload = { roomId, message: text, clientId };
    emitWithTimeout(socket, SEND_TIMEOUT_MS, ClientEvents.Message, payload, (err, ack) => {
      if (this.cell.disposed) return;
      const current = this.cell.current.pending.find((p) => p.clientId === clientId);
      if (!current) return; // already settled by the broadcast or a sync
      if (!err && ack.ok) {
        this.hooks.merge(roomId, [ack.message]);
        this.discard(clientId); // in case the ack's message lacked the clientId
        return;
      }
      if (!err && !ack.ok && ack.error.code === 'rate_limited' && attempt < RATE_LIMIT_RETRIES) {
        // Over the server's rate limit: it says when to try again, so do that by ourselves.
        const wait = Math.min(ack.error.retryAfterMs ?? 1000, SEND_TIMEOUT_MS);
        setTimeout(() => {
          if (
            this.cell.current.pending.some((p) => p.clientId === clientId && p.status === 'pending')
          )
            this.emit(pending, attempt + 1);
        }, wait);
        return;
      }
      const error = err
        ? 'No answer from the server'
        : ack.ok
          ? ''
          : ack.error.code === 'rate_limited'
            ? 'Sending too fast, wait a moment'
            : ack.error.message;
      this.cell.set({
        pending: this.cell.current.pending.map((p) =>
          p.clientId === clientId ? { ...p, status: 'failed', error } : p,
        ),
      });
    });
  }
}
