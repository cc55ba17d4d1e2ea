import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  DomainError,
  LineLoginService,
  MessagesService,
  PresenceService,
  RateLimitedException,
  RoomsService,
  SessionIdentity,
  SocketRooms,
  TalkService,
  UsersService,
} from '@app/chat';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { isChatText, Limits } from '@app/contracts';
import { isRedisUnavailable } from '@app/redis';
import type { DoorConnection, LineHandler } from './door-connection';
import { DoorRealtime } from './door-realtime';
import { HELP_LINES } from './help';
import { escapeText, firstWord, lineDate, splitVerb, unescapeText } from './line-format';

/** WHO lists at most this many users (one line each). */
export const WHO_MAX = 1000;
const HISTORY_DEFAULT = 20;
/** The longest OK NICK waits for Redis to confirm the connection's subscriptions. */
const SUBSCRIBE_WAIT_MS = 5_000;

type Command = (conn: DoorConnection, rest: string) => Promise<void>;

/** A reply that ends the command early: `ERR <code> <text>`. */
class LineError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The door's verbs, each one call into the chat domain; domain errors become `ERR <code> <text>`
 * here and only here.
 */
@Injectable()
export class DoorCommands implements LineHandler {
  private readonly logger = new Logger('DoorCommands');

  constructor(
    private readonly login: LineLoginService,
    private readonly talk: TalkService,
    private readonly messages: MessagesService,
    private readonly rooms: RoomsService,
    private readonly users: UsersService,
    private readonly presence: PresenceService,
    private readonly realtime: DoorRealtime,
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
  ) {}

  private readonly open: Record<string, Command> = {
    NICK: (conn, rest) => this.nick(conn, rest),
    TOKEN: (conn, rest) => this.token(conn, rest),
    HELP: async (conn) => {
      HELP_LINES.forEach((line) => conn.reply(`HELP ${line}`));
      conn.reply('OK HELP');
    },
    PING: async (conn) => conn.reply('OK PONG'),
    QUIT: async (conn) => conn.close('OK QUIT'),
  };

  private readonly signedIn: Record<string, Command> = {
    WHO: (conn) => this.who(conn),
    TALKTO: (conn, rest) => this.talkTo(conn, rest),
    MSG: (conn, rest) => this.msg(conn, rest),
    STOP: (conn, rest) => this.stop(conn, rest),
    HISTORY: (conn, rest) => this.history(conn, rest),
  };

  async handle(conn: DoorConnection, line: string): Promise<void> {
    const { verb, rest } = splitVerb(line);
    try {
      const open = this.open[verb];
      if (open) return await open(conn, rest);
      const command = this.signedIn[verb];
      if (!command) throw new LineError('unknown_command', `${verb} is not a command; try HELP`);
      if (!conn.identity)
        throw new LineError('unauthorized', 'Log in first: NICK <name> <password>');
      await command(conn, rest);
    } catch (err) {
      conn.reply(this.errorLine(err));
    }
  }

  async closed(conn: DoorConnection): Promise<void> {
    const identity = conn.identity;
    if (!identity) return;
    if (conn.counted) {
      conn.counted = false;
      await this.presence.disconnected(identity.userId);
    }
    if (conn.ownsSession) await this.login.close(identity);
  }

  private async nick(conn: DoorConnection, rest: string): Promise<void> {
    this.assertSignedOut(conn);
    const [username, password] = firstWord(rest.trim());
    if (!username || !password)
      throw new LineError('bad_request', 'Usage: NICK <username> <password>');
    const identity = await this.login.login(username, password, conn.ip);
    await this.signIn(conn, identity, true);
  }

  private async token(conn: DoorConnection, rest: string): Promise<void> {
    this.assertSignedOut(conn);
    const token = rest.trim();
    if (!token || token.length > 128) throw new LineError('bad_request', 'Usage: TOKEN <token>');
    await this.signIn(conn, await this.login.token(token), false);
  }

  private assertSignedOut(conn: DoorConnection): void {
    if (conn.identity)
      throw new LineError('bad_request', `Already logged in as ${conn.identity.username}`);
  }

