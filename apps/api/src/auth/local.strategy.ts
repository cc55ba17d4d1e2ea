import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-local';
import type { SessionUser } from '../common/current-user.decorator';
import { AuthService } from './auth.service';

@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy) {
  constructor(private readonly auth: AuthService) {
    super({ usernameField: 'username', passwordField: 'password', passReqToCallback: true });
  }

  /** AuthService.verify, the check every login route shares: 401 or 429 when refused. */
  validate(req: FastifyRequest, username: string, password: string): Promise<SessionUser> {
    return this.auth.verify(req, username, password);
  }
}
