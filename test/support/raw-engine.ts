import { Socket as EngineSocket } from 'engine.io-client';

/**
 * A bare Engine.IO connection to a gateway, for sending raw Socket.IO packets (a CONNECT twice,
 * say): what it received, and why it closed ('' while open).
 */
export function rawEngine(gatewayUrl: string, transport: 'polling' | 'websocket') {
  const engine = new EngineSocket(gatewayUrl, {
    transports: [transport],
    upgrade: false,
    path: '/socket.io/',
  });
  const packets: string[] = [];
  let closed = '';
  engine.on('message', (data) => packets.push(String(data)));
  engine.on('close', (reason) => (closed = reason));
  return { engine, packets, closed: () => closed };
}

/** A Socket.IO CONNECT packet authenticating with `token`. */
export const connectPacket = (token: string) => `0${JSON.stringify({ token })}`;
