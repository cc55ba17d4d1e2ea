import type { Socket as NetSocket } from 'node:net';

interface Transport {
  name: string;
  socket?: { _socket?: NetSocket };
  send: (this: Transport, packets: unknown[]) => void;
}

interface EngineSocket {
  transport: Transport;
  once(event: 'upgrade', listener: (transport: Transport) => void): void;
}

interface Engine {
  on(event: 'connection', listener: (socket: EngineSocket) => void): void;
}

const PATCHED = Symbol('parleyCorked');

/**
 * Engine.IO writes one WebSocket frame per packet, each its own write system call. While a write
 * is in flight it queues further packets and then sends the queue in one loop; corking the TCP
 * socket around that loop turns the queue into a single writev. Under bursts (a room's messages,
 * presence when many users come online) the queue grows and the saving with it; for a single
 * packet nothing changes. Measured with `npm run bench` (connect and sync scenarios).
 *
 * It patches the prototype of engine.io's WebSocket transport, found on the first WebSocket
 * connection (the class is not exported): `socket.io` is pinned to an exact version in
 * package.json and every e2e suite runs through this path.
 */
export function corkWebSocketBatches(engine: Engine): void {
  engine.on('connection', (socket) => {
    patch(socket.transport);
    socket.once('upgrade', patch);
  });
}

function patch(transport: Transport): void {
  if (transport.name !== 'websocket') return;
  const proto = Object.getPrototypeOf(transport) as Transport & { [PATCHED]?: true };
  if (proto[PATCHED]) return;
  proto[PATCHED] = true;
  const send = proto.send;
  proto.send = function corkedSend(this: Transport, packets: unknown[]) {
    const raw = packets.length > 1 ? this.socket?._socket : undefined;
    if (!raw) return send.call(this, packets);
    raw.cork();
    try {
      send.call(this, packets);
    } finally {
      raw.uncork();
    }
  };
}
