import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { GENERAL_ROOM_ID, type User } from '@app/contracts';
import { PresenceRepository, REDIS_CLIENT, RoomsRepository, StatusRepository } from '@app/redis';
import Redis from 'ioredis';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ChatEvents } from '../events/chat-events';
import { UsersService } from '../users/users.service';
import { toUser, viewChanged } from '../users/user-view';

/** A closed last connection is announced after this grace, unless the user came back. */
export const PRESENCE_GRACE_MS = 4_000;
const HEARTBEAT_MS = 5_000;
/** A gateway silent for this long is dead: its users go offline (well within the 30 s promise). */
const DEAD_AFTER_MS = 15_000;
const SWEEP_MS = 1_000;
/** An admitted handshake holds its slot this long at most before it is counted. */
const ADMISSION_TTL_MS = 10_000;

/**
 * Per-user presence across tabs and gateway instances. This gateway keeps its own connection
 * counts, mirrors them into Redis, heartbeats, and sweeps: users whose last connection closed
 * more than the grace ago (or whose gateway died) are announced offline exactly once, by whichever
 * gateway's sweep takes them.
 *
 * Who hears about it: everyone while fewer than PRESENCE_BROADCAST_MAX users are online (the
 * reference clients expect it); beyond that the user's DM partners and fellow group-room members
 * and whoever watches the user, so a reconnect storm costs deliveries per friend, not per user
 * online.
 */
@Injectable()
export class PresenceService implements OnModuleDestroy {
  private readonly logger = new Logger('Presence');
  readonly gatewayId: string;
  private readonly local = new Map<string, number>();
  private timers: NodeJS.Timeout[] = [];
  private needsResync = false;
  private readonly broadcastMax: number;

  constructor(
    private readonly presence: PresenceRepository,
    private readonly rooms: RoomsRepository,
    private readonly statuses: StatusRepository,
    private readonly users: UsersService,
    private readonly events: ChatEvents,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(PARLEY_CONFIG) config: ParleyConfig,
  ) {
    this.broadcastMax = config.presenceBroadcastMax;
    this.gatewayId =
      config.gatewayId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  }

  /** Starts heartbeats and sweeps (a gateway calls this; the API only reads presence). */
  start(): void {
    // After Redis comes back (possibly empty), rewrite this gateway's share of presence.
    this.redis.on('ready', () => (this.needsResync = true));
    this.needsResync = true;
    this.timers = [
      setInterval(() => void this.beat(), HEARTBEAT_MS),
      setInterval(() => void this.sweep(), SWEEP_MS),
    ];
    void this.beat();
  }

  /**
   * A connection opened; when it made the user online, that is announced. Counting it also ends
   * its admission reservation (`admit`), in the same Redis step. `roomIds` are the rooms the
   * connection was just joined to (General included): the audience, without asking the store
   * again.
   * The count comes with the number of users online, so one read (the status) is left before the
   * announcement: two commands per user coming online, where reading the user, their presence,
   * the count and their rooms again took six, in three more round trips.
   */
  async connected(
    user: { id: string; username: string },
    reservationId: string,
    roomIds: readonly string[],
  ): Promise<void> {
    this.local.set(user.id, (this.local.get(user.id) ?? 0) + 1);
    let counted: { cameOnline: boolean; online: number };
    try {
      counted = await this.presence.connect(user.id, this.gatewayId, Date.now(), reservationId);
    } catch (err) {
      this.needsResync = true;
      this.logger.warn(`presence connect not recorded: ${(err as Error).message}`);
      return;
    }
    if (!counted.cameOnline) return;
    try {
      // An invisible user's coming online is told to nobody: they look offline.
      const view = toUser(user, true, await this.statuses.find(user.id));
      if (!view.online) return;
      const everyone = counted.online < this.broadcastMax;
      // General is everyone's implicitly and no presence audience (see RoomsRepository.roomIdsOf).
      const audience = roomIds.filter((id) => id !== GENERAL_ROOM_ID);
      this.events.emit('presenceChanged', { user: view, everyone, roomIds: audience });
    } catch (err) {
      this.logger.warn(`presence not announced: ${(err as Error).message}`);
    }
  }

  /**
   * A user's own change of status or text, told when others see a difference: as
   * `user.connected`/`user.disconnected` when it changed whether the user looks online (going
   * invisible is told exactly as going offline is), else as `user.status`. Both carry the whole
   * User, status included.
   */
  async statusChanged(before: User, after: User): Promise<void> {
    if (!viewChanged(before, after)) return;
    await this.announce(
      after,
      before.online !== after.online ? 'presenceChanged' : 'statusChanged',
    );
  }

  /** Sends a presence change to those who may see it (see the class comment). */
  private async announce(user: User, event: 'presenceChanged' | 'statusChanged'): Promise<void> {
    try {
      const [online, roomIds] = await Promise.all([
        this.presence.onlineCount(),
        this.rooms.roomIdsOf(user.id),
      ]);
      const everyone = online < this.broadcastMax;
      this.events.emit(event, { user, everyone, roomIds });
    } catch (err) {
      this.logger.warn(`presence not announced: ${(err as Error).message}`);
    }
  }

  /**
   * Handshake admission under the per-user connection cap (across every gateway). The slot is
   * reserved until `connected` counts the socket, or `release` when it was dropped;
   * a reservation that is never released expires.
   */
  admit(userId: string, socketId: string, limit: number): Promise<boolean> {
    return this.presence.admit(userId, socketId, limit, ADMISSION_TTL_MS);
  }

  release(userId: string, socketId: string): void {
    this.presence.release(userId, socketId).catch(() => undefined); // else it expires
  }

  async disconnected(userId: string): Promise<void> {
    const left = (this.local.get(userId) ?? 1) - 1;
    if (left <= 0) this.local.delete(userId);
    else this.local.set(userId, left);
    try {
      await this.presence.disconnect(userId, this.gatewayId, Date.now() + PRESENCE_GRACE_MS);
    } catch (err) {
      this.needsResync = true;
      this.logger.warn(`presence disconnect not recorded: ${(err as Error).message}`);
    }
  }

  /** Clean shutdown: this gateway's users start leaving; a reconnect elsewhere cancels it. */
  async leave(): Promise<void> {
    this.stopTimers();
    try {
      await this.presence.removeGateway(this.gatewayId, Date.now() + PRESENCE_GRACE_MS);
    } catch (err) {
      this.logger.warn(`could not deregister: ${(err as Error).message}`);
    }
  }

  onModuleDestroy(): void {
    this.stopTimers();
  }

  private stopTimers(): void {
    this.timers.forEach(clearInterval);
    this.timers = [];
  }

  private async beat(): Promise<void> {
    try {
      if (this.needsResync) {
        this.needsResync = false;
        await this.presence.resync(this.gatewayId, this.local);
      } else {
        await this.presence.heartbeat(this.gatewayId);
      }
    } catch {
      this.needsResync = true;
    }
  }

  private async sweep(): Promise<void> {
    try {
      const now = Date.now();
      const gone = await this.presence.sweep(now, now - DEAD_AFTER_MS);
      if (gone.length === 0) return;
      // Invisible users already look offline: their leaving moves nothing others see.
      const settings = await this.statuses.findMany(gone);
      const visible = gone.filter((_, i) => settings[i].setting !== 'invisible');
      await this.statuses.markSeen(visible, now);
      const users = await this.users.findMany(visible);
      await Promise.all(users.map((user) => this.announce(user, 'presenceChanged')));
    } catch {
      // Redis away: the next sweep picks the same users up.
    }
  }
}
