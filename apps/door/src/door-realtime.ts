import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import {
  AdapterPeer,
  AdapterSocket,
  AnnounceServer,
  assertAdapterSocketWorks,
  parseRoomId,
  PresenceService,
  ServerSideEvents,
  SessionIdentity,
  SocketAnnouncer,
  SocketRooms,
  UsersService,
} from '@app/chat';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { connectIoAdapter, IoAdapterConnection } from '@app/redis';
import { LRUCache } from 'lru-cache';
import { Server } from 'socket.io';

const ROOM_PREFIX = 'room:';

/** Group rooms and General are not the door's business: their traffic is not even subscribed. */
function dmRoomsOnly(room: string): boolean {
  if (!room.startsWith(ROOM_PREFIX)) return true;
  return parseRoomId(room.slice(ROOM_PREFIX.length))?.kind === 'dm';
}

/**
 * The door's place among the gateways: a Socket.IO server with no engine of its own on the same
 * Redis adapter. Through it the door announces what its users do (the domain's ChatEvents, as the
 * API does) and hears what concerns its connections (each one an AdapterSocket in its rooms);
 * session revocations arrive as the same server-side event the gateways act on. It also counts
 * in presence like a gateway (heartbeats, sweeps, its own id).
 */
@Injectable()
export class DoorRealtime implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('DoorRealtime');
  private connection?: IoAdapterConnection;
  private server?: AnnounceServer;
  /** Usernames never change, so a live MSG line needs the store once per sender. */
  private readonly usernames = new LRUCache<string, string>({ max: 50_000 });

  constructor(
    private readonly announcer: SocketAnnouncer,
    private readonly presence: PresenceService,
    private readonly users: UsersService,
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.connection = await connectIoAdapter(
      this.config.redis,
      this.logger,
      SocketRooms.isLocalOnly,
    );
    const server: AnnounceServer = new Server();
    server.adapter(this.connection.factory);
    assertAdapterSocketWorks(server.of('/'));
    server
      .of('/')
      .on(ServerSideEvents.Revoke, (sessionId: string) => this.announcer.revokeLocally(sessionId));
    this.announcer.attach(server);
    this.server = server;
    this.presence.start();
  }

  /** Registers a connection with the adapter; it joins its rooms through the returned socket. */
  attach(id: string, peer: AdapterPeer, identity: SessionIdentity): AdapterSocket {
    return new AdapterSocket(id, this.server!.of('/'), peer, identity, dmRoomsOnly);
  }

  async username(userId: string): Promise<string> {
    const known = this.usernames.get(userId);
    if (known) return known;
    const user = await this.users.findOne(userId);
    const name = user?.username ?? `#${userId}`;
    if (user) this.usernames.set(userId, name);
    return name;
  }

  remember(userId: string, username: string): void {
    this.usernames.set(userId, username);
  }

  /** After the connections were closed (DoorServer shuts down first). */
  async onApplicationShutdown(): Promise<void> {
    await this.presence.leave();
    await this.connection?.close();
  }
}
