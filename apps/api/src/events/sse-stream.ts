import type { AdapterPeer } from '@app/chat';
import type { FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import { takeOver } from '../common/http';

export interface SseOptions {
  keepAliveMs: number;
  /** Bytes the client may leave unread before the stream is cut. */
  maxBufferBytes: number;
}

/**
 * One Server-Sent Events response: `event: <name>` + `data: <json>` per event, a comment as
 * keep-alive. What arrives before `start()` (while the subscription is being set up, the status
 * not yet decided) waits in order. A client that stops reading is cut once more than
 * `maxBufferBytes` are still unsent after a tick's writes, so one slow reader never grows the
 * process's memory without bound.
 */
export class SseStream implements AdapterPeer {
  private started = false;
  private ended = false;
  private readonly early: string[] = [];
  private timer?: NodeJS.Timeout;
  private checkPending = false;
  private onEnd: () => void = () => undefined;

  private readonly res: ServerResponse;

  constructor(
    private readonly reply: FastifyReply,
    private readonly options: SseOptions,
  ) {
    this.res = reply.raw;
    this.res.on('close', () => {
      this.ended = true;
      clearInterval(this.timer);
      this.onEnd();
    });
  }

  /** The client went away, or the stream was cut. */
  get closed(): boolean {
    return this.ended;
  }

  /**
   * Sends the head and what waited, then keeps the stream alive until either side ends it;
   * `onEnd` runs once the response is closed, whoever closed it.
   */
  start(onEnd: () => void = () => undefined): void {
    this.onEnd = onEnd;
    takeOver(this.reply, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
    });
    this.res.flushHeaders();
    this.started = true;
    this.write(': connected\n\n');
    for (const chunk of this.early.splice(0)) this.write(chunk);
    this.timer = setInterval(() => this.write(': keep-alive\n\n'), this.options.keepAliveMs);
    this.timer.unref(); // the server keeps the process alive, not an idle stream
  }

  deliver(event: string, payload: unknown): void {
    // JSON.stringify never emits a raw newline, so the data fits one `data:` line.
    const chunk = `event: ${event}\ndata: ${JSON.stringify(payload ?? null)}\n\n`;
    if (this.started) this.write(chunk);
    else if (!this.ended) this.early.push(chunk);
  }

  /** The session was revoked (after `session.revoked` was delivered) or the server ends it. */
  cut(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.timer);
    if (this.started) this.res.end();
  }

  private write(chunk: string): void {
    if (this.ended) return;
    this.res.write(chunk);
    if (this.checkPending) return;
    // Judged once the tick's writes were handed to the socket: Node corks a response's writes
    // until the next tick, so a burst to a client that reads fine briefly looks unread.
    this.checkPending = true;
    setImmediate(() => {
      this.checkPending = false;
      if (this.ended || this.res.writableLength <= this.options.maxBufferBytes) return;
      this.ended = true;
      clearInterval(this.timer);
      this.res.destroy();
    });
  }
}