  /**
   * Admitted under the per-user connection cap (sockets and door together), in the user's
   * Socket.IO rooms like a socket, then counted in presence.
   */
  private async signIn(
    conn: DoorConnection,
    identity: SessionIdentity,
    ownsSession: boolean,
  ): Promise<void> {
    const { userId, username, sessionId } = identity;
    let roomIds: string[];
    try {
      let admitted: boolean;
      [admitted, roomIds] = await Promise.all([
        this.presence.admit(userId, conn.id, this.config.limits.connectionsPerUser),
        this.rooms.roomIdsOf(userId),
      ]);
      if (!admitted)
        throw new LineError('too_many_connections', 'Too many open connections for this user');
      if (conn.socket.destroyed) this.presence.release(userId, conn.id);
    } catch (err) {
      if (ownsSession) await this.login.close(identity).catch(() => undefined);
      throw err;
    }
    if (conn.socket.destroyed) {
      if (ownsSession) await this.login.close(identity);
      return;
    }
    conn.identity = identity;
    conn.ownsSession = ownsSession;
    this.realtime.remember(userId, username);
    conn.adapter = this.realtime.attach(conn.id, conn, identity);
    const joined = conn.adapter.join([
      ...roomIds.map(SocketRooms.room),
      SocketRooms.user(userId),
      SocketRooms.session(sessionId),
      SocketRooms.door(userId),
    ]);
    // OK NICK once this process hears the user's channels (when the adapter can tell), so what is
    // sent after it arrives live; at worst after a bound, and HISTORY has the rest.
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((done) => (timer = setTimeout(done, SUBSCRIBE_WAIT_MS)));
    await Promise.race([Promise.resolve(joined), bound]).finally(() => clearTimeout(timer));
    // Closed meanwhile: its cleanup already ended the session; the admission slot is freed here.
    if (conn.socket.destroyed) return this.presence.release(userId, conn.id);
    conn.reply(`OK NICK ${username}`);
    conn.counted = true;
    await this.presence.connected({ id: userId, username }, conn.id, roomIds);
  }

  private async who(conn: DoorConnection): Promise<void> {
    const online = await this.users.online();
    const listed = online.slice(0, WHO_MAX);
    listed.forEach((user) => conn.reply(`WHO ${user.username} online`));
    conn.reply(`OK WHO ${listed.length}`);
  }

  private async talkTo(conn: DoorConnection, rest: string): Promise<void> {
    const peer = await this.talk.start(conn.me, this.peerName(rest, 'TALKTO <username>'));
    conn.held.delete(peer.user.id);
    conn.reply(`OK TALKTO ${peer.user.username}`);
  }

  private async stop(conn: DoorConnection, rest: string): Promise<void> {
    const peer = await this.talk.stop(conn.me, this.peerName(rest, 'STOP <username>'));
    conn.held.add(peer.user.id);
    conn.reply(`OK STOP ${peer.user.username}`);
  }

  private async msg(conn: DoorConnection, rest: string): Promise<void> {
    const [name, raw] = firstWord(rest.replace(/^[ \t]+/, ''));
    const text = unescapeText(raw);
    if (!name || !raw) throw new LineError('bad_request', 'Usage: MSG <username> <text>');
    if (!isChatText(text))
      throw new LineError(
        'bad_request',
        `text must be 1 to ${Limits.messageMaxCodePoints} characters, some of them visible`,
      );
    const peer = await this.talk.peer(conn.me.id, name);
    const { message } = await this.messages.send(
      conn.me.id,
      peer.roomId,
      text,
      conn.nextClientId(),
      { openDm: true },
    );
    conn.reply(`OK MSG ${message.seq}`);
  }

  private async history(conn: DoorConnection, rest: string): Promise<void> {
    const [name, count] = firstWord(rest.trim());
    if (!name) throw new LineError('bad_request', 'Usage: HISTORY <username> [n]');
    const n = count.trim() === '' ? HISTORY_DEFAULT : Number(count.trim());
    if (!Number.isInteger(n) || n < 1 || n > Limits.historyPageMax)
      throw new LineError('bad_request', `n must be 1 to ${Limits.historyPageMax}`);
    const peer = await this.talk.peer(conn.me.id, name);
    const names = new Map([
      [conn.me.id, conn.me.username],
      [peer.user.id, peer.user.username],
    ]);
    let page;
    try {
      page = await this.messages.history(conn.me.id, peer.roomId, undefined, n);
    } catch (err) {
      // No DM yet: nothing said, not an error for someone who asks.
      if (err instanceof DomainError && err.code === 'not_found') return conn.reply('OK HISTORY 0');
      throw err;
    }
    for (const m of page.messages) {
      const from = names.get(m.from) ?? `#${m.from}`;
      conn.reply(`HIST ${m.seq} ${from} ${lineDate(m)} ${escapeText(m.message)}`);
    }
    conn.reply(`OK HISTORY ${page.messages.length}`);
  }

  private peerName(rest: string, usage: string): string {
    const [name, extra] = firstWord(rest.trim());
    if (!name || extra.trim() !== '') throw new LineError('bad_request', `Usage: ${usage}`);
    return name;
  }

  /** The one place a failure becomes a line; nothing a command throws gets further. */
  private errorLine(err: unknown): string {
    if (err instanceof LineError) return `ERR ${err.code} ${err.message}`;
    if (err instanceof RateLimitedException)
      return `ERR rate_limited ${err.message}; retry in ${err.retryAfterMs} ms`;
    if (err instanceof DomainError) return `ERR ${err.code} ${err.message}`;
    if (isRedisUnavailable(err)) return 'ERR unavailable Storage is unavailable, retry shortly';
    this.logger.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    return 'ERR internal Internal error';
  }
}
