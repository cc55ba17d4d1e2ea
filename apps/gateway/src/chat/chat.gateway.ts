import { Inject, Logger } from '@nestjs/common';
import {
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import {
  MessagesService,
  MessageUpdatesService,
  PresenceService,
  ReadsService,
  RoomsService,
  ServerSideEvents,
  SessionIdentity,
  SessionsService,
  SocketAnnouncer,
  SocketRooms,
  UsersService,
  within,
} from '@app/chat';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import {
  checkPresenceWatch,
  checkSocketMessage,
  checkSync,
  checkTyping,
  ClientEvents,
  ROOM_ID_MESSAGE,
  isRoomId,
  Message,
  ServerEvents,
  SyncRoomResult,
  User,
} from '@app/contracts';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import { ErrorAck, errorAck, toErrorAck } from './acks';
import { MessageUpdateHandlers } from './message-update.handlers';
import { noteConnect } from './repeated-connect';
import type { ParleyServer, ParleySocket } from './socket-types';
import { SessionRecheck } from './session-recheck';
import { TokenBucket } from './token-bucket';

export type { ParleyServer, ParleySocket, SocketData } from './socket-types';

const TYPING_EXPIRES_MS = 6_000;
/** How long a handshake waits for Redis to confirm the socket's subscriptions. */
const SUBSCRIBE_WAIT_MS = 5_000;

type Ok<T extends object = object> = { ok: true } & T;

const userOf = (socket: ParleySocket) => socket.data.identity.userId;

/**
 * The Socket.IO transport: authenticates handshakes, checks payloads, calls the chat domain and
 * answers with acks. What the domain changes is announced by the domain (ChatEvents →
 * SocketAnnouncer on this server), not here.
 */
@WebSocketGateway()
export class ChatGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger('ChatGateway');
  @WebSocketServer() server: ParleyServer;

  constructor(
    private readonly sessions: SessionsService,
    private readonly messages: MessagesService,
    private readonly rooms: RoomsService,
    private readonly users: UsersService,
    private readonly presence: PresenceService,
    private readonly announcer: SocketAnnouncer,
    private readonly metrics: GatewayMetrics,
    private readonly recheck: SessionRecheck,
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    updates: MessageUpdatesService,
    reads: ReadsService,
  ) {
    this.updates = new MessageUpdateHandlers(updates, reads);
  }

  private readonly updates: MessageUpdateHandlers;

  afterInit(server: ParleyServer): void {
    this.announcer.attach(server);
    this.announcer.onAnnounce = (event) => this.metrics.broadcasts.inc({ event });
    server
      .of('/')
      .on(ServerSideEvents.Revoke, (sessionId: string) => this.announcer.revokeLocally(sessionId));
    server.use((socket, next) => {
      noteConnect(socket); // first, before any await (see repeated-connect.ts)
      this.handshake(socket).then(
        () => next(),
        (err: Error) => next(err),
      );
    });
    this.presence.start();
    this.recheck.start(server);
  }

  /** Authenticates and loads the user's rooms; a failure is the client's `connect_error`. */
  private async handshake(socket: ParleySocket): Promise<void> {
    let identity: SessionIdentity | null;
    let roomIds: string[] = [];
    let admitted = false;
    const { eventsPerSecond, connectionsPerUser } = this.config.limits;
    try {
      // The API's guard resolves requests here too: both accept exactly the same credentials.
      const { headers, auth } = socket.handshake;
      identity = await this.sessions.resolve({ headers, auth }, 'connection');
      if (identity) {
        [roomIds, admitted] = await Promise.all([
          this.rooms.roomIdsOf(identity.userId),
          this.presence.admit(identity.userId, socket.id, connectionsPerUser),
        ]);
      }
    } catch {
      throw new Error('unavailable');
    }
    if (!identity) throw new Error('unauthorized');
    if (!admitted) throw new Error('too_many_connections');
    socket.data = {
      identity,
      bucket: new TokenBucket(eventsPerSecond, eventsPerSecond * 2),
      typing: undefined,
      counted: false,
      handshakeRoomIds: roomIds,
    };
    // CONNECT is answered once this gateway hears the socket's channels (the sharded adapter
    // subscribes to a room's channel when its first local socket joins): what is published after
    // the client's `connect` then arrives live, from whichever process (issue 12).
    const channels = [
      ...roomIds.map(SocketRooms.room),
      SocketRooms.user(identity.userId),
      SocketRooms.session(identity.sessionId),
    ];
    if (!(await within(socket.join(channels), SUBSCRIBE_WAIT_MS))) {
      this.presence.release(identity.userId, socket.id);
      throw new Error('unavailable'); // the refused socket leaves its rooms again (_cleanup)
    }
  }

  async handleConnection(socket: ParleySocket): Promise<void> {
    const data = socket.data;
    if (!data?.identity) return; // Nest calls this before the middleware result for refused sockets
    const { identity } = data;
    this.bindEvents(socket);
    this.metrics.connections.inc();
    data.counted = true;
    const roomIds = data.handshakeRoomIds ?? [];
    data.handshakeRoomIds = undefined;
    const user = { id: identity.userId, username: identity.username };
    await this.presence.connected(user, socket.id, roomIds);
  }

  async handleDisconnect(socket: ParleySocket): Promise<void> {
    const data = socket.data;
    if (!data?.identity) return;
    for (const [roomId, timer] of data.typing ?? []) {
      clearTimeout(timer);
      this.emitTyping(socket, roomId, false);
    }
    data.typing = undefined;
    if (!data.counted) return;
    data.counted = false;
    this.metrics.connections.dec();
    await this.presence.disconnected(data.identity.userId);
  }

  async onMessage(
    socket: ParleySocket,
    payload: unknown,
  ): Promise<Ok<{ message: Message; replayed?: true }> | ErrorAck> {
    const ack = await this.handle(socket, async () => {
      const dto = checkSocketMessage(payload);
      if (typeof dto === 'string') return errorAck('bad_request', dto);
      const { message, created } = await this.messages.send(
        socket.data.identity.userId,
        dto.roomId,
        dto.message,
        dto.clientId,
        { openDm: true },
      );
      // Stored, so a member: a socket that missed its join (a lost adapter message) heals here.
      const channel = SocketRooms.room(dto.roomId);
      if (!socket.rooms.has(channel)) void socket.join(channel);
      // As REST: a retry is told it stored nothing new (a different text is a `conflict`).
      return created
        ? { ok: true as const, message }
        : { ok: true as const, message, replayed: true as const };
    });
    this.metrics.events.inc({
      event: ClientEvents.Message,
      result: ack.ok ? 'ok' : ack.error.code,
    });
    return ack;
  }

  async onRoomJoin(socket: ParleySocket, roomId: unknown): Promise<Ok | ErrorAck> {
    return this.handle(socket, async () => {
      if (!isRoomId(roomId)) return errorAck('bad_request', ROOM_ID_MESSAGE);
      // Asked of the store every time: a member removed a moment ago must not get back in.
      await this.rooms.assertMember(socket.data.identity.userId, roomId);
      void socket.join(SocketRooms.room(roomId));
      return { ok: true as const };
    });
  }

  async onTyping(socket: ParleySocket, payload: unknown): Promise<Ok | ErrorAck> {
    return this.handle(socket, async () => {
      const dto = checkTyping(payload);
      if (typeof dto === 'string') return errorAck('bad_request', dto);
      // Typing is volatile: the socket's channel membership is the check, the store only when
      // the socket is not in the room's channel.
      if (!socket.rooms.has(SocketRooms.room(dto.roomId)))
        await this.rooms.assertMember(socket.data.identity.userId, dto.roomId);
      const timers = (socket.data.typing ??= new Map<string, NodeJS.Timeout>());
      clearTimeout(timers.get(dto.roomId));
      timers.delete(dto.roomId);
      if (dto.typing) {
        // Typing expires by itself: a client that stops sending (closed tab, lost network) stops typing.
        timers.set(
          dto.roomId,
          setTimeout(() => {
            timers.delete(dto.roomId);
            this.emitTyping(socket, dto.roomId, false);
          }, TYPING_EXPIRES_MS),
        );
      }
      this.emitTyping(socket, dto.roomId, dto.typing);
      return { ok: true as const };
    });
  }

  async onSync(
    socket: ParleySocket,
    payload: unknown,
  ): Promise<Ok<{ rooms: Record<string, SyncRoomResult> }> | ErrorAck> {
    return this.handle(socket, async () => {
      const cursors = checkSync(payload);
      if (typeof cursors === 'string') return errorAck('bad_request', cursors);
      const rooms = await this.messages.sync(socket.data.identity.userId, cursors);
      return { ok: true as const, rooms };
    });
  }

  /** Subscribes the socket to the presence of up to 500 users; a new call replaces the list. */
  async onPresenceWatch(
    socket: ParleySocket,
    payload: unknown,
  ): Promise<Ok<{ users: User[] }> | ErrorAck> {
    return this.handle(socket, async () => {
      const dto = checkPresenceWatch(payload);
      if (typeof dto === 'string') return errorAck('bad_request', dto);
      const wanted = new Set(dto.userIds.map(SocketRooms.watch));
      for (const room of socket.rooms)
        if (room.startsWith(SocketRooms.watch('')) && !wanted.has(room)) void socket.leave(room);
      if (wanted.size > 0) void socket.join([...wanted]);
      return { ok: true as const, users: await this.users.findMany(dto.userIds) };
    });
  }

  /**
   * Client events are dispatched here rather than with @SubscribeMessage: with Nest's per-event
   * pipeline (an rxjs stream and an execution context per event, with no guard, pipe or
   * interceptor to run) the benchmark's dm scenario at 3,000 msg/s cost about 30 % more gateway
   * CPU and had a p99 of ~50 ms instead of ~8 ms. One middleware per socket dispatches from one
   * shared table instead of a listener (and two closures) per event per socket: 10k sockets
   * then hold 10k closures, not 200k (issue 17, memory per connection). Every handler answers with
   * an ack object and never throws, so an ack callback, when the client sent one, always gets an
   * answer. Unknown events spend the same per-connection budget and are answered too.
   */
  private readonly handlers = new Map<
    string,
    (socket: ParleySocket, payload: unknown) => Promise<object>
  >([
    [ClientEvents.Message, (s, p) => this.onMessage(s, p)],
    [ClientEvents.RoomJoin, (s, p) => this.onRoomJoin(s, p)],
    [ClientEvents.Typing, (s, p) => this.onTyping(s, p)],
    [ClientEvents.Sync, (s, p) => this.onSync(s, p)],
    [ClientEvents.PresenceWatch, (s, p) => this.onPresenceWatch(s, p)],
    [ClientEvents.RoomRead, (s, p) => this.handle(s, () => this.updates.read(userOf(s), p))],
    [ClientEvents.MessageEdit, (s, p) => this.handle(s, () => this.updates.edit(userOf(s), p))],
    [ClientEvents.MessageDelete, (s, p) => this.handle(s, () => this.updates.remove(userOf(s), p))],
    [ClientEvents.MessageReact, (s, p) => this.handle(s, () => this.updates.react(userOf(s), p))],
  ]);

  private bindEvents(socket: ParleySocket): void {
    socket.use((packet: unknown[]) => this.dispatch(socket, packet));
  }

  /** `packet` is [event, ...payload, ack?]; several payload arguments arrive as one array. */
  private dispatch(socket: ParleySocket, packet: unknown[]): void {
    const ack =
      typeof packet[packet.length - 1] === 'function'
        ? (packet.pop() as (reply: object) => void)
        : undefined;
    const handler = this.handlers.get(String(packet[0]));
    if (!handler) {
      const waitMs = socket.data.bucket.take();
      ack?.(
        waitMs > 0
          ? errorAck('rate_limited', 'Too many events on this connection', waitMs)
          : errorAck('bad_request', `Unknown event; see the protocol for the event names`),
      );
      return;
    }
    const payload = packet.length > 2 ? packet.slice(1) : packet[1];
    void handler(socket, payload).then((reply) => ack?.(reply));
  }

  /** Disconnects this replica's sockets (shutdown); clients reconnect to another replica. */
  async drain(): Promise<void> {
    const sockets = [...this.server.of('/').sockets.values()] as ParleySocket[];
    this.server.local.disconnectSockets(true);
    await Promise.all(sockets.map((s) => this.handleDisconnect(s)));
  }

  private emitTyping(socket: ParleySocket, roomId: string, typing: boolean): void {
    const userId = socket.data.identity.userId;
    this.server
      .to(SocketRooms.room(roomId))
      .except(SocketRooms.user(userId))
      .volatile.emit(ServerEvents.Typing, { roomId, userId, typing });
  }

  /** Runs a handler under the per-connection budget; every failure becomes an error ack. */
  private async handle<T extends object>(
    socket: ParleySocket,
    run: () => Promise<Ok<T> | ErrorAck>,
  ): Promise<Ok<T> | ErrorAck> {
    const waitMs = socket.data.bucket.take();
    if (waitMs > 0) return errorAck('rate_limited', 'Too many events on this connection', waitMs);
    try {
      return await run();
    } catch (err) {
      const ack = toErrorAck(err);
      if (ack.error.code === 'internal')
        this.logger.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      return ack;
    }
  }
}
