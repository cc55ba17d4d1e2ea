/** Socket.IO room names used by the gateways (not wire names: clients never see them). */
export const SocketRooms = {
  room: (roomId: string) => `room:${roomId}`,
  user: (userId: string) => `user:${userId}`,
  session: (sessionId: string) => `session:${sessionId}`,
} as const;
