import { newClientId, ParleyAckError } from '@app/client';
import { Limits } from '../contracts';
import type { Link } from './socket';
import type { PendingMessage, StateCell } from './state';
import { codePoints } from './timeline';

/** How long a send may take (the SDK's retries of a rate-limited one included) before it fails. */
export const SEND_TIMEOUT_MS = 10_000;

/**
 * Sending: the message shows at once as pending with a random clientId and goes out through the
 * SDK, which retries it with that clientId; the stored message (the ack, or the broadcast/sync
 * copy carrying the clientId) settles it. No success within 10 s marks it failed; Retry re-sends
 * the same clientId, which the server stores once.
 */
export class Sending {
  constructor(
    private readonly cell: StateCell,
    private readonly link: Link,
    private readonly sent: (roomId: string) => void,
  ) {}

  /** Returns false when the text cannot be sent (empty, only white space, or too long). */
  send(roomId: string, text: string): boolean {
    if (text.trim().length === 0 || codePoints(text) > Limits.messageMaxCodePoints) return false;
    const pending: PendingMessage = { clientId: newClientId(), roomId, text, status: 'pending' };
    this.cell.set({ pending: [...this.cell.current.pending, pending] });
    this.sent(roomId);
    void this.emit(pending);
    return true;
  }

  retry(clientId: string): void {
    const pending = this.cell.current.pending.find((p) => p.clientId === clientId);
    if (!pending || pending.status !== 'failed') return;
    const again: PendingMessage = { ...pending, status: 'pending', error: undefined };
    this.cell.set({
      pending: this.cell.current.pending.map((p) => (p.clientId === clientId ? again : p)),
    });
    void this.emit(again);
  }

  discard(clientId: string): void {
    this.cell.set({ pending: this.cell.current.pending.filter((p) => p.clientId !== clientId) });
  }

  /** Unsent messages of a room we are no longer in go away with it. */
  forget(roomId: string): void {
    if (this.cell.current.pending.some((p) => p.roomId === roomId))
      this.cell.set({ pending: this.cell.current.pending.filter((p) => p.roomId !== roomId) });
  }

  private async emit({ roomId, text, clientId }: PendingMessage): Promise<void> {
    const socket = this.link.socket();
    if (!socket) return;
    try {
      // The stored message reaches the timeline through the SDK's `message` event, which
      // settles this pending one by its clientId.
      await socket.send(roomId, text, clientId);
      this.discard(clientId); // in case the stored message lacked the clientId
    } catch (err) {
      if (this.cell.disposed) return;
      if (!this.cell.current.pending.some((p) => p.clientId === clientId)) return; // settled
      this.cell.set({
        pending: this.cell.current.pending.map((p) =>
          p.clientId === clientId ? { ...p, status: 'failed', error: failure(err) } : p,
        ),
      });
    }
  }
}

function failure(err: unknown): string {
  if (!(err instanceof ParleyAckError)) return 'Could not send';
  if (err.code === 'timeout') return 'No answer from the server';
  if (err.code === 'rate_limited') return 'Sending too fast, wait a moment';
  return err.reason;
}
