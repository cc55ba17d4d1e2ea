import type { TypingEvent } from '../contracts';
import type { Link } from './socket';
import type { StateCell } from './state';

const TYPING_REPEAT_MS = 2_500;
const TYPING_IDLE_MS = 3_000;
const TYPING_SHOWN_MS = 7_000;

/**
 * Typing: `typing:true` at most every 2.5 s while the draft changes, `typing:false` after 3 s idle;
 * others' notices are shown for up to 7 s or until their message arrives.
 */
export class Typing {
  private readonly sentAt = new Map<string, number>();
  private readonly stopTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private sweep?: ReturnType<typeof setInterval>;

  constructor(
    private readonly cell: StateCell,
    private readonly link: Link,
    private readonly onSomeoneTyping: (userId: string) => void,
  ) {}

  start(): void {
    this.sweep = setInterval(() => this.expire(), 1000);
  }

  dispose(): void {
    clearInterval(this.sweep);
    for (const timer of this.stopTimers.values()) clearTimeout(timer);
  }

  /** Called on every keystroke (true) and when the draft is cleared or sent (false). */
  set(roomId: string, typing: boolean): void {
    const socket = this.link.socket();
    clearTimeout(this.stopTimers.get(roomId));
    this.stopTimers.delete(roomId);
    const sentAt = this.sentAt.get(roomId) ?? 0;
    if (typing) {
      if (Date.now() - sentAt > TYPING_REPEAT_MS && socket?.io.connected) {
        socket.typing(roomId, true);
        this.sentAt.set(roomId, Date.now());
      }
      this.stopTimers.set(
        roomId,
        setTimeout(() => this.set(roomId, false), TYPING_IDLE_MS),
      );
    } else if (sentAt > 0) {
      this.sentAt.delete(roomId);
      socket?.typing(roomId, false);
    }
  }

  /**
   * A message went out: no `typing:false` is sent, since receivers clear the sender's notice when
   * the message arrives (and the server lets it expire), which keeps a fast sender well under the
   * per-connection event budget. The next keystroke announces typing again.
   */
  sent(roomId: string): void {
    clearTimeout(this.stopTimers.get(roomId));
    this.stopTimers.delete(roomId);
    this.sentAt.delete(roomId);
  }

  /** Forget a room we are no longer in. */
  forget(roomId: string): void {
    this.sent(roomId);
  }

  onEvent(event: TypingEvent): void {
    if (event.userId === this.cell.current.me.id) return;
    this.cell.updateRoom(event.roomId, (r) => {
      const typing = { ...r.typing };
      if (event.typing) typing[event.userId] = Date.now() + TYPING_SHOWN_MS;
      else if (event.userId in typing) delete typing[event.userId];
      else return r;
      return { ...r, typing };
    });
    if (event.typing) this.onSomeoneTyping(event.userId);
  }

  private expire(): void {
    const now = Date.now();
    for (const room of Object.values(this.cell.current.rooms)) {
      const expired = Object.entries(room.typing).filter(([, until]) => until <= now);
      if (expired.length === 0) continue;
      this.cell.updateRoom(room.room.id, (r) => {
        const typing = { ...r.typing };
        for (const [userId] of expired) delete typing[userId];
        return { ...r, typing };
      });
    }
  }
}
