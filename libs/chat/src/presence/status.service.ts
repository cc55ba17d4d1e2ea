import { Injectable } from '@nestjs/common';
import type { OwnStatus, StatusSetting } from '@app/contracts';
import { StatusRepository } from '@app/redis';
import { NotFound } from '../errors/domain-error';
import { UsersService } from '../users/users.service';
import { PresenceService } from './presence.service';

/** A user's own status setting: online, away, do-not-disturb or invisible, with a short text. */
@Injectable()
export class StatusService {
  constructor(
    private readonly statuses: StatusRepository,
    private readonly users: UsersService,
    private readonly presence: PresenceService,
  ) {}

  async own(userId: string): Promise<OwnStatus> {
    const record = await this.statuses.find(userId);
    return { status: record.setting, text: record.text };
  }

  /** Sets the status; a missing `text` keeps the current one (so "away" keeps "On a train"). */
  async set(userId: string, setting: StatusSetting, text?: string): Promise<OwnStatus> {
    const before = await this.users.findOne(userId);
    if (!before) throw NotFound('User not found');
    const kept = text ?? before.statusText;
    await this.statuses.saveSetting(userId, setting, kept);
    // Going invisible is going offline as far as anyone else can tell, "last seen" included.
    if (before.online && setting === 'invisible')
      await this.statuses.markSeen([userId], Date.now());
    const after = await this.users.findOne(userId);
    if (after) await this.presence.statusChanged(before, after);
    return { status: setting, text: kept };
  }
}
