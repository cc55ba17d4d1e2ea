import { Inject, Injectable } from '@nestjs/common';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import type { ApiTokenScope } from '@app/contracts';
import { SessionsRepository } from '@app/redis';
import type { SessionData } from 'express-session';
import type { IncomingHttpHeaders } from 'node:http';
import { randomBytes } from 'node:crypto';
import { ChatEvents } from '../events/chat-events';
import { ApiTokensService, isApiToken, tokenSessionId } from '../tokens/api-tokens.service';
import { UsersService } from '../users/users.service';
import { presentedCredential } from './credentials';
import { SessionCookie } from './session-cookie';

/**
 * Who a request or connection speaks for: a session (cookie or bearer token, one and the same
 * server-side session) or an API token.
 */
export interface Principal {
  userId: string;
  username: string;
  /** The session id, or `apitoken:<id>` for an API token: what revocation cuts. */
  sessionId: string;
  /** How it was presented (set by `resolve`): a cookie is an ambient credential, a token is not. */
  via?: 'cookie' | 'bearer';
  /** Present for an API token: what it may do (a session may do everything). */
  scopes?: readonly ApiTokenScope[];
}

/** A connection's principal (the name the realtime code uses). */
export type SessionIdentity = Principal;

/** What a request or a socket handshake presents: its headers, and a socket's `auth`. */
export interface Credentials {
  headers: IncomingHttpHeaders;
  auth?: unknown;
}

/**
 * A realtime connection (socket, door) can read, send, join and leave like a whole chat client and
 * has no per-route check, so a token opens one only when it holds every chat scope.
 */
const CONNECTION_SCOPES: readonly ApiTokenScope[] = [
  'messages:read',
  'messages:write',
  'rooms:read',
  'rooms:write',
];

/**
 * Server-side sessions, the one place credentials become a principal: the API's guard, the
 * gateways' handshake and the line door all resolve them here, so they accept exactly the same
 * cookies and tokens. Sessions live in the connect-redis store in express-session's shape (cookie
 * `s:<id>.<HMAC>`); each is indexed under its user, so revocation can find and cut them all.
 */
@Injectable()
export class SessionsService {
  private readonly cookie: SessionCookie;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly users: UsersService,
    private readonly events: ChatEvents,
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly apiTokens: ApiTokensService,
  ) {
    this.cookie = new SessionCookie(config.session.cookieName, config.session.secret);
  }

  /**
   * The principal behind a request's or handshake's credentials, or null. A presented token
   * (`Authorization: Bearer`, or a socket's `auth.token`) decides alone, cookie or not; without
   * one, the signed session cookie. `connection`: a socket or door, which API tokens open only
   * with every chat scope. The account must still exist: a session outlives a deleted account in
   * Redis, its requests must not (a request may rely on a recent answer, a connection asks anew).
   */
  async resolve(
    credentials: Credentials,
    purpose: 'request' | 'connection' = 'request',
  ): Promise<Principal | null> {
    const presented = presentedCredential(credentials, this.cookie);
    if (!presented) return null;
    const { value, via } = presented;
    if (isApiToken(value)) {
      const token = await this.apiTokens.resolve(value);
      if (!token) return null;
      if (purpose === 'connection' && !CONNECTION_SCOPES.every((s) => token.scopes.includes(s)))
        return null;
      const { userId, username, tokenId, scopes } = token;
      return { userId, username, sessionId: tokenSessionId(userId, tokenId), via, scopes };
    }
    const session = await this.sessions.get(value);
    if (!session?.userId || !session.username) return null;
    if (!(await this.users.accountExists(session.userId, purpose === 'connection'))) return null;
    return { userId: session.userId, username: session.username, sessionId: value, via };
  }

  /**
   * A new session for `user` (every login gets a fresh id), tracked for revocation. `replacing`:
   * the session the login came with, ended (session fixation); an API token is left alone.
   */
  async start(
    user: { id: string; username: string },
    replacing?: Principal | null,
  ): Promise<string> {
    // express-session's id shape (24 random bytes, base64url) and stored shape.
    const sessionId = randomBytes(24).toString('base64url');
    const maxAge = this.config.session.ttlSeconds * 1000;
    const cookie = {
      originalMaxAge: maxAge,
      expires: new Date(Date.now() + maxAge),
      httpOnly: true,
      path: '/',
      sameSite: 'lax' as const,
    };
    const data = { cookie, userId: user.id, username: user.username } as unknown as SessionData;
    await this.sessions.save(sessionId, data);
    await this.sessions.track(user.id, sessionId);
    if (replacing && !replacing.scopes) await this.end(replacing);
    return sessionId;
  }

  /** Ends a session: gone from the store, and its live connections cut on every process. */
  async end(principal: Pick<Principal, 'sessionId' | 'userId'>): Promise<void> {
    await this.sessions.destroy(principal.sessionId);
    await this.revoked(principal.sessionId, principal.userId);
  }

  /** The signed cookie value that carries a session (the API sets it at login). */
  cookieValue(sessionId: string): string {
    return this.cookie.valueFor(sessionId);
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

  /** Session ids of the user, API tokens aside. */
  sessionIdsOf(userId: string): Promise<string[]> {
    return this.sessions.sessionIdsOf(userId);
  }

  /** Forgets a session without announcing it (a door connection that opened it closed). */
  async discard(principal: Pick<Principal, 'sessionId' | 'userId'>): Promise<void> {
    await this.sessions.untrack(principal.userId, principal.sessionId);
    await this.sessions.destroy(principal.sessionId);
  }

  /** The session is over: forget it and cut its live connections on every gateway. */
  async revoked(sessionId: string, userId: string): Promise<void> {
    await this.sessions.untrack(userId, sessionId);
    this.events.emit('sessionRevoked', { sessionId, userId });
  }
}
