import { Inject, Injectable } from '@nestjs/common';
import { SessionCookie } from '@app/chat';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { SessionsRepository, UsersRepository } from '@app/redis';
import type { IncomingHttpHeaders } from 'node:http';

export interface SocketIdentity {
  userId: string;
  username: string;
  sessionId: string;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Resolves a Socket.IO handshake to the API's server-side session: the signed session cookie
 * (browsers, the reference client), or the token from `auth.token` / an Authorization header
 * (other clients). Tokens in the query string are not accepted: they end up in logs.
 */
@Injectable()
export class SocketAuthService {
  private readonly cookie: SessionCookie;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly users: UsersRepository,
    @Inject(PARLEY_CONFIG) config: ParleyConfig,
  ) {
    this.cookie = new SessionCookie(config.session.cookieName, config.session.secret);
  }

  async authenticate(headers: IncomingHttpHeaders, auth: unknown): Promise<SocketIdentity | null> {
    const sessionId = this.sessionIdFrom(headers, auth);
    if (!sessionId) return null;
    const session = await this.sessions.get(sessionId);
    if (!session?.userId || !session.username) return null;
    return { userId: session.userId, username: session.username, sessionId };
  }

  /** A session outlives a deleted account in Redis; the handshake must not. */
  userExists(userId: string): Promise<boolean> {
    return this.users.exists(userId);
  }

  private sessionIdFrom(headers: IncomingHttpHeaders, auth: unknown): string | null {
    const token = (auth as { token?: unknown } | undefined)?.token;
    if (typeof token === 'string' && token.length > 0 && token.length <= 128) return token;
    const bearer = BEARER.exec(headers.authorization ?? '');
    if (bearer) return bearer[1];
    return this.cookie.sessionIdIn(headers.cookie);
  }
}
