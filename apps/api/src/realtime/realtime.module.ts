import {
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import {
  AnnounceServer,
  ChatModule,
  EventSubscriptions,
  ServerSideEvents,
  SocketAnnouncer,
  SocketRooms,
} from '@app/chat';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { connectIoAdapter, IoAdapterConnection } from '@app/redis';
import { Server } from 'socket.io';

/**
 * The API announces what it stores (a REST message, a new room member, a revoked session)
 * exactly as a gateway does: through a Socket.IO server on the same Redis adapter. This one has
 * no HTTP server and no Socket.IO sockets: every announcement goes out on the adapter's channels
 * and each gateway delivers it to its own sockets. Its only members are the event streams of
 * `/api/events` (EventSubscriptions), which hear what concerns them as a gateway's sockets do,
 * revocations from other processes included.
 */
@Injectable()
class DetachedIoServer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Realtime');
  private connection?: IoAdapterConnection;

  constructor(
    private readonly announcer: SocketAnnouncer,
    private readonly subscriptions: EventSubscriptions,
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
    // Revocations from other processes reach this one's /mq/ws consumers (SocketAnnouncer.onRevoke)
    // and its /api/events streams.
    server
      .of('/')
      .on(ServerSideEvents.Revoke, (sessionId: string) => this.announcer.revokeLocally(sessionId));
    this.announcer.attach(server);
    this.subscriptions.attach(server.of('/'));
  }

  async onApplicationShutdown(): Promise<void> {
    // Not server.close(): a detached server has no engine to close.
    await this.connection?.close();
  }
}

@Module({
  imports: [ChatModule],
  providers: [DetachedIoServer],
})
export class RealtimeModule {}
