import type { QueueSink, QueuesService, SessionIdentity } from '@app/chat';
import { WebSocket } from 'ws';

type Pushed = { key: string; value: string };

/** Unacked broadcast copies one consumer may hold before the oldest is dropped. */
const PENDING_MAX = 1000;
/** Bytes waiting to be sent to a consumer that does not read: beyond, it is closed (1013). */
const BUFFERED_MAX = 4 * 1024 * 1024;
/** Close codes: 1000 queue deleted, 1001 shutdown, 1008 revoked, 1013 not reading. */
export const CLOSE = {
  deleted: [1000, 'queue deleted'],
  shutdown: [1001, 'server shutting down'],
  revoked: [1008, 'session revoked'],
  slow: [1013, 'consumer too slow'],
} as const;

/**
 * One `/mq/ws/<queue>` consumer: the queue's messages as text frames, and with `?ack=1` the acks
 * it sends back. A roundrobin message was taken with a lease for this consumer, so an ack ends
 * the lease and a missing one lets the queue deliver it again (to any consumer). A broadcast
 * message is this consumer's own copy: it is sent again here until acked, while connected.
 */
export class MqWsConnection {
  /** Broadcast copies sent and not acked yet, by key. */
  private readonly pending = new Map<string, { message: Pushed; timer: NodeJS.Timeout }>();
  /** What QueueConsumers hands this consumer's messages to. */
  readonly sink: QueueSink;

  constructor(
    private readonly ws: WebSocket,
    readonly identity: SessionIdentity,
    readonly queue: string,
    private readonly queues: QueuesService,
    /** Seconds an ack may take; undefined: consumed as sent (no acks). */
    private readonly ackSeconds: number | undefined,
  ) {
    this.sink = {
      leaseSeconds: ackSeconds,
      send: (message, leased) => {
        if (this.ws.readyState !== WebSocket.OPEN) return false;
        if (this.ws.bufferedAmount > BUFFERED_MAX) {
          // Not read for a long while: the message goes to another consumer instead.
          this.close('slow');
          return false;
        }
        this.ws.send(JSON.stringify(message));
        if (this.ackSeconds && !leased) this.holdUntilAcked(message);
        return true;
      },
      close: (reason) => this.close(reason),
    };
    ws.on(
      'message',
      (data: Buffer, isBinary) => void this.onFrame(data.toString('utf8'), isBinary),
    );
    ws.on('close', () => this.forget());
    // A broken connection is only closed; 'close' follows.
    ws.on('error', () => ws.terminate());
  }

  onClosed(listener: () => void): void {
    this.ws.on('close', listener);
  }

  close(reason: keyof typeof CLOSE): void {
    this.forget();
    const [code, text] = CLOSE[reason];
    if (reason === 'revoked') this.error('session revoked');
    this.ws.close(code, text);
  }

  private holdUntilAcked(message: Pushed): void {
    clearTimeout(this.pending.get(message.key)?.timer);
    if (this.pending.size >= PENDING_MAX) {
      const [oldest] = this.pending;
      clearTimeout(oldest[1].timer);
      this.pending.delete(oldest[0]);
    }
    const timer = setTimeout(() => {
      this.pending.delete(message.key);
      this.sink.send(message, false);
    }, this.ackSeconds! * 1000);
    timer.unref();
    this.pending.set(message.key, { message, timer });
  }

  private async onFrame(text: string, isBinary: boolean): Promise<void> {
    const key = isBinary ? undefined : ackKeyOf(text);
    if (key === undefined) return this.error('expected a text frame {"ack": "<key>"}');
    if (!this.ackSeconds) return this.error('this consumer takes no acks: connect with ?ack=1');
    const held = this.pending.get(key);
    if (held) {
      clearTimeout(held.timer);
      this.pending.delete(key);
      return;
    }
    try {
      const acked = await this.queues.ack(this.identity.userId, this.queue, key);
      if (!acked) this.error(`no lease on ${key} (unknown, acked, or delivered again)`, key);
    } catch {
      this.error('ack failed; try again', key);
    }
  }

  private error(error: string, key?: string): void {
    if (this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(key === undefined ? { error } : { error, key }));
    }
  }

  private forget(): void {
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}

/** The key of an `{"ack": "<key>"}` frame; undefined for anything else. */
export function ackKeyOf(text: string): string | undefined {
  try {
    const frame = JSON.parse(text) as unknown;
    const key = (frame as { ack?: unknown } | null)?.ack;
    return typeof key === 'string' && key.length > 0 && key.length <= 200 ? key : undefined;
  } catch {
    return undefined;
  }
}
