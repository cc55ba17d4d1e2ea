import { EventEmitter } from 'node:events';
import { Server, type Socket } from 'socket.io';

/**
 * The reference client's repeated CONNECT (CONTRACT: "the gateway must treat the repeat as the
 * same socket"). The only code that touches socket.io's private internals: `Client.prototype
 * .ondecoded` (patched), `Client.nsps`, `Client.server`, `Namespace._preConnectSockets`.
 * `installRepeatedConnectShim` checks at boot that they are there and behave, or fails loudly.
 *
 * Right after login the client sends its CONNECT twice on one Engine.IO connection, the repeat
 * while the first is unanswered. Unpatched, Socket.IO either opens a second socket (the repeat
 * decoded before the first reached the namespace: both in one polling payload or one TCP read) or
 * closes the whole connection ("invalid state": a CONNECT for a namespace already joined). The
 * repeat is the same socket: the first CONNECT's one answer (CONNECT or CONNECT_ERROR) answers
 * both, so a repeat is dropped while the first is opening (passed on, its socket not created yet:
 * an await inside socket.io), in middleware (`_preConnectSockets`) or connected (`nsps`).
 * Before (issue 12), a repeat in the first window opened a second socket, both were acknowledged
 * and the loser's cleanup could unregister the winner, so the connection closed at the next event.
 */

/** socket.io-parser `PacketType.CONNECT`. */
const CONNECT_PACKET = 0;

interface DecodedPacket {
  type: number;
  nsp: string;
}

interface ClientInternals {
  server: Server;
  nsps: Map<string, Socket>;
  ondecoded: (this: ClientInternals, packet: DecodedPacket) => void;
  /** Namespaces whose CONNECT was passed on and whose socket has not reached middleware yet. */
  parleyOpening?: Set<string>;
}

interface PendingSockets {
  _preConnectSockets: Map<string, Socket>;
}

const clientOf = (socket: Socket) => socket.client as unknown as ClientInternals;

/** Call first in the namespace middleware: from here `_preConnectSockets` holds the socket. */
export function noteConnect(socket: Socket): void {
  clientOf(socket).parleyOpening?.delete(socket.nsp.name);
}

function isRepeat(client: ClientInternals, nsp: string): boolean {
  if (client.nsps.has(nsp) || client.parleyOpening?.has(nsp)) return true;
  const namespace = client.server._nsps.get(nsp) as unknown as PendingSockets;
  for (const socket of namespace._preConnectSockets.values())
    if (socket.client === (client as unknown)) return true;
  return false;
}

function patchOndecoded(proto: ClientInternals): void {
  const original = proto.ondecoded;
  // Patched on the prototype: Client.setup() binds `ondecoded` per client, so every client made
  // after this boot step gets the guard before its first packet.
  proto.ondecoded = function guardedOndecoded(this: ClientInternals, packet: DecodedPacket) {
    const nsp = packet.nsp?.split('?')[0];
    if (packet.type === CONNECT_PACKET && this.server._nsps.has(nsp)) {
      if (isRepeat(this, nsp)) return;
      (this.parleyOpening ??= new Set()).add(nsp);
    }
    original.call(this, packet);
  };
}

type Conn = EventEmitter & { emit(event: 'data', raw: string): boolean };

/** One in-memory Engine.IO connection on a throwaway server; collects what it is sent. */
function selfTestConnection(server: Server): { conn: Conn; sent: string[] } {
  const sent: string[] = [];
  const conn = Object.assign(new EventEmitter(), {
    id: 'parley-self-test',
    protocol: 4,
    readyState: 'open',
    request: { headers: {}, url: '/socket.io/?EIO=4', connection: {} },
    write: (raw: string) => sent.push(raw),
    close: () => undefined,
  });
  (server as unknown as { onconnection(c: unknown): void }).onconnection(conn);
  return { conn, sent };
}

const turn = () => new Promise((done) => setTimeout(done, 20));

/**
 * Boot step while the reference client's routes are on: finds socket.io's Client prototype
 * through a throwaway connection, checks what the guard relies on, patches it, then proves it:
 * two CONNECTs decoded together and one after the answer must get exactly one answer and one
 * socket. Throws (the process does not start) when a socket.io upgrade changed any of that.
 */
export async function installRepeatedConnectShim(): Promise<void> {
  const server = new Server();
  const nsp = server.of('/');
  nsp.use((socket, next) => (noteConnect(socket), setTimeout(next, 5)));
  const { conn } = selfTestConnection(server);
  const missing: string[] = [];
  const probe = new Promise<Socket | null>((resolve) => {
    nsp.once('connection', resolve);
    setTimeout(() => resolve(null), 2_000).unref();
  });
  try {
    if (!((nsp as unknown as Partial<PendingSockets>)._preConnectSockets instanceof Map))
      missing.push('Namespace._preConnectSockets');
    conn.emit('data', '0');
    const socket = await probe;
    if (!socket) throw new Error('CONNECT handling');
    const internals = clientOf(socket);
    const proto = Object.getPrototypeOf(internals) as ClientInternals;
    if (!(internals.nsps instanceof Map)) missing.push('Client.nsps');
    if (internals.server !== server) missing.push('Client.server');
    if (typeof proto.ondecoded !== 'function') missing.push('Client.prototype.ondecoded');
    if (missing.length === 0 && proto.ondecoded.name !== 'guardedOndecoded') patchOndecoded(proto);
  } catch (err) {
    missing.push((err as Error).message);
  } finally {
    conn.emit('close', 'self-test done');
  }
  if (missing.length === 0) await proveGuard(server, missing);
  if (missing.length > 0)
    throw new Error(
      `socket.io internals changed (${missing.join(', ')}): the repeated-CONNECT shim needs review`,
    );
}

/** A fresh connection after the patch: CONNECT twice in one go, then once more when answered. */
async function proveGuard(server: Server, missing: string[]): Promise<void> {
  const { conn, sent } = selfTestConnection(server);
  let sockets = 0;
  server.of('/').on('connection', () => (sockets += 1));
  try {
    conn.emit('data', '0');
    conn.emit('data', '0');
    for (let i = 0; i < 50 && sent.length === 0; i += 1) await turn();
    conn.emit('data', '0');
    await turn();
    const answers = sent.filter((raw) => raw.startsWith('0'));
    if (answers.length !== 1 || sockets !== 1)
      missing.push(`guard (${answers.length} answers, ${sockets} sockets for three CONNECTs)`);
  } finally {
    conn.emit('close', 'self-test done');
  }
}
