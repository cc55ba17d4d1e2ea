import { Inject, Injectable } from '@nestjs/common';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { Limits } from '@app/contracts';
import { RateLimitRepository } from '@app/redis';
import {
  BadRequest,
  DomainError,
  RateLimitedException,
  Unauthorized,
} from '../errors/domain-error';
import { SessionIdentity, SessionsService } from '../sessions/sessions.service';
import { weakPasswordReason } from '../users/password-policy';
import { UsersService } from '../users/users.service';

const utf8 = new TextEncoder();

/**
 * Logins without HTTP (the line door): a password login (NICK), with sign-up of an unknown name
 * when SIGNUP_ON_LOGIN is on, starts a server-side session exactly like the API's, so a password
 * change or a revocation ends it; a token login (TOKEN) resolves an existing session.
 */
@Injectable()
export class LineLoginService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly limits: RateLimitRepository,
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
  ) {}

  /** Password login from `ip` (under the same per-address budget as the API's auth routes). */
  async login(username: string, password: string, ip: string): Promise<SessionIdentity> {
    if (!Limits.usernamePattern.test(username))
      throw BadRequest('username must be 1-32 characters of letters, digits, _ . -');
    const bytes = utf8.encode(password).length;
    if (bytes < Limits.passwordMinBytes || bytes > Limits.passwordMaxBytes)
      throw BadRequest('password must be 8 to 72 bytes');
    const budget = await this.limits.hit('door-auth', ip, this.config.limits.authPerMinute, 60_000);
    if (!budget.allowed) throw new RateLimitedException(budget.retryAfterMs, 'Too many logins');
    if (this.config.signupOnLogin && !(await this.users.findByUsername(username))) {
      const weak = weakPasswordReason(password);
      if (weak) throw BadRequest(`password ${weak}; choose a less common one`);
      try {
        const user = await this.users.register(username, password);
        return this.open(user.id, user.username);
      } catch (err) {
        // Lost a registration race for this name: a normal login decides.
        if (!(err instanceof DomainError && err.code === 'conflict')) throw err;
      }
    }
    const user = await this.users.authenticate(username, password, { ip });
    return this.open(user.id, user.username);
  }

  /** A session or API token, as a socket's `auth.token`. */
  async token(token: string): Promise<SessionIdentity> {
    const identity = await this.sessions.resolve({ headers: {}, auth: { token } }, 'connection');
    if (!identity) throw Unauthorized('Unknown or expired token');
    return identity;
  }

  /** Ends a session `login` opened (the connection closed); nothing else was using it. */
  async close(identity: SessionIdentity): Promise<void> {
    await this.sessions.discard(identity);
  }

  /** A session like the API's (same store, same shape), tracked for revocation. */
  private async open(userId: string, username: string): Promise<SessionIdentity> {
    const sessionId = await this.sessions.start({ id: userId, username });
    return { userId, username, sessionId, via: 'bearer' };
  }
}
