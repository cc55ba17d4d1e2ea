import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { SessionsService, SocketAnnouncer } from '@app/chat';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import type { ParleyServer } from './socket-types';

/**
 * Revocation travels as one server-side event; a gateway that misses it (a Redis blip, a
 * subscriber reconnecting) would keep the revoked session's sockets. So every
 * SESSION_RECHECK_SECONDS each gateway asks the store which of its sockets' sessions still exist
 * and cuts the rest the way the event would (`session.revoked`, then disconnect): a revoked
 * session is cut within that bound even when its event is lost. A failed check cuts nobody.
 */
@Injectable()
export class SessionRecheck implements OnApplicationShutdown {
  private readonly logger = new Logger('SessionRecheck');
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly sessions: SessionsService,
    private readonly announcer: SocketAnnouncer,
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
  ) {}

  start(server: ParleyServer): void {
    const everyMs = this.config.sessionRecheckSeconds * 1_000;
    this.timer = setInterval(() => void this.check(server), everyMs).unref();
  }

  async check(server: ParleyServer): Promise<void> {
    if (this.running) return; // a slow store: never two checks at once
    this.running = true;
    try {
      const ids = [...server.of('/').sockets.values()]
        .map((socket) => socket.data?.identity?.sessionId)
        .filter((id): id is string => Boolean(id));
      if (ids.length === 0) return;
      const live = await this.sessions.stillLive(ids);
      for (const id of new Set(ids)) if (!live.has(id)) this.announcer.revokeLocally(id);
    } catch (err) {
      this.logger.warn(`session re-check skipped: ${(err as Error).message}`);
    } finally {
      this.running = false;
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
