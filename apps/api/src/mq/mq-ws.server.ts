import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import {
  assertQueueName,
  DomainError,
  HTTP_STATUS,
  isOriginAllowed,
  QueueConsumers,
  QueuesService,
  SessionIdentity,
  SessionsService,
  SocketAnnouncer,
} from '@app/chat';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { refuseUpgrade } from '../proxy/refuse-upgrade';
import { MqWsConnection } from './mq-ws.connection';

const PREFIX = '/mq/ws/';
/** Query parameters a client might put a credential in: refused, URLs end up in logs. */
const CREDENTIAL_PARAMS = ['token', 'access_token', 'auth', 'authorization', 'apikey', 'key'];
/** Consumers send acks only; anything longer is not one. */
const FRAME_MAX_BYTES = 4096;
/** Open /mq/ws consumers of one account on one API process; one more is refused with 429. */
const PER_USER_MAX = 100;

class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Whether an upgrade request is for a /mq/ws consumer (the rest go to /socket.io or are refused). */
export function isMqWsUpgrade(url: string | undefined): boolean {
  return (url ?? '').startsWith(PREFIX);
}

/**
 * RestMQ's WebSocket consumer, `/mq/ws/<queue>`: plain WebSocket (the `ws` package), attached to
 * the API's HTTP server for upgrades under /mq/ws. Authenticated like the rest of /mq (session
 * cookie, session bearer, or an API token with `queues`; never a token in the URL), with the
 * API's origin allowlist. Each connection is one more consumer in QueueConsumers, the machinery
 * comet uses, so policies, start/stop, deletion and delivery across API processes are the same.
 * A revoked session or token closes its connections: at once through SocketAnnouncer.onRevoke,
 * and every SESSION_RECHECK_SECONDS by asking the store, for a revocation event that was lost.
 */
@Injectable()
export class MqWsServer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('MqWs');
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: FRAME_MAX_BYTES });
  private readonly connections = new Set<MqWsConnection>();
  /** Open (or opening) consumers per account on this process. */
  private readonly openByUser = new Map<string, number>();
  private stopRevoke?: () => void;
  private recheckTimer?: NodeJS.Timeout;

  constructor(
    private readonly consumers: QueueConsumers,
    private readonly queues: QueuesService,
    private readonly sessions: SessionsService,
    private readonly announcer: SocketAnnouncer,
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
  ) {}

  onModuleInit(): void {
    this.stopRevoke = this.announcer.onRevoke((sessionId) => this.cut(sessionId));
    const everyMs = this.config.sessionRecheckSeconds * 1000;
    this.recheckTimer = setInterval(() => void this.recheck(), everyMs).unref();
  }

  /** The HTTP server's 'upgrade' listener for /mq/ws paths. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    this.admit(req, socket).then(
      async ({ identity, queue, ack }) => {
        // Heard before the client sees `open`: a deletion sent after it reaches this consumer.
        let hold: Awaited<ReturnType<QueueConsumers['hold']>>;
        try {
          hold = await this.consumers.hold(identity.userId, queue);
        } catch (err) {
          this.logger.warn(`mq/ws consumer not attached: ${(err as Error).message}`);
          return refuseUpgrade(socket, 503, 'Try again');
        }
        if (socket.destroyed) return hold.release();
        // An upgrade that ws refuses never reaches the callback: the hold ends with the socket.
        socket.once('close', () => hold.release());
        this.wss.handleUpgrade(req, socket, head, (ws) => {
          const conn = new MqWsConnection(
            ws,
            identity,
            queue,
            this.queues,
            ack ? this.config.mqWsAckSeconds : undefined,
          );
          this.connections.add(conn);
          conn.onClosed(() => this.connections.delete(conn));
          const detach = hold.attach(conn.sink);
          if (ws.readyState > ws.OPEN) return detach();
          ws.on('close', detach);
        });
      },
      (err: unknown) => {
        if (err instanceof Refusal) return refuseUpgrade(socket, err.status, err.message);
        if (err instanceof DomainError)
          return refuseUpgrade(socket, HTTP_STATUS[err.code], err.message);
        this.logger.warn(`mq/ws upgrade failed: ${(err as Error).message}`);
        refuseUpgrade(socket, 503, 'Try again');
      },
    );
  }

  onApplicationShutdown(): void {
    this.stopRevoke?.();
    clearInterval(this.recheckTimer);
    for (const conn of this.connections) conn.close('shutdown');
    this.wss.close();
  }

  /** Who the request is and what it asks for; a Refusal (with its status) otherwise. */
  private async admit(req: IncomingMessage, socket: Duplex) {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://parley.invalid');
    } catch {
      throw new Refusal(400, 'Bad URL');
    }
    if (CREDENTIAL_PARAMS.some((p) => url.searchParams.has(p))) {
      throw new Refusal(
        400,
        'Tokens never travel in URLs: send Authorization: Bearer or the cookie',
      );
    }
    if (!isOriginAllowed(req.headers.origin, req.headers.host, this.config.allowedOrigins)) {
      throw new Refusal(403, 'Origin not allowed');
    }
    let queue: string;
    try {
      queue = decodeURIComponent(url.pathname.slice(PREFIX.length));
    } catch {
      throw new Refusal(400, 'Bad queue name');
    }
    assertQueueName(queue);
    const identity = await this.identify(req);
    this.reserve(identity.userId, socket);
    return { identity, queue, ack: url.searchParams.get('ack') === '1' };
  }

  /** Counts the connection against its account until it closes (checked and taken in one step). */
  private reserve(userId: string, socket: Duplex): void {
    const open = this.openByUser.get(userId) ?? 0;
    if (open >= PER_USER_MAX) {
      throw new Refusal(429, `At most ${PER_USER_MAX} /mq/ws consumers per account and process`);
    }
    this.openByUser.set(userId, open + 1);
    socket.once('close', () => {
      const left = (this.openByUser.get(userId) ?? 1) - 1;
      if (left > 0) this.openByUser.set(userId, left);
      else this.openByUser.delete(userId);
    });
  }

  /** The one session path (cookie, session bearer or API token); a token needs `queues`. */
  private async identify(req: IncomingMessage): Promise<SessionIdentity> {
    const identity = await this.sessions.resolve({ headers: req.headers });
    if (!identity) throw new Refusal(401, 'Authentication required');
    if (identity.scopes && !identity.scopes.includes('queues'))
      throw new Refusal(403, 'This API token lacks the "queues" scope');
    return identity;
  }

  private cut(sessionId: string): void {
    for (const conn of this.connections) {
      if (conn.identity.sessionId === sessionId) conn.close('revoked');
    }
  }

  /** Closes the connections whose session or token is gone (a lost revocation event). */
  private async recheck(): Promise<void> {
    if (this.connections.size === 0) return;
    const conns = [...this.connections];
    let live: Set<string>;
    try {
      live = await this.sessions.stillLive(conns.map((c) => c.identity.sessionId));
    } catch (err) {
      // A failed check cuts nobody.
      this.logger.warn(`mq/ws session re-check skipped: ${(err as Error).message}`);
      return;
    }
    for (const conn of conns) if (!live.has(conn.identity.sessionId)) conn.close('revoked');
  }
}
