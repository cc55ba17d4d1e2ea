import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { UsersService } from '@app/chat';
import type { Request } from 'express';
import { Strategy } from 'passport-local';
import type { SessionUser } from '../common/current-user.decorator';
import { KnownDevice } from './known-device';

@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy) {
  constructor(
    private readonly users: UsersService,
    private readonly devices: KnownDevice,
  ) {
    super({ usernameField: 'username', passwordField: 'password', passReqToCallback: true });
  }

  /** Throws 401 (one message for unknown user and wrong password) or 429 when throttled. */
  async validate(req: Request, username: string, password: string): Promise<SessionUser> {
    const user = await this.users.authenticate(username, password, this.devices.clientOf(req));
    return { id: user.id, username: user.username };
  }
}
