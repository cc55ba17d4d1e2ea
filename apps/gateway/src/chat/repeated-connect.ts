import { EventEmitter } from 'node:events';
import { Server, type Socket } from 'socket.io';

/**
 * The reference client's repeated CONNECT (CONTRACT: "the gateway must treat the repeat as the
 * same socket"). This module is the only code that touches socket.io's private client internals
 * (`Client.sockets/nsps/decoder/ondecoded/_packet`, `Namespace._preConnectSockets`,
 * `Socket._onclose`); `assertRepeatedConnectInternals` checks at boot that they are still there.
 */

/** Socket.IO's CONNECT packet type (socket.io-parser `PacketType.CONNECT`). */
const CONNECT_PACKET = 0;

interface DecodedPacket {
  type: number;
  nsp: string;
}

/** The Engine.IO client behind a socket; socket.io keeps these maps private. */
interface EngineClient<S> {
  sockets: Map<string, S>;
  nsps: Map<string, S>;
  decoder: {
    on(event: 'decoded', fn: (packet: DecodedPacket) => void): void;
    off(event: 'decoded', fn: (packet: DecodedPacket) => void): void;
  };
  ondecoded: (packet: DecodedPacket) => void;
  _packet(packet: { type: number; nsp: string; data: { sid: string } }): void;
  parleyLatest?: S;
  parleyRepeatGuard?: boolean;
}

type AnySocket = Socket;
const clientOf = (socket: AnySocket) => socket.client as unknown as EngineClient<AnySocket>;

/** Call in the namespace middleware, before any await: remembers the newest CONNECT. */
export function noteConnect(socket: AnySocket, server: Server): void {
  const client = clientOf(socket);
  client.parleyLatest = socket;
  guardRepeatedConnect(client, server);
}

/**
 * Call once the socket is connected. The reference client sends its CONNECT twice on one
 * Engine.IO connection right after login; Socket.IO would keep two sockets and deliver
 * everything twice. The newest socket wins: the older one is dropped without a DISCONNECT packet
 * (the client thinks they are one) and hands over `counted` (its presence), so nobody sees the
 * user leave and come back. Returns true when `socket` itself was the one dropped.
 */
export function supersede(
  socket: AnySocket,
  handOver: (from: AnySocket, to: AnySocket) => void,
): boolean {
  const client = clientOf(socket);
  if (client.parleyLatest !== socket) {
    dropSilently(socket, client);
    return true;
  }
  for (const other of [...client.sockets.values()]) {
    if (other === socket || other.nsp !== socket.nsp) continue;
    handOver(other, socket);
    dropSilently(other, client);
  }
  return false;
}

function dropSilently(socket: AnySocket, client: EngineClient<AnySocket>): void {
  const current = client.nsps.get(socket.nsp.name);
  (socket as unknown as { _onclose: (reason: string) => void })._onclose(
    'server namespace disconnect',
  );
  // _onclose forgets the namespace entry whichever socket it points at; keep the survivor's.
  if (current && current !== socket) client.nsps.set(socket.nsp.name, current);
}

/**
 * The repeated CONNECT usually arrives after the first one was handled (over polling it goes out
 * in a later request). Socket.IO would then close the whole Engine.IO connection ("invalid
 * state": a CONNECT for a namespace the client is already in). The repeat is treated as the same
 * socket instead: answered with that socket's id when it is connected, and left to the pending
 * one's answer while its handshake is still running. (Two CONNECTs decoded in the same tick both
 * get through here; supersede() keeps one of them.)
 */
function guardRepeatedConnect(client: EngineClient<AnySocket>, server: Server): void {
  if (client.parleyRepeatGuard) return;
  client.parleyRepeatGuard = true;
  const original = client.ondecoded;
  const guarded = (packet: DecodedPacket) => {
    if (packet.type === CONNECT_PACKET) {
      const existing = client.nsps.get(packet.nsp);
      if (existing) {
        client._packet({ type: CONNECT_PACKET, nsp: packet.nsp, data: { sid: existing.id } });
        return;
      }
      const nsp = server._nsps.get(packet.nsp) as unknown as
        { _preConnectSockets?: Map<string, AnySocket> } | undefined;
      const pending = [...(nsp?._preConnectSockets?.values() ?? [])];
      if (pending.some((s) => clientOf(s) === client)) return;
    }
    original(packet);
  };
  client.decoder.off('decoded', original);
  client.decoder.on('decoded', guarded);
  client.ondecoded = guarded;
}

/**
 * Fails loudly at boot when a socket.io upgrade removed what the shim relies on: the repeat would
 * otherwise silently close reference clients' connections or deliver everything twice. Drives
 * one in-memory connection through a throwaway server and inspects the real objects.
 */
export async function assertRepeatedConnectInternals(): Promise<void> {
  const server = new Server();
  const nsp = server.of('/');
  const missing: string[] = [];
  const internals = nsp as unknown as { _preConnectSockets?: unknown };
  if (!(internals._preConnectSockets instanceof Map)) missing.push('Namespace._preConnectSockets');
  const conn = Object.assign(new EventEmitter(), {
    id: 'parley-self-test',
    protocol: 4,
    readyState: 'open',
    request: { headers: {}, url: '/socket.io/?EIO=4', connection: {} },
    write: () => undefined,
    close: () => undefined,
  });
  const connected = new Promise<AnySocket | null>((resolve) => {
    nsp.once('connection', resolve);
    setTimeout(() => resolve(null), 2_000).unref();
  });
  try {
    (server as unknown as { onconnection(c: unknown): void }).onconnection(conn);
    conn.emit('data', '0');
    const socket = await connected;
    if (!socket) {
      missing.push('CONNECT handling');
    } else {
      const client = clientOf(socket);
      if (!(client.sockets instanceof Map)) missing.push('Client.sockets');
      if (!(client.nsps instanceof Map)) missing.push('Client.nsps');
      if (typeof client.decoder?.on !== 'function' || typeof client.decoder?.off !== 'function')
        missing.push('Client.decoder');
      if (typeof client.ondecoded !== 'function') missing.push('Client.ondecoded');
      if (typeof client._packet !== 'function') missing.push('Client._packet');
      if (typeof (socket as unknown as { _onclose?: unknown })._onclose !== 'function')
        missing.push('Socket._onclose');
    }
  } finally {
    conn.emit('close', 'self-test done');
  }
  if (missing.length > 0)
    throw new Error(
      `socket.io internals changed (${missing.join(', ')}): the repeated-CONNECT shim needs review`,
    );
}
