import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '../redis.constants';
import { RedisKeys } from '../redis-keys';
import {
  CONNECTION_ADMIT,
  PRESENCE_CONNECT,
  PRESENCE_DISCONNECT,
  PRESENCE_RESYNC,
  PRESENCE_SWEEP,
} from '../scripts/lua';
import { defineScript } from '../scripts/define-script';

type Script = (...args: (string | number)[]) => Promise<unknown>;

/**
 * Who is online, per user across tabs and gateway instances (see the presence scripts in lua.ts).
 * The gateways write it; the API only reads.
 */
@Injectable()
export class PresenceRepository {
  private readonly scripts: Record<'connect' | 'disconnect' | 'sweep' | 'resync' | 'admit', Script>;

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {
    const define = (name: string, lua: string, numberOfKeys: number) =>
      defineScript<Script>(redis, name, numberOfKeys, lua);
    this.scripts = {
      connect: define('parleyPresenceConnect', PRESENCE_CONNECT, 5),
      disconnect: define('parleyPresenceDisconnect', PRESENCE_DISCONNECT, 4),
      sweep: define('parleyPresenceSweep', PRESENCE_SWEEP, 3),
      resync: define('parleyPresenceResync', PRESENCE_RESYNC, 4),
      admit: define('parleyConnectionAdmit', CONNECTION_ADMIT, 2),
    };
  }

  async onlineIds(): Promise<string[]> {
    return this.redis.smembers(RedisKeys.onlineUsers());
  }

  async onlineCount(): Promise<number> {
    return this.redis.scard(RedisKeys.onlineUsers());
  }

  async areOnline(ids: readonly string[]): Promise<boolean[]> {
    if (ids.length === 0) return [];
    const flags = await this.redis.smismember(RedisKeys.onlineUsers(), ...ids);
    return flags.map((f) => f === 1);
  }

  /**
   * Records one more connection. `cameOnline` when the user was offline until now; `online`, how
   * many users are online with it.
   */
  async connect(
    userId: string,
    gatewayId: string,
    now = Date.now(),
    reservationId = '',
  ): Promise<{ cameOnline: boolean; online: number }> {
    const [added, online] = (await this.scripts.connect(
      ...this.keys(gatewayId),
      RedisKeys.pendingConnections(userId),
      userId,
      gatewayId,
      now,
      RedisKeys.gatewayUsersPrefix(),
      reservationId,
    )) as [number, number];
    return { cameOnline: added === 1, online };
  }

  /** Records a closed connection; with none left the user starts leaving at `announceAt`. */
  async disconnect(userId: string, gatewayId: string, announceAt: number): Promise<number> {
    return Number(
      await this.scripts.disconnect(
        ...this.keys(gatewayId),
        userId,
        gatewayId,
        announceAt,
        RedisKeys.gatewayUsersPrefix(),
      ),
    );
  }

  /** Reaps dead gateways and returns the users that are now offline (announce them once). */
  async sweep(now: number, deadBefore: number, leaveAt = now): Promise<string[]> {
    const [online, gateways, leaving] = this.keys('-');
    const prefix = RedisKeys.gatewayUsersPrefix();
    return (await this.scripts.sweep(
      online,
      gateways,
      leaving,
      now,
      deadBefore,
      prefix,
      leaveAt,
    )) as string[];
  }

  /** Heartbeat plus a full rewrite of this gateway's connection counts. */
  async resync(
    gatewayId: string,
    counts: ReadonlyMap<string, number>,
    now = Date.now(),
  ): Promise<void> {
    const pairs = [...counts].flatMap(([user, n]) => [user, n]);
    await this.scripts.resync(...this.keys(gatewayId), gatewayId, now, ...pairs);
  }

  async heartbeat(gatewayId: string, now = Date.now()): Promise<void> {
    await this.redis.zadd(RedisKeys.gateways(), now, gatewayId);
  }

  /** A gateway shutting down cleanly: its users start leaving (a reconnect elsewhere cancels it). */
  async removeGateway(gatewayId: string, announceAt: number): Promise<string[]> {
    await this.redis.zadd(RedisKeys.gateways(), 0, gatewayId);
    return this.sweep(Date.now(), 1, announceAt);
  }

  /**
   * Admits one more connection of the user if they have fewer than `limit` (counted on every
   * gateway, plus handshakes admitted but not yet counted) and reserves its slot for `ttlMs`,
   * until `release` once the connection is counted by `connect`.
   */
  async admit(
    userId: string,
    reservationId: string,
    limit: number,
    ttlMs: number,
    now = Date.now(),
  ): Promise<boolean> {
    const admitted = await this.scripts.admit(
      RedisKeys.gateways(),
      RedisKeys.pendingConnections(userId),
      userId,
      now,
      RedisKeys.gatewayUsersPrefix(),
      limit,
      reservationId,
      ttlMs,
    );
    return admitted === 1;
  }

  /** Drops a reservation made by `admit` (the connection is counted, or it never opened). */
  async release(userId: string, reservationId: string): Promise<void> {
    await this.redis.zrem(RedisKeys.pendingConnections(userId), reservationId);
  }

  private keys(gatewayId: string): [string, string, string, string] {
    return [
      RedisKeys.onlineUsers(),
      RedisKeys.gateways(),
      RedisKeys.leaving(),
      RedisKeys.gatewayUsers(gatewayId),
    ];
  }
}
