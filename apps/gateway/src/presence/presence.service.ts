import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { UsersService } from '@app/chat';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import type { User } from '@app/contracts';
import { PresenceRepository, REDIS_CLIENT } from '@app/redis';
import Redis from 'ioredis';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

/** A closed last connection is announced after this grace, unless the user came back. */
export const PRESENCE_GRACE_MS = 4_000;
const HEARTBEAT_MS = 5_000;
/** A gateway silent for this long is dead: its users go offline (well within the 30 s promise). */
const DEAD_AFTER_MS = 15_000;
const SWEEP_MS = 1_000;
/** An admitted handshake holds its slot this long at most before it is counted. */
const ADMISSION_TTL_MS = 10_000;

export type PresenceAnnouncer = (user: User) => void;

/**
 * Per-user presence across tabs and gateway instances. This gateway keeps its own connection
 * counts, mirrors them into Redis, heartbeats, and sweeps: users whose last connection closed
 * more than the grace ago (or whose gateway died) are announced offline exactly once, by whichever
 * gateway's sweep takes them.
 */
@Injectable()
export class PresenceService implements OnModuleDestroy {
  private readonly logger = new Logger('Presence');
  readonly gatewayId: string;
  private readonly local = new Map<string, number>();
  private timers: NodeJS.Timeout[] = [];
  private announceOffline: PresenceAnnouncer = () => undefined;
  private needsResync = false;

  constructor(
    private readonly presence: PresenceRepository,
    private readonly users: UsersService,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(PARLEY_CONFIG) config: ParleyConfig,
  ) {
    this.gatewayId =
      config.gatewayId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  }

  /** Starts heartbeats and sweeps; `onOffline` broadcasts a `user.disconnected`. */
  start(onOffline: PresenceAnnouncer): void {
    this.announceOffline = onOffline;
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
   * A connection opened; true when this made the user online (announce `user.connected`).
   * Counting it also ends its admission reservation (`admit`), in the same Redis step.
   */
  async connected(userId: string, reservationId: string): Promise<boolean> {
    this.local.set(userId, (this.local.get(userId) ?? 0) + 1);
    try {
      return await this.presence.connect(userId, this.gatewayId, Date.now(), reservationId);
    } catch (err) {
      this.needsResync = true;
      this.logger.warn(`presence connect not recorded: ${(err as Error).message}`);
      return false;
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
      const records = await this.users.findMany(gone);
      for (const user of records) this.announceOffline({ ...user, online: false });
    } catch {
      // Redis away: the next sweep picks the same users up.
    }
  }
}
