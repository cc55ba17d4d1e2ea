import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { randomBytes } from 'node:crypto';
import type { Namespace } from 'socket.io';
import { within } from '../common/within';
import { RateLimitedException } from '../errors/domain-error';
import { AdapterPeer, AdapterSocket, assertAdapterSocketWorks } from '../realtime/adapter-socket';
import { SocketAnnouncer } from '../realtime/socket-announcer';
import { SocketRooms } from '../realtime/socket-rooms';
import { RoomsService } from '../rooms/rooms.service';
import { SessionIdentity, SessionsService } from '../sessions/sessions.service';

/** How long opening a subscription waits for Redis to confirm its channels (as a handshake). */
const SUBSCRIBE_WAIT_MS = 5_000;

export interface EventSubscription {
  /** Stops delivery: the connection went away. Idempotent. */
  close(): void;
}

/**
 * The events a signed-in caller's sockets would get, for a connection that is not a socket (the
 * API's Server-Sent Events). Each subscription is an AdapterSocket in the same Socket.IO rooms as
 * a gateway socket of that session (the user's rooms, `user:`, `session:`), on the process's
 * Socket.IO server, so it hears what is announced from any process and follows membership
 * changes and revocations the way sockets do. Like a gateway, it re-checks its sessions every
 * SESSION_RECHECK_SECONDS, so a revocation whose event was lost still closes the stream.
 */
@Injectable()
export class EventSubscriptions implements BeforeApplicationShutdown {
  private readonly logger = new Logger('EventSubscriptions');
  private nsp?: Namespace;
  private readonly open = new Map<string, { socket: AdapterSocket; close: () => void }>();
  private readonly perUser = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private checking = false;

  constructor(
    private readonly rooms: RoomsService,
    private readonly sessions: SessionsService,
    private readonly announcer: SocketAnnouncer,
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
  ) {}

  /** The namespace subscriptions live in: that of the server the process announces through. */
  attach(nsp: Namespace): void {
    assertAdapterSocketWorks(nsp);
    this.nsp = nsp;
    const everyMs = this.config.sessionRecheckSeconds * 1_000;
    this.timer = setInterval(() => void this.recheck(), everyMs).unref();
  }

  /**
   * Starts delivering to `peer` once every channel is heard; null when Redis did not confirm
   * them in time. At most LIMIT_CONNECTIONS_PER_USER subscriptions per user on this process.
   */
  async subscribe(identity: SessionIdentity, peer: AdapterPeer): Promise<EventSubscription | null> {
    if (!this.nsp) throw new Error('EventSubscriptions used before attach()');
    const { userId } = identity;
    const held = this.perUser.get(userId) ?? 0;
    if (held >= this.config.limits.connectionsPerUser) {
      throw new RateLimitedException(SUBSCRIBE_WAIT_MS, 'Too many event streams for this account');
    }
    this.perUser.set(userId, held + 1);
    const socket = new AdapterSocket(
      `sse-${randomBytes(12).toString('base64url')}`,
      this.nsp,
      peer,
      identity,
    );
    let closed = false;
    const subscription = {
      close: () => {
        if (closed) return;
        closed = true;
        this.open.delete(socket.id);
        socket.remove();
        const left = (this.perUser.get(userId) ?? 1) - 1;
        if (left > 0) this.perUser.set(userId, left);
        else this.perUser.delete(userId);
      },
    };
    this.open.set(socket.id, { socket, close: subscription.close });
    try {
      const roomIds = await this.rooms.roomIdsOf(userId);
      const channels = [
        ...roomIds.map(SocketRooms.room),
        SocketRooms.user(userId),
        SocketRooms.session(identity.sessionId),
      ];
      if (await within(socket.join(channels), SUBSCRIBE_WAIT_MS)) return subscription;
    } catch (err) {
      subscription.close();
      throw err;
    }
    subscription.close();
    return null;
  }

  /** Closes the subscriptions whose session (or API token) no longer exists. */
  async recheck(): Promise<void> {
    if (this.checking || this.open.size === 0) return;
    this.checking = true;
    try {
      const ids = [...this.open.values()].map((s) => s.socket.data.identity!.sessionId);
      const live = await this.sessions.stillLive(ids);
      for (const id of new Set(ids)) if (!live.has(id)) this.announcer.revokeLocally(id);
    } catch (err) {
      this.logger.warn(`session re-check skipped: ${(err as Error).message}`);
    } finally {
      this.checking = false;
    }
  }

  /**
   * Ends every stream while the adapter is still connected: clients reconnect to another
   * replica, and no subscription is dropped on a closed Redis connection.
   */
  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
    for (const { socket, close } of [...this.open.values()]) {
      socket.disconnect();
      close();
    }
  }
}
