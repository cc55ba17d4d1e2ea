import { Injectable } from '@nestjs/common';
import type { User } from '@app/contracts';
import type { UserRecord } from '@app/redis';
import { BadRequest, NotFound } from '../errors/domain-error';
import { ChatEvents } from '../events/chat-events';
import { dmRoomId } from '../rooms/room-id';
import { RoomsService } from '../rooms/rooms.service';
import { UsersService } from '../users/users.service';
import { toUser } from '../users/user-view';

export interface TalkPeer {
  user: Pick<UserRecord, 'id' | 'username'>;
  /** The DM between the caller and the peer (it may not exist yet). */
  roomId: string;
}

/**
 * The line door's conversations: a peer named by username, and TALKTO / STOP, which open the DM
 * (TALKTO) and tell the peer. Messages and history go through MessagesService like any other.
 */
@Injectable()
export class TalkService {
  constructor(
    private readonly users: UsersService,
    private readonly rooms: RoomsService,
    private readonly events: ChatEvents,
  ) {}

  /** The user named `username` and the DM with them: 404 unknown, 400 yourself. */
  async peer(me: string, username: string): Promise<TalkPeer> {
    const record = await this.users.findByUsername(username);
    if (!record) throw NotFound(`No user named ${username}`);
    if (record.id === me) throw BadRequest('That is you; name someone else');
    return { user: { id: record.id, username: record.username }, roomId: dmRoomId(me, record.id) };
  }

  /** Opens (or finds) the DM and tells the peer that `me` started a conversation. */
  async start(me: Pick<User, 'id' | 'username'>, username: string): Promise<TalkPeer> {
    const peer = await this.peer(me.id, username);
    await this.rooms.openDm(me.id, peer.user.id);
    return this.announce('talkStarted', me, peer);
  }

  /** Tells the peer that `me` ended the conversation; the DM and its history stay. */
  async stop(me: Pick<User, 'id' | 'username'>, username: string): Promise<TalkPeer> {
    return this.announce('talkStopped', me, await this.peer(me.id, username));
  }

  /** `from` is the user as others see them: an invisible door user stays offline in it. */
  private async announce(
    name: 'talkStarted' | 'talkStopped',
    me: Pick<User, 'id' | 'username'>,
    peer: TalkPeer,
  ): Promise<TalkPeer> {
    const from = (await this.users.findOne(me.id)) ?? toUser(me, false);
    this.events.emit(name, { roomId: peer.roomId, from, toUserId: peer.user.id });
    return peer;
  }
}
