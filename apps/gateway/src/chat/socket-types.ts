import type { ServerSideEventMap, SessionIdentity } from '@app/chat';
import type { ClientToServerEvents, ServerToClientEvents } from '@app/contracts';
import type { Server, Socket } from 'socket.io';
import type { TokenBucket } from './token-bucket';

/**
 * What a gateway keeps per socket: kept small, it is multiplied by every connection. Room
 * membership is not cached here: the socket's Socket.IO rooms (moved by the domain's membership
 * events) are the channel, and the store checks every post.
 */
export interface SocketData {
  identity: SessionIdentity;
  bucket: TokenBucket;
  /** Typing timers per room, created on first use. */
  typing?: Map<string, NodeJS.Timeout>;
  /** True while this socket counts in presence (so drain and disconnect release it once). */
  counted: boolean;
  /** The rooms the handshake joined, held until presence has counted the socket (the audience). */
  handshakeRoomIds?: string[];
}

export type ParleyServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  ServerSideEventMap,
  SocketData
>;
export type ParleySocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  ServerSideEventMap,
  SocketData
>;
