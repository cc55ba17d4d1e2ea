const SESSION = 'session:';

/**
 * Socket.IO room names (not wire names: clients never see them). Shared by every process that
 * announces over the adapter, so a gateway and the API address the same sockets.
 */
export const SocketRooms = {
  room: (roomId: string) => `room:${roomId}`,
  user: (userId: string) => `user:${userId}`,
  session: (sessionId: string) => `${SESSION}${sessionId}`,
  /** Sockets that asked for this user's presence (`presence.watch`). */
  watch: (userId: string) => `watch:${userId}`,
  /** The user's line-door connections (apps/door), beside their `user:` room. */
  door: (userId: string) => `door:${userId}`,
  /**
   * Rooms only addressed on their own process, which need no Redis channel: a session's, since
   * revocation reaches every process as a server-side event and each cuts its own sockets.
   */
  isLocalOnly: (room: string) => room.startsWith(SESSION),
} as const;

/** Server-to-server events over the adapter (`serverSideEmit`), never seen by clients. */
export const ServerSideEvents = {
  /** A session ended: every gateway tells and cuts that session's sockets. */
  Revoke: 'parley:revoke',
} as const;

export interface ServerSideEventMap {
  [ServerSideEvents.Revoke]: (sessionId: string) => void;
}
