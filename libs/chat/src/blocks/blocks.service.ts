import { Injectable } from '@nestjs/common';
import type { User } from '@app/contracts';
import { BlocksRepository } from '@app/redis';
import { BadRequest, NotFound } from '../errors/domain-error';
import { dmRoomId } from '../rooms/room-id';
import { UsersService } from '../users/users.service';

/**
 * A user's block list. A blocked user cannot open a DM with the blocker, send into their DM or
 * add them to a room (RoomsService, MembershipService and the append script check it); in group
 * rooms both still talk, and clients hide what the blocked user says.
 */
@Injectable()
export class BlocksService {
  constructor(
    private readonly blocks: BlocksRepository,
    private readonly users: UsersService,
  ) {}

  async block(userId: string, targetId: string): Promise<void> {
    await this.checkTarget(userId, targetId);
    await this.blocks.block(userId, targetId, dmRoomId(userId, targetId));
  }

  async unblock(userId: string, targetId: string): Promise<void> {
    await this.checkTarget(userId, targetId);
    await this.blocks.unblock(userId, targetId, dmRoomId(userId, targetId));
  }

  async list(userId: string): Promise<User[]> {
    const ids = await this.blocks.blockedBy(userId);
    return this.users.findMany(ids.sort((a, b) => Number(a) - Number(b)));
  }

  private async checkTarget(userId: string, targetId: string): Promise<void> {
    if (userId === targetId) throw BadRequest('You cannot block yourself');
    if (!(await this.users.findOne(targetId))) throw NotFound('User not found');
  }
}
