import { ParleySocket } from '@app/client';
import { ServerEvents } from '../contracts';
import type { History } from './history';
import type { Members } from './members';
import type { ReadState } from './read-state';
import type { Rooms } from './rooms';
import type { Typing } from './typing';
import type { Users } from './users';
import type { StateCell } from './state';
import { SEND_TIMEOUT_MS } from './sending';
import { SESSION_ENDED } from './socket';

/** The modules that server events go to. */
export interface Receivers {
  history: History;
  read: ReadState;
  typing: Typing;
  users: Users;
  rooms: Rooms;
  members: Members;
}

/**
 * The session's connection: the SDK's socket (libs/client), which orders messages and changes by
 * seq, syncs after gaps and reconnects, retries sends and reconnects after a gateway shutdown,
 * with each server event routed to the module that owns it. Created unconnected: the caller
 * connects once every room's newest page is in, so the first sync goes on from those pages.
 */
export function openConnection(
  cell: StateCell,
  gatewayUrl: string | null,
  token: string | null,
  to: Receivers,
  on: {
    /** Connected again after a disconnect (not the first time). */
    reconnected(): void;
    end(reason: string): void;
  },
): ParleySocket {
  const socket = new ParleySocket({
    // Without a gateway URL: this origin, whose API (or nginx) forwards /socket.io.
    url: gatewayUrl ?? window.location.origin,
    // A token from this tab's login when there is one; otherwise the HttpOnly session cookie.
    token: token ?? undefined,
    sendTimeoutMs: SEND_TIMEOUT_MS,
    io: { autoConnect: false, reconnectionDelay: 500, reconnectionDelayMax: 5000 },
  });
  let connectedOnce = false;
  socket.on('message', to.history.onMessage);
  socket.on('update', to.history.onUpdate);
  socket.on('ended', (reason) =>
    on.end(reason === 'revoked' ? 'You were signed out.' : SESSION_ENDED),
  );

  const io = socket.io;
  io.on('connect', () => {
    cell.set({ connection: 'connected' });
    if (connectedOnce) on.reconnected();
    connectedOnce = true;
  });
  io.on('disconnect', () => cell.set({ connection: 'disconnected' }));
  io.on('connect_error', () => cell.set({ connection: 'disconnected' }));
  io.on(ServerEvents.RoomRead, (event) => to.read.onRead(event));
  io.on(ServerEvents.Typing, (event) => to.typing.onEvent(event));
  io.on(ServerEvents.UserConnected, (user) => to.users.upsert([user]));
  io.on(ServerEvents.UserDisconnected, (user) => to.users.upsert([user]));
  io.on(ServerEvents.UserStatus, (user) => to.users.upsert([user]));
  io.on(ServerEvents.ShowRoom, (room) => to.rooms.onJoined(room));
  io.on(ServerEvents.RoomJoined, (room) => to.rooms.onJoined(room));
  io.on(ServerEvents.RoomLeft, (event) => to.rooms.onLeft(event));
  io.on(ServerEvents.RoomUpdated, (room) => to.rooms.onUpdated(room));
  io.on(ServerEvents.MemberJoined, (event) => to.members.onJoined(event));
  io.on(ServerEvents.MemberLeft, (event) => to.members.onLeft(event));
  io.on(ServerEvents.MemberUpdated, (event) => to.members.onUpdated(event));
  // A line-door user's TALKTO / STOP (docs/line-door.md).
  io.on(ServerEvents.TalkStart, ({ user }) =>
    to.rooms.notify('', user.username, ' started a conversation'),
  );
  io.on(ServerEvents.TalkStop, ({ user }) =>
    to.rooms.notify('', user.username, ' ended the conversation'),
  );
  return socket;
}
