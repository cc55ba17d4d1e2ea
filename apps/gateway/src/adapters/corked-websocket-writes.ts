import { Server as EngineServer, transports } from 'engine.io';
import { once } from 'node:events';
import { Socket as NetSocket, type AddressInfo } from 'node:net';
import { corkForTurn } from '@app/redis';

/**
 * Engine.IO writes one WebSocket frame per packet, each its own write system call (and while a
 * write is in flight it queues further packets, then sends the queue in one loop). Corking each
 * TCP socket until the end of the event-loop turn turns everything the turn sends it into one
 * writev: an ack and the message it acknowledges, a burst of room messages. Measured with
 * `npm run bench` (see the README's Performance section).
 *
 * It patches `send` on the prototype of engine.io's WebSocket transport and relies on engine.io
 * internals: the transport keeps the `ws` WebSocket in `socket`, whose `_socket` is the TCP
 * socket, and `send` writes every frame synchronously. `installCorkedWebSocketWrites` checks at
 * boot that this is so, patches, and proves the patch on a loopback WebSocket, or fails loudly.
 */

interface Packet {
  type: string;
  data?: string;
}

interface WsSocket {
  _socket?: NetSocket;
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  close(): void;
}

interface Transport {
  readonly name: string;
  socket?: WsSocket;
  send: (this: Transport, packets: Packet[]) => void;
}

type TransportClass = (new (req: {
  websocket: unknown;
  _query: Record<string, string>;
}) => Transport) & {
  prototype: Transport & { [PATCHED]?: true };
};

interface WsModule {
  WebSocket: new (url: string) => WsSocket;
  WebSocketServer: new (opts: { host: string; port: number }) => WsServer;
}

interface WsServer {
  address(): AddressInfo;
  on(event: 'connection', listener: (ws: WsSocket) => void): void;
  close(): void;
}

const PATCHED = Symbol('parleyCorked');

/**
 * engine.io's WebSocket transport and the `ws` classes engine.io itself uses (it may carry its own
 * copy of ws): its server's `ws` is made by that copy and names its WebSocket class.
 */
export function engineModules(): { transport: TransportClass; ws: WsModule } {
  const engine = new EngineServer() as unknown as {
    ws?: {
      constructor: WsModule['WebSocketServer'];
      options?: { WebSocket?: WsModule['WebSocket'] };
    };
    close(): void;
  };
  try {
    const wss = engine.ws;
    const WebSocket = wss?.options?.WebSocket;
    if (!wss || typeof WebSocket !== 'function') throw new Error('Server.ws.options.WebSocket');
    const transport = (transports as unknown as { websocket?: TransportClass }).websocket;
    return {
      transport: transport as TransportClass,
      ws: { WebSocket, WebSocketServer: wss.constructor },
    };
  } finally {
    engine.close();
  }
}

function patch(proto: TransportClass['prototype']): void {
  if (proto[PATCHED]) return;
  proto[PATCHED] = true;
  const send = proto.send;
  proto.send = function corkedSend(this: Transport, packets: Packet[]) {
    const raw = this.socket?._socket;
    if (raw && !raw.destroyed) corkForTurn(raw);
    return send.call(this, packets);
  };
}

/**
 * Boot step: finds engine.io's WebSocket transport, checks what the patch relies on, patches it,
 * then proves it on a loopback WebSocket: three packets sent in two sends of one turn must be
 * written while the TCP socket is corked, reach the kernel as one batch once the turn ends, and
 * arrive intact and in order. Throws (the
 * process does not start) when an engine.io or ws upgrade changed any of that.
 */
export async function installCorkedWebSocketWrites(): Promise<void> {
  const problems: string[] = [];
  try {
    const { transport, ws } = engineModules();
    if (typeof transport !== 'function') throw new Error('transports.websocket');
    if (typeof transport.prototype.send !== 'function') throw new Error('WebSocket.prototype.send');
    patch(transport.prototype);
    await prove(transport, ws, problems);
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (problems.length > 0)
    throw new Error(
      `engine.io internals changed (${problems.join(', ')}): the corked WebSocket writes need review`,
    );
}

async function prove(Transport: TransportClass, ws: WsModule, problems: string[]): Promise<void> {
  const server = new ws.WebSocketServer({ host: '127.0.0.1', port: 0 });
  const accepted = new Promise<WsSocket>((done) => server.on('connection', done));
  await once(server as unknown as NodeJS.EventEmitter, 'listening');
  const client = new ws.WebSocket(`ws://127.0.0.1:${server.address().port}`);
  client.on('error', () => undefined); // closed early on a failed check: nothing to report
  const received: string[] = [];
  const threeFrames = new Promise<void>((done) =>
    client.on('message', (data) => received.push(data.toString()) === 3 && done()),
  );
  try {
    const serverSide = await withTimeout(accepted, 'a loopback WebSocket');
    const transport = new Transport({ websocket: serverSide, _query: { EIO: '4' } });
    const tcp = serverSide._socket;
    if (transport.name !== 'websocket') problems.push('WebSocket.name');
    if (transport.socket !== serverSide) problems.push('WebSocket.socket');
    if (!(tcp instanceof NetSocket)) return void problems.push('ws WebSocket._socket');
    // ws corks each frame's header and payload itself; what the patch adds is one uncork, one
    // batch to the kernel, for the whole send instead of one per frame.
    let writes = 0;
    let batches = 0;
    const [write, uncork] = [tcp.write.bind(tcp), tcp.uncork.bind(tcp)];
    tcp.write = ((...args: Parameters<NetSocket['write']>) => {
      writes += 1;
      if (tcp.writableCorked === 0) batches += 1;
      return write(...args);
    }) as NetSocket['write'];
    tcp.uncork = () => {
      uncork();
      if (tcp.writableCorked === 0) batches += 1;
    };
    try {
      transport.send(['a', 'b'].map((data) => ({ type: 'message', data })));
      transport.send([{ type: 'message', data: 'c' }]);
      // Nothing reaches the kernel before the turn ends.
      if (writes === 0 || batches !== 0)
        problems.push(`send (${writes} writes in the turn, ${batches} batches before its end)`);
      await new Promise((done) => setImmediate(done));
    } finally {
      // The prototype's methods again.
      delete (tcp as { write?: unknown }).write;
      delete (tcp as { uncork?: unknown }).uncork;
    }
    if (writes === 0 || batches !== 1)
      problems.push(`send (${writes} writes in ${batches} batches, not one)`);
    if (tcp.writableCorked !== 0) problems.push('the turn ended with the socket corked');
    await withTimeout(threeFrames, 'the three frames');
    if (received.join() !== '4a,4b,4c') problems.push(`frames (${received.join()})`);
  } finally {
    client.close();
    server.close();
  }
}

function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`no ${what} within 2 s`)), 2_000);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
