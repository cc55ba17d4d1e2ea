import { Logger } from '@nestjs/common';
import { parseRoomId, SessionIdentity, TokenBucket } from '@app/chat';
import type { AdapterPeer, AdapterSocket } from '@app/chat';
import { Message, ServerEvents, TalkEvent } from '@app/contracts';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { DoorRealtime } from './door-realtime';
import { escapeText } from './line-format';
import { LineEvent, LineReader } from './line-reader';

/** Lines read but not yet answered; beyond this the door stops reading the socket. */
const QUEUE_MAX = 32;
/** Output a client has not read; beyond this it is too slow to keep (live lines would pile up). */
const OUTPUT_MAX_BYTES = 1024 * 1024;
/** How long a closing connection may take to flush its last line. */
const CLOSE_FLUSH_MS = 500;

export interface LineHandler {
  /** Answers one line; never throws. */
  handle(conn: DoorConnection, line: string): Promise<void>;
  /** The connection closed: presence, session, admission. */
  closed(conn: DoorConnection): Promise<void>;
}

/**
 * One TCP (or TLS) client of the door: framing, the per-connection budget, ordered answers,
 * backpressure both ways, the idle timeout, and the live lines the adapter hands it. Commands
 * are answered one at a time, in the order they were sent.
 */
export class DoorConnection implements AdapterPeer {
  readonly id = `door-${randomBytes(9).toString('base64url')}`;
  identity?: SessionIdentity;
  /** The session was opened by this connection's NICK and ends with it. */
  ownsSession = false;
  /** The user counts this connection in presence (admitted and announced). */
  counted = false;
  adapter?: AdapterSocket;
  /** Peers (user ids) whose live MSG lines are held after a STOP, until the next TALKTO. */
  readonly held = new Set<string>();
  private sends = 0;

  private readonly reader = new LineReader();
  private readonly queue: LineEvent[] = [];
  private readonly bucket: TokenBucket;
  private working = false;
  private writeBlocked = false;
  private closing = false;
  private idleTimer?: NodeJS.Timeout;
  /** Live lines wait for their sender's name; this keeps them in arrival order. */
  private live: Promise<void> = Promise.resolve();

  constructor(
    readonly socket: Socket,
    readonly ip: string,
    private readonly handler: LineHandler,
    private readonly realtime: DoorRealtime,
    private readonly idleMs: number,
    eventsPerSecond: number,
    private readonly logger: Logger,
  ) {
    this.bucket = new TokenBucket(eventsPerSecond, eventsPerSecond * 2);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.writeBlocked = false;
      this.pump();
    });
    socket.on('error', () => undefined); // 'close' follows
    socket.once('close', () => void this.onClose());
    this.touch();
  }

  get me(): { id: string; username: string } {
    const identity = this.identity!;
    return { id: identity.userId, username: identity.username };
  }

  /** Writes one line (the newline is added); a client that stops reading is let go. */
  reply(line: string): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    if (!this.socket.write(`${line}\n`)) this.writeBlocked = true;
    if (this.socket.writableLength > OUTPUT_MAX_BYTES) {
      this.logger.warn(`door connection too slow to read its lines; closed`);
      this.socket.destroy();
    }
  }

  /** Sends a last line and closes; the socket is destroyed if it cannot flush in time. */
  close(lastLine?: string): void {
    if (this.closing) return;
    this.closing = true;
    if (lastLine) this.reply(lastLine);
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_FLUSH_MS).unref();
  }

  /**
   * A clientId for this connection's next send. The connection's id is in it, so the live copy of
   * its own message (which the sender's other connections do get) is known without bookkeeping.
   */
  nextClientId(): string {
    this.sends += 1;
    return `${this.id}.${this.sends}`;
  }

  deliver(event: string, payload: unknown): void {
    if (this.closing || !this.identity) return;
    switch (event) {
      case ServerEvents.Message:
        return this.onMessage(payload as Message);
      case ServerEvents.TalkStart:
      case ServerEvents.TalkStop:
        return this.onTalk(event === ServerEvents.TalkStart, payload as TalkEvent);
      case ServerEvents.SessionRevoked:
        return this.close('ERR session_revoked Your session ended; log in again');
    }
  }

  cut(): void {
    this.close('ERR session_revoked Your session ended; log in again');
  }

  private onMessage(message: Message): void {
    const parsed = parseRoomId(message.roomId);
    if (parsed?.kind !== 'dm') return;
    if (message.clientId?.startsWith(`${this.id}.`)) return; // answered by its OK MSG
    if (message.from !== this.me.id && this.held.has(message.from)) return;
    const name = this.realtime.username(message.from);
    this.live = this.live
      .then(() => name)
      .then(
        (from) => this.reply(`MSG ${from} ${escapeText(message.message)}`),
        () => this.reply(`MSG #${message.from} ${escapeText(message.message)}`),
      );
  }

  private onTalk(start: boolean, { roomId, user }: TalkEvent): void {
    const parsed = parseRoomId(roomId);
    if (parsed?.kind !== 'dm') return;
    const me = this.me.id;
    if (user.id === me) {
      // This user's own TALKTO/STOP (maybe from another connection): it sets what is held.
      const peer = parsed.members[0] === me ? parsed.members[1] : parsed.members[0];
      if (start) this.held.delete(peer);
      else this.held.add(peer);
      return;
    }
    this.realtime.remember(user.id, user.username);
    if (start) this.held.delete(user.id);
    this.live = this.live.then(() => this.reply(`${start ? 'start' : 'stop'} ${user.username}`));
  }

  private onData(chunk: Buffer): void {
    for (const event of this.reader.push(chunk)) this.queue.push(event);
    if (this.queue.length >= QUEUE_MAX) this.socket.pause();
    this.pump();
  }

  /** Answers queued lines one by one while the client keeps reading what it is sent. */
  private pump(): void {
    if (this.working || this.closing) return;
    if (this.writeBlocked) return void this.socket.pause();
    const event = this.queue.shift();
    if (!event) return void this.socket.resume();
    this.working = true;
    this.touch();
    void this.answer(event).finally(() => {
      this.working = false;
      this.pump();
    });
  }

  private async answer(event: LineEvent): Promise<void> {
    if (event.kind === 'line' && event.text.trim() === '') return;
    const waitMs = this.bucket.take();
    if (waitMs > 0)
      return this.reply(
        `ERR rate_limited Too many lines on this connection; retry in ${waitMs} ms`,
      );
    if (event.kind === 'error') return this.reply(`ERR ${event.code} ${event.message}`);
    await this.handler.handle(this, event.text);
  }

  /** A complete line is activity; bytes of a line that never ends are not (slow loris). */
  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(
      () => this.close(`ERR idle No complete line for ${this.idleMs / 1000} s; bye`),
      this.idleMs,
    );
    this.idleTimer.unref();
  }

  private async onClose(): Promise<void> {
    this.closing = true;
    clearTimeout(this.idleTimer);
    this.queue.length = 0;
    this.adapter?.remove();
    try {
      await this.handler.closed(this);
    } catch (err) {
      this.logger.warn(`door connection cleanup: ${(err as Error).message}`);
    }
  }
}
