import { Inject, Injectable } from '@nestjs/common';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { SessionsRepository, UsersRepository } from '@app/redis';
import type { SessionData } from 'express-session';
import type { IncomingHttpHeaders } from 'node:http';
import { SessionCookie } from '../common/session-cookie';
import { ChatEvents } from '../events/chat-events';
import { ApiTokensService, isApiToken } from '../tokens/api-tokens.service';

export interface SessionIdentity {
  userId: string;
  username: string;
  sessionId: string;
  /** Present for an API token: what it may do (a session may do everything). */
  scopes?: readonly string[];
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Server-side sessions (stored by express-session in the API): who a connection is, the per-user
 * index of live sessions, and revocation, which closes the session's live connections everywhere.
 */
@Injectable()
export class SessionsService {
  private readonly cookie: SessionCookie;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly users: UsersRepository,
    private readonly events: ChatEvents,
    @Inject(PARLEY_CONFIG) config: ParleyConfig,
    private readonly apiTokens: ApiTokensService,
  ) {
    this.cookie = new SessionCookie(config.session.cookieName, config.session.secret);
  }

  /** The express-session store, for the API's session middleware. */
  get store() {
    return this.sessions.store;
  }

  /**
   * Resolves a connection's credentials to its session: the token from `auth.token` or an
   * Authorization header (non-browser clients), else the signed session cookie. Tokens in the
   * query string are not accepted: they end up in logs.
   */
  async identify(headers: IncomingHttpHeaders, auth: unknown): Promise<SessionIdentity | null> {
    const sessionId = this.sessionIdFrom(headers, auth);
    if (!sessionId) return null;
    if (isApiToken(sessionId)) return this.apiTokens.asSession(sessionId);
    const session = await this.sessions.get(sessionId);
    if (!session?.userId || !session.username) return null;
    return { userId: session.userId, username: session.username, sessionId };
  }

  async get(sessionId: string): Promise<SessionData | null> {
    return this.sessions.get(sessionId);
  }

  /** Which of these sessions (or API tokens) still exist: gateways re-check their sockets'. */
  async stillLive(sessionIds: Iterable<string>): Promise<Set<string>> {
    const live = new Set<string>();
    await Promise.all(
      [...new Set(sessionIds)].map(async (id) => {
        // A token's connections carry `apitoken:<user>:<id>`, never the secret itself.
        const alive =
          (await this.apiTokens.isLiveSession(id)) ??
          Boolean((await this.sessions.get(id))?.userId);
        if (alive) live.add(id);
      }),
    );
    return live;
  }

  /** A session outlives a deleted account in Redis; a connection must not. */
  userExists(userId: string): Promise<boolean> {
    return this.users.exists(userId);
  }

  track(userId: string, sessionId: string): Promise<void> {
    return this.sessions.track(userId, sessionId);
  }

  destroy(sessionId: string): Promise<void> {
    return this.sessions.destroy(sessionId);
  }

  sessionIdsOf(userId: string): Promise<string[]> {
    return this.sessions.sessionIdsOf(userId);
  }

  /** The session is over: forget it and cut its live connections on every gateway. */
  async revoked(sessionId: string, userId: string): Promise<void> {
    await this.sessions.untrack(userId, sessionId);
    this.events.emit('sessionRevoked', { sessionId, userId });
  }

  private sessionIdFrom(headers: IncomingHttpHeaders, auth: unknown): string | null {
    const token = (auth as { token?: unknown } | undefined)?.token;
    if (typeof token === 'string' && token.length > 0 && token.length <= 128) return token;
    const bearer = BEARER.exec(headers.authorization ?? '');
    if (bearer) return bearer[1];
    return this.cookie.sessionIdIn(headers.cookie);
  }
}
