import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, AddressInfo, Server, Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { DoorCommands } from './door-commands';
import { DoorConnection } from './door-connection';
import { DoorRealtime } from './door-realtime';

/** A TLS handshake (or nothing at all) must be done within this. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * The door's listener: plain TCP, or TLS with DOOR_TLS_CERT / DOOR_TLS_KEY. Admits at most
 * DOOR_CONNECTIONS_PER_IP connections per client address (on this process) and hands each one to
 * a DoorConnection.
 */
@Injectable()
export class DoorServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DoorServer');
  private server?: Server;
  private readonly perIp = new Map<string, number>();
  private readonly connections = new Set<DoorConnection>();

  constructor(
    private readonly commands: DoorCommands,
    private readonly realtime: DoorRealtime,
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
  ) {}

  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { port, host, tls } = this.config.door;
    if (port === undefined) return;
    const onSocket = (socket: Socket) => this.accept(socket);
    const server = tls
      ? createTlsServer(
          {
            cert: readFileSync(tls.certPath),
            key: readFileSync(tls.keyPath),
            handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
          },
          onSocket,
        )
      : createTcpServer(onSocket);
    server.on('tlsClientError', () => undefined); // a failed handshake concerns that client only
    this.server = server;
    await new Promise<void>((listening, fail) => {
      server.once('error', fail);
      server.listen(port, host, () => {
        server.off('error', fail);
        listening();
      });
    });
    server.on('error', (err: Error) => this.logger.error(`door listener: ${err.message}`));
    this.logger.log(`line door on ${host ?? '*'}:${this.port}${tls ? ' (TLS)' : ''}`);
  }

  private accept(socket: Socket): void {
    socket.on('error', () => undefined);
    const ip = socket.remoteAddress ?? 'unknown';
    const open = this.perIp.get(ip) ?? 0;
    if (open >= this.config.door.connectionsPerIp) {
      socket.end('ERR too_many_connections Too many connections from your address\n');
      setTimeout(() => socket.destroy(), 500).unref();
      return;
    }
    this.perIp.set(ip, open + 1);
    const conn = new DoorConnection(
      socket,
      ip,
      this.commands,
      this.realtime,
      this.config.door.idleSeconds * 1000,
      this.config.limits.eventsPerSecond,
      this.logger,
    );
    this.connections.add(conn);
    socket.once('close', () => {
      this.connections.delete(conn);
      const left = (this.perIp.get(ip) ?? 1) - 1;
      if (left <= 0) this.perIp.delete(ip);
      else this.perIp.set(ip, left);
    });
    conn.reply('OK HELLO Parley line door; HELP lists the commands');
  }

  /** SIGTERM: no new connections; open ones are told, closed, and leave presence. */
  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((done) => server.close(() => done()));
    for (const conn of this.connections)
      conn.close('ERR unavailable The door is restarting; reconnect');
    await closed;
    await this.commandsDrained();
  }

  /** Waits (briefly) until every connection's cleanup ran. */
  private async commandsDrained(): Promise<void> {
    const deadline = Date.now() + 2_000;
    while (this.connections.size > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
  }
}
