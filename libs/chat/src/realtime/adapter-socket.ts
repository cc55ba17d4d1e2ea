import type { Namespace } from 'socket.io';
import type { SessionIdentity } from '../sessions/sessions.service';

/** What a connection without a Socket.IO socket does with what the adapter hands it. */
export interface AdapterPeer {
  /** A Socket.IO event addressed to this connection (by room, exactly as a socket gets it). */
  deliver(event: string, payload: unknown): void;
  /** The adapter disconnects it (a revoked session, after `session.revoked` was delivered). */
  cut(): void;
}

const EVENT_PACKET = 2;

/**
 * A connection that is not a Socket.IO socket (a line-door connection, an SSE stream) as the
 * Socket.IO adapter sees it: an entry in the namespace's socket map, in Socket.IO rooms like any
 * socket (`user:`, `session:`, `room:`). Every way the domain reaches sockets then reaches it
 * unchanged, exactly once per connection, on every process: room broadcasts, `socketsJoin` for a
 * new room, `socketsLeave` for a removed member, `disconnectSockets` for a revoked session. The
 * adapter only calls `join`, `leave`, `disconnect`, `notifyOutgoingListeners` and
 * `client.writeToEngine` on a socket; `assertAdapterSocketWorks` checks that at boot.
 */
export class AdapterSocket {
  readonly rooms = new Set<string>();
  /** As a gateway socket's `data.identity`: whose session the connection runs on. */
  readonly data: { identity?: SessionIdentity };
  readonly handshake = { address: '', headers: {}, query: {}, auth: {} };
  readonly client = { writeToEngine: () => undefined };

  /** `accepts`: the rooms this connection is in when told to join (default: every one). */
  constructor(
    readonly id: string,
    private readonly nsp: Namespace,
    private readonly peer: AdapterPeer,
    identity?: SessionIdentity,
    private readonly accepts: (room: string) => boolean = () => true,
  ) {
    this.data = { identity };
    (nsp.sockets as Map<string, unknown>).set(id, this);
  }

  /** Settles once the adapter hears the rooms' channels, where it tells (as `socket.join`). */
  join(rooms: string | string[]): Promise<void> | void {
    const wanted = ([] as string[]).concat(rooms).filter(this.accepts);
    if (wanted.length === 0) return;
    wanted.forEach((room) => this.rooms.add(room));
    return this.nsp.adapter.addAll(this.id, new Set(wanted));
  }

  leave(room: string): void {
    this.rooms.delete(room);
    void this.nsp.adapter.del(this.id, room);
  }

  disconnect(): this {
    this.peer.cut();
    return this;
  }

  notifyOutgoingListeners(packet: { type: number; data?: unknown[] }): void {
    if (packet.type !== EVENT_PACKET || !Array.isArray(packet.data)) return;
    const [event, payload] = packet.data;
    if (typeof event === 'string') this.peer.deliver(event, payload);
  }

  /** Out of every room and the namespace (the connection closed). */
  remove(): void {
    this.rooms.clear();
    this.nsp.adapter.delAll(this.id);
    (this.nsp.sockets as Map<string, unknown>).delete(this.id);
  }
}

/** Fails the boot if a Socket.IO upgrade changed what AdapterSocket relies on. */
export function assertAdapterSocketWorks(nsp: Namespace): void {
  const seen: unknown[] = [];
  const probe = new AdapterSocket(`parley-probe-${process.pid}`, nsp, {
    deliver: (event, payload) => seen.push([event, payload]),
    cut: () => seen.push('cut'),
  });
  try {
    void probe.join('parley:probe');
    nsp.local.to('parley:probe').emit('probe', 1);
    nsp.local.in('parley:probe').disconnectSockets();
  } finally {
    probe.remove();
  }
  if (JSON.stringify(seen) !== JSON.stringify([['probe', 1], 'cut']))
    throw new Error('Socket.IO adapter internals changed: adapter sockets would hear nothing');
}
