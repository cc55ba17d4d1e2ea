import { Injectable } from '@nestjs/common';
import { ServerEvents } from '@app/contracts';
import type { ClientToServerEvents, ServerToClientEvents } from '@app/contracts';
import type { Server } from 'socket.io';
import { ChatEventMap, ChatEventName, ChatEvents } from '../events/chat-events';
import { ServerSideEventMap, ServerSideEvents, SocketRooms } from './socket-rooms';

export type AnnounceServer = Server<ClientToServerEvents, ServerToClientEvents, ServerSideEventMap>;

type Handlers = { [K in ChatEventName]: (event: ChatEventMap[K]) => void };

/**
 * Announces domain events through a Socket.IO server whose Redis adapter reaches every gateway:
 * a gateway's own server, or the API's detached one (no HTTP, the same adapter). Every event of
 * a room travels on that room's sharded channel, so a gateway only hears about rooms it has
 * members of; membership changes move the affected user's sockets in and out of the room on
 * every gateway (`socketsJoin`/`socketsLeave`) before the room is told.
 */
@Injectable()
export class SocketAnnouncer extends ChatEvents {
  private server?: AnnounceServer;
  /** Called once per wire event sent (the gateway counts them in its metrics). */
  onAnnounce: (wireEvent: string) => void = () => undefined;
  private readonly revokeListeners = new Set<(sessionId: string) => void>();

  attach(server: AnnounceServer): void {
    this.server = server;
  }

  emit<K extends ChatEventName>(name: K, event: ChatEventMap[K]): void {
    if (!this.server) throw new Error('SocketAnnouncer used before attach()');
    (this.handlers[name] as (e: ChatEventMap[K]) => void)(event);
  }

  private readonly handlers: Handlers = {
    messageCreated: ({ message, toUsers }) => {
      const target = toUsers ? toUsers.map(SocketRooms.user) : SocketRooms.room(message.roomId);
      this.io.to(target).emit(ServerEvents.Message, message);
      this.onAnnounce(ServerEvents.Message);
    },
    messageUpdated: ({ roomId, seq, message }) => {
      this.io
        .to(SocketRooms.room(roomId))
        .emit(ServerEvents.MessageUpdated, { roomId, seq, message });
      this.onAnnounce(ServerEvents.MessageUpdated);
    },
    readMoved: ({ userId, roomId, readSeq }) => {
      this.io.to(SocketRooms.user(userId)).emit(ServerEvents.RoomRead, { roomId, readSeq });
    },
    roomOpened: ({ roomId, views, dm }) => {
      for (const { userId, room } of views) {
        const own = SocketRooms.user(userId);
        this.io.in(own).socketsJoin(SocketRooms.room(roomId));
        this.io.to(own).emit(ServerEvents.RoomJoined, room);
        if (dm) this.io.to(own).emit(ServerEvents.ShowRoom, room);
      }
    },
    memberJoined: ({ room, user, role, view }) => {
      const own = SocketRooms.user(user.id);
      this.io.in(own).socketsJoin(SocketRooms.room(room.id));
      this.io.to(own).emit(ServerEvents.RoomJoined, view);
      const others = this.io.to(SocketRooms.room(room.id)).except(own);
      others.emit(ServerEvents.MemberJoined, { roomId: room.id, user, role });
      others.emit(ServerEvents.RoomUpdated, room);
    },
    memberLeft: ({ room, user }) => {
      const own = SocketRooms.user(user.id);
      this.io.in(own).socketsLeave(SocketRooms.room(room.id));
      this.io.to(own).emit(ServerEvents.RoomLeft, { roomId: room.id });
      const others = this.io.to(SocketRooms.room(room.id)).except(own);
      others.emit(ServerEvents.MemberLeft, { roomId: room.id, user });
      others.emit(ServerEvents.RoomUpdated, room);
    },
    memberUpdated: ({ room, user, role }) => {
      this.io
        .to(SocketRooms.room(room.id))
        .emit(ServerEvents.MemberUpdated, { roomId: room.id, user, role });
    },
    roomUpdated: ({ room }) => {
      this.io.to(SocketRooms.room(room.id)).emit(ServerEvents.RoomUpdated, room);
    },
    presenceChanged: (change) => {
      const event = change.user.online ? ServerEvents.UserConnected : ServerEvents.UserDisconnected;
      this.toAudience(change).emit(event, change.user);
      this.onAnnounce(event);
    },
    talkStarted: (event) => this.talk(ServerEvents.TalkStart, event),
    talkStopped: (event) => this.talk(ServerEvents.TalkStop, event),
    statusChanged: (change) => {
      this.toAudience(change).emit(ServerEvents.UserStatus, change.user);
      this.onAnnounce(ServerEvents.UserStatus);
    },
    sessionRevoked: ({ sessionId }) => {
      // Told and cut by the gateway that holds the socket, in that order: the two steps must not
      // travel on different channels.
      this.revokeLocally(sessionId);
      this.io.serverSideEmit(ServerSideEvents.Revoke, sessionId);
    },
  };

  /** To the peer's sockets and door connections, and to the starter's other door connections. */
  private talk(
    event: typeof ServerEvents.TalkStart | typeof ServerEvents.TalkStop,
    { roomId, from, toUserId }: ChatEventMap['talkStarted'],
  ): void {
    const payload = { roomId, user: from };
    this.io.to(SocketRooms.user(toUserId)).emit(event, payload);
    this.io.to(SocketRooms.door(from.id)).emit(event, payload);
    this.onAnnounce(event);
  }

  /** This process's sockets of a revoked session are told and disconnected. */
  revokeLocally(sessionId: string): void {
    const target = this.io.local.in(SocketRooms.session(sessionId));
    target.emit(ServerEvents.SessionRevoked, {});
    target.disconnectSockets(true);
    for (const listener of this.revokeListeners) listener(sessionId);
  }

  /**
   * Connections that are not Socket.IO sockets (the API's /mq/ws consumers) hear revocations
   * here; returns the removal.
   */
  onRevoke(listener: (sessionId: string) => void): () => void {
    this.revokeListeners.add(listener);
    return () => this.revokeListeners.delete(listener);
  }

  /** Who hears about a user's presence: everyone, or their rooms' members and watchers. */
  private toAudience({ user, everyone, roomIds }: ChatEventMap['presenceChanged']) {
    if (everyone) return this.io;
    return this.io.to([...roomIds.map(SocketRooms.room), SocketRooms.watch(user.id)]);
  }

  private get io(): AnnounceServer {
    return this.server!;
  }
}
