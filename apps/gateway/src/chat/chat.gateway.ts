import { Inject, Logger, NotFoundException } from '@nestjs/common';
import {
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import { MessagesService, parseRoomId, RoomsService } from '@app/chat';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import {
  checkSocketMessage,
  checkTyping,
  ClientEvents,
  ClientToServerEvents,
  GENERAL_ROOM_ID,
  isPlainPayload,
  isRoomId,
  isValidCursor,
  Message,
  Room,
  ServerEvents,
  ServerToClientEvents,
  SYNC_MAX_ROOMS,
  SyncRoomResult,
  User,
} from '@app/contracts';
import { RoomsRepository } from '@app/redis';
import type { Server, Socket } from 'socket.io';
import { SocketAuthService, SocketIdentity } from '../auth/socket-auth.service';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import { PresenceService } from '../presence/presence.service';
import { ErrorAck, errorAck, toErrorAck } from './acks';
import { SocketRooms } from './socket-rooms';
import { TokenBucket } from './token-bucket';

const TYPING_EXPIRES_MS = 6_000;

export interface SocketData {
  identity: SocketIdentity;
  /** Rooms this socket is known to be a member of (General and DMs). */
  rooms: Set<string>;
  bucket: TokenBucket;
  typing: Map<string, NodeJS.Timeout>;
  /** True once this socket counts in presence (a superseded duplicate hands this over). */
  counted: boolean;
}

export type ParleyServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;
export type ParleySocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

/** Socket.IO's CONNECT packet type (socket.io-parser `PacketType.CONNECT`). */
const CONNECT_PACKET = 0;

interface DecodedPacket {
  type: number;
  nsp: string;
}

/** The Engine.IO client behind a socket; socket.io keeps these maps private. */
interface EngineClient {
  sockets: Map<string, ParleySocket>;
  nsps: Map<string, ParleySocket>;
  decoder: {
    on(event: 'decoded', fn: (packet: DecodedPacket) => void): void;
    off(event: 'decoded', fn: (packet: DecodedPacket) => void): void;
  };
  ondecoded: (packet: DecodedPacket) => void;
  _packet(packet: { type: number; nsp: string; data: { sid: string } }): void;
  parleyLatest?: ParleySocket;
  parleyRepeatGuard?: boolean;
}

type Ok<T extends object = object> = { ok: true } & T;

@WebSocketGateway()
export class ChatGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger('ChatGateway');
  @WebSocketServer() server: ParleyServer;

  constructor(
    private readonly auth: SocketAuthService,
    private readonly messages: MessagesService,
    private readonly rooms: RoomsService,
    private readonly roomsRepo: RoomsRepository,
    private readonly presence: PresenceService,
    private readonly metrics: GatewayMetrics,
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
  ) {}

  afterInit(server: ParleyServer): void {
    server.use((socket, next) => {
      const client = socket.client as unknown as EngineClient;
      // Remember the newest CONNECT of this Engine.IO client before any await (see supersede()).
      client.parleyLatest = socket;
      guardRepeatedConnect(client, server);
      this.handshake(socket).then(
        () => next(),
        (err: Error) => next(err),
      );
    });
    this.presence.start((user) => this.broadcastPresence(ServerEvents.UserDisconnected, user));
  }

  /** Authenticates and loads the user's rooms; a failure is the client's `connect_error`. */
  private async handshake(socket: ParleySocket): Promise<void> {
    let identity: SocketIdentity | null;
    let dmIds: string[] = [];
    let exists = false;
    let admitted = false;
    const { eventsPerSecond, connectionsPerUser } = this.config.limits;
    try {
      identity = await this.auth.authenticate(socket.handshake.headers, socket.handshake.auth);
      if (identity) {
        [dmIds, exists, admitted] = await Promise.all([
          this.roomsRepo.dmIdsOf(identity.userId),
          this.auth.userExists(identity.userId),
          this.presence.admit(identity.userId, socket.id, connectionsPerUser),
        ]);
      }
    } catch {
      throw new Error('unavailable');
    }
    if (!identity) throw new Error('unauthorized');
    if (!exists) {
      if (admitted) this.presence.release(identity.userId, socket.id);
      throw new Error('unauthorized'); // the session of a deleted account
    }
    if (!admitted) throw new Error('too_many_connections');
    socket.data = {
      identity,
      rooms: new Set([GENERAL_ROOM_ID, ...dmIds]),
      bucket: new TokenBucket(eventsPerSecond, eventsPerSecond * 2),
      typing: new Map(),
      counted: false,
    };
  }

  async handleConnection(socket: ParleySocket): Promise<void> {
    const { identity, rooms } = socket.data;
    if (!identity) return; // Nest calls this before the middleware result for refused sockets
    this.bindEvents(socket);
    void socket.join([
      ...[...rooms].map(SocketRooms.room),
      SocketRooms.user(identity.userId),
      SocketRooms.session(identity.sessionId),
    ]);
    if (this.supersede(socket)) return this.presence.release(identity.userId, socket.id);
    this.metrics.connections.inc();
    socket.data.counted = true;
    const cameOnline = await this.presence.connected(identity.userId, socket.id);
    if (cameOnline) {
      this.broadcastPresence(ServerEvents.UserConnected, {
        id: identity.userId,
        username: identity.username,
        online: true,
      });
    }
  }

  async handleDisconnect(socket: ParleySocket): Promise<void> {
    const data = socket.data;
    if (!data?.identity) return;
    for (const [roomId, timer] of data.typing) {
      clearTimeout(timer);
      this.emitTyping(socket, roomId, false);
    }
    data.typing.clear();
    if (!data.counted) return;
    data.counted = false;
    this.metrics.connections.dec();
    await this.presence.disconnected(data.identity.userId);
  }

  async onMessage(
    socket: ParleySocket,
    payload: unknown,
  ): Promise<Ok<{ message: Message }> | ErrorAck> {
    const ack = await this.handle(socket, async () => {
      const dto = checkSocketMessage(payload);
      if (typeof dto === 'string') return errorAck('bad_request', dto);
      await this.ensureMember(socket, dto.roomId, true);
      const { message, created } = await this.messages.sendAsMember(
        socket.data.identity.userId,
        dto.roomId,
        dto.message,
        dto.clientId,
      );
      if (created) {
        this.server.to(SocketRooms.room(message.roomId)).emit(ServerEvents.Message, message);
        this.metrics.broadcasts.inc({ event: ServerEvents.Message });
      }
      return { ok: true as const, message };
    });
    this.metrics.events.inc({
      event: ClientEvents.Message,
      result: ack.ok ? 'ok' : ack.error.code,
    });
    return ack;
  }

  async onRoomJoin(socket: ParleySocket, roomId: unknown): Promise<Ok | ErrorAck> {
    return this.handle(socket, async () => {
      if (!isRoomId(roomId)) return errorAck('bad_request', 'roomId must be "0" or a DM id "a:b"');
      await this.ensureMember(socket, roomId, false);
      return { ok: true as const };
    });
  }

  async onTyping(socket: ParleySocket, payload: unknown): Promise<Ok | ErrorAck> {
    return this.handle(socket, async () => {
      const dto = checkTyping(payload);
      if (typeof dto === 'string') return errorAck('bad_request', dto);
      await this.ensureMember(socket, dto.roomId, false);
      const timers = socket.data.typing;
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
      const cursors = (payload as { cursors?: unknown } | null)?.cursors;
      if (!isPlainPayload(cursors))
        return errorAck('bad_request', 'cursors must be an object of roomId → message id');
      const entries = Object.entries(cursors);
      if (entries.length > SYNC_MAX_ROOMS)
        return errorAck('bad_request', `at most ${SYNC_MAX_ROOMS} rooms per sync`);
      if (!entries.every(([roomId, cursor]) => isValidCursor(roomId, cursor))) {
        return errorAck('bad_request', 'each cursor must be "0" or a message id, keyed by room id');
      }
      const results = await Promise.all(
        entries.map(async ([roomId, cursor]) => {
          if (!(await this.isMember(socket, roomId))) return null;
          return [roomId, await this.messages.after(roomId, cursor as string)] as const;
        }),
      );
      return { ok: true as const, rooms: Object.fromEntries(results.filter((r) => r !== null)) };
    });
  }

  /**
   * Client events are bound here rather than with @SubscribeMessage: with Nest's per-event
   * pipeline (an rxjs stream and an execution context per event, with no guard, pipe or
   * interceptor to run) the benchmark's dm scenario at 3,000 msg/s cost about 30 % more gateway
   * CPU and had a p99 of ~50 ms instead of ~8 ms. Every handler answers with an ack object and never
   * throws, so an ack callback, when the client sent one, always gets an answer.
   */
  private bindEvents(socket: ParleySocket): void {
    const bind = (event: string, handler: (payload: unknown) => Promise<object>) => {
      socket.on(event as typeof ClientEvents.Message, (...args: unknown[]) => {
        // The ack callback, if any, is the last argument; several payload arguments arrive as
        // one array (what a handler then refuses as malformed).
        const ack = typeof args[args.length - 1] === 'function' ? args.pop() : undefined;
        const payload = args.length > 1 ? args : args[0];
        void handler(payload).then((reply) => {
          if (ack) (ack as (reply: object) => void)(reply);
        });
      });
    };
    bind(ClientEvents.Message, (payload) => this.onMessage(socket, payload));
    bind(ClientEvents.RoomJoin, (payload) => this.onRoomJoin(socket, payload));
    bind(ClientEvents.Typing, (payload) => this.onTyping(socket, payload));
    bind(ClientEvents.Sync, (payload) => this.onSync(socket, payload));
  }

  /** From the API (REST post): every replica delivers to its own sockets only. */
  deliverLocally(message: Message): void {
    this.server.local.to(SocketRooms.room(message.roomId)).emit(ServerEvents.Message, message);
  }

  /** A new DM, from the API: this replica's member sockets join it and are told. */
  announceRoomLocally(room: Room, memberIds: readonly string[]): void {
    const userRooms = memberIds.map(SocketRooms.user);
    this.server.local.in(userRooms).socketsJoin(SocketRooms.room(room.id));
    this.server.local.to(userRooms).emit(ServerEvents.ShowRoom, room);
  }

  /** Logout: the session's sockets on this replica are told and cut. */
  revokeLocally(sessionId: string): void {
    const target = this.server.local.in(SocketRooms.session(sessionId));
    target.emit(ServerEvents.SessionRevoked, {});
    target.disconnectSockets(true);
  }

  /** Disconnects this replica's sockets (shutdown); clients reconnect to another replica. */
  async drain(): Promise<void> {
    const sockets = [...this.server.of('/').sockets.values()] as ParleySocket[];
    this.server.local.disconnectSockets(true);
    await Promise.all(sockets.map((s) => this.handleDisconnect(s)));
  }

  /**
   * The reference client sends its CONNECT packet twice on one Engine.IO connection right after
   * login. Socket.IO would keep two sockets and deliver everything twice. The newest socket wins:
   * the older one is dropped without a DISCONNECT packet (the client thinks they are one) and
   * hands over its presence, so nobody sees the user leave and come back.
   */
  private supersede(socket: ParleySocket): boolean {
    const client = socket.client as unknown as EngineClient;
    if (client.parleyLatest !== socket) {
      this.dropSilently(socket, client);
      return true;
    }
    for (const other of [...client.sockets.values()]) {
      if (other === socket || other.nsp !== socket.nsp) continue;
      if (other.data?.counted) {
        other.data.counted = false;
        socket.data.counted = true;
      }
      this.dropSilently(other, client);
    }
    return socket.data.counted;
  }

  private dropSilently(socket: ParleySocket, client: EngineClient): void {
    const current = client.nsps.get(socket.nsp.name);
    (socket as unknown as { _onclose: (reason: string) => void })._onclose(
      'server namespace disconnect',
    );
    // _onclose forgets the namespace entry whichever socket it points at; keep the survivor's.
    if (current && current !== socket) client.nsps.set(socket.nsp.name, current);
  }

  private broadcastPresence(
    event: typeof ServerEvents.UserConnected | typeof ServerEvents.UserDisconnected,
    user: User,
  ) {
    this.server.emit(event, user);
    this.metrics.broadcasts.inc({ event });
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

  private async isMember(socket: ParleySocket, roomId: string): Promise<boolean> {
    if (socket.data.rooms.has(roomId)) return true;
    if (!(await this.rooms.isMember(socket.data.identity.userId, roomId))) return false;
    socket.data.rooms.add(roomId);
    return true;
  }

  /**
   * Membership check with the per-socket cache; on success the socket is in the room's channel.
   * With `openDm`, a message to a DM that does not exist yet opens it (the reference client's
   * "first message of a DM") and both members are shown the room.
   */
  private async ensureMember(socket: ParleySocket, roomId: string, openDm: boolean): Promise<void> {
    const userId = socket.data.identity.userId;
    if (!socket.data.rooms.has(roomId)) {
      const parsed = parseRoomId(roomId);
      if (!parsed) throw new NotFoundException('Room not found');
      if (
        openDm &&
        parsed.kind === 'dm' &&
        parsed.members.includes(userId) &&
        !(await this.rooms.isMember(userId, roomId))
      ) {
        const peer = parsed.members[0] === userId ? parsed.members[1] : parsed.members[0];
        const { room, created } = await this.rooms.openDm(userId, peer);
        if (created) this.announceRoom(room, parsed.members);
      }
      await this.rooms.assertMember(userId, roomId);
      socket.data.rooms.add(roomId);
    }
    void socket.join(SocketRooms.room(roomId));
  }

  /** A DM opened by a socket: member sockets on every gateway join it and are shown it once. */
  private announceRoom(room: Room, memberIds: readonly string[]): void {
    const userRooms = memberIds.map(SocketRooms.user);
    this.server.in(userRooms).socketsJoin(SocketRooms.room(room.id));
    this.server.to(userRooms).emit(ServerEvents.ShowRoom, room);
  }
}

/**
 * The reference client's repeated CONNECT usually arrives after the first one was handled (over
 * polling it goes out in a later request). Socket.IO would then close the whole Engine.IO
 * connection ("invalid state": a CONNECT for a namespace the client is already in). The repeat is
 * treated as the same socket instead: answered with that socket's id when it is connected, and
 * left to the pending one's answer while its handshake is still running. (Two CONNECTs decoded in
 * the same tick both get through here; supersede() keeps one of them.)
 */
function guardRepeatedConnect(client: EngineClient, server: ParleyServer): void {
  if (client.parleyRepeatGuard) return;
  client.parleyRepeatGuard = true;
  const original = client.ondecoded;
  const guarded = (packet: DecodedPacket) => {
    if (packet.type === CONNECT_PACKET) {
      const existing = client.nsps.get(packet.nsp);
      if (existing) {
        client._packet({ type: CONNECT_PACKET, nsp: packet.nsp, data: { sid: existing.id } });
        return;
      }
      const nsp = server._nsps.get(packet.nsp) as unknown as
        { _preConnectSockets?: Map<string, ParleySocket> } | undefined;
      const pending = [...(nsp?._preConnectSockets?.values() ?? [])];
      if (pending.some((s) => (s.client as unknown) === client)) return;
    }
    original(packet);
  };
  client.decoder.off('decoded', original);
  client.decoder.on('decoded', guarded);
  client.ondecoded = guarded;
}
