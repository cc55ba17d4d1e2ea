import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { UsersService } from '@app/chat';
import { Strategy } from 'passport-local';
import type { SessionUser } from '../common/current-user.decorator';

@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy) {
  constructor(private readonly users: UsersService) {
    super({ usernameField: 'username', passwordField: 'password' });
  }

  /** Throws 401 (one message for unknown user and wrong password) or 429 when throttled. */
  async validate(username: string, password: string): Promise<SessionUser> {
    const user = await this.users.authenticate(username, password);
    return { id: user.id, username: user.username };
  }
}
