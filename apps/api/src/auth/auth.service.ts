import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError, SessionsService, toUser, UsersService } from '@app/chat';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import type { AuthResult } from '@app/contracts';
import type { FastifyRequest } from 'fastify';
import type { SessionUser } from '../common/current-user.decorator';
import { clearCookie, HttpExchange, isSecure, setCookie } from '../common/http';
import { KnownDevice } from './known-device';
import { assertGuessResistant } from './password-policy';

/**
 * Logins and the session lifecycle, for every HTTP login route (the API's passport route and the
 * reference client's `/login`): one password check with the same limits, lockout and log line;
 * every login gets a fresh session id, set as the signed cookie and returned as the token;
 * logout revokes it everywhere.
 */
@Injectable()
export class AuthService {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly devices: KnownDevice,
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
  ) {}

  async register(http: HttpExchange, username: string, password: string): Promise<AuthResult> {
    assertGuessResistant('password', password);
    const user = await this.users.register(username, password);
    return this.startSession(http, { id: user.id, username: user.username });
  }

  /**
   * Checks a password under the login limits (LoginLimiter: per name and client, lockout with
   * growing blocks) and logs refusals; throws 401 (one message for unknown name and wrong
   * password) or 429.
   */
  async verify(req: FastifyRequest, username: string, password: string): Promise<SessionUser> {
    const client = this.devices.clientOf(req);
    try {
      const user = await this.users.authenticate(username, password, client);
      return { id: user.id, username: user.username };
    } catch (err) {
      if (err instanceof DomainError || (err as { status?: number }).status === 429)
        this.logger.warn(
          `login refused for "${username}" from ${client.ip}: ${(err as Error).message}`,
        );
      throw err;
    }
  }

  /**
   * The reference client's login: as `verify` + `startSession`, and with SIGNUP_ON_LOGIN an unknown
   * name is registered first (`created`).
   */
  async login(
    http: HttpExchange,
    username: string,
    password: string,
  ): Promise<{ result: AuthResult; created: boolean }> {
    if (this.config.signupOnLogin && !(await this.users.findByUsername(username))) {
      try {
        return { result: await this.register(http, username, password), created: true };
      } catch (err) {
        // Lost a registration race for this name: fall through to a normal login.
        if (!(err instanceof DomainError && err.code === 'conflict')) throw err;
      }
    }
    const user = await this.verify(http.req, username, password);
    return { result: await this.startSession(http, user), created: false };
  }

  /**
   * A new session for the user, replacing whatever session the request came with (session
   * fixation): the cookie is set and the id returned as the token (cookie and bearer token are
   * one session).
   */
  async startSession(http: HttpExchange, user: SessionUser): Promise<AuthResult> {
    const { req, reply } = http;
    const sessionId = await this.sessions.start(user, req.principal);
    req.principal = { userId: user.id, username: user.username, sessionId, via: 'cookie' };
    req.user = user;
    setCookie(reply, this.config.session.cookieName, this.sessions.cookieValue(sessionId), {
      httpOnly: true,
      sameSite: 'lax',
      secure: isSecure(req),
      maxAgeMs: this.config.session.ttlSeconds * 1000,
      path: '/',
    });
    this.devices.remember(http, user.id);
    const [withPresence] = await this.users.findMany([user.id]);
    return { user: withPresence ?? toUser(user, false), token: sessionId };
  }

  /**
   * Checks the current password, stores the new one, and rotates the session: the caller gets a
   * fresh session, and every earlier session of the user (the caller's old one included) is
   * destroyed and revoked, so no socket or token from before the change keeps working.
   */
  async changePassword(
    http: HttpExchange,
    user: SessionUser,
    currentPassword: string,
    newPassword: string,
  ): Promise<AuthResult> {
    assertGuessResistant('newPassword', newPassword);
    const record = await this.users.changePassword(
      user,
      currentPassword,
      newPassword,
      this.devices.clientOf(http.req),
    );
    const current = http.req.principal?.sessionId;
    const others = (await this.sessions.sessionIdsOf(record.id)).filter((sid) => sid !== current);
    // startSession replaces and revokes the caller's own session; the others are ended here.
    const result = await this.startSession(http, { id: record.id, username: record.username });
    await Promise.all(
      others.map((sessionId) => this.sessions.end({ sessionId, userId: record.id })),
    );
    return result;
  }

  /** Ends the request's session everywhere; a browser's cookie is cleared too. */
  async logout({ req, reply }: HttpExchange): Promise<void> {
    const principal = req.principal;
    if (principal && !principal.scopes) await this.sessions.end(principal);
    if (principal?.via === 'cookie') clearCookie(reply, this.config.session.cookieName);
  }
}
