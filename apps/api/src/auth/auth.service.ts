import { Injectable } from '@nestjs/common';
import { SessionsService, toUser, UsersService } from '@app/chat';
import type { AuthResult } from '@app/contracts';
import type { Request, Response } from 'express';
import type { SessionUser } from '../common/current-user.decorator';
import { KnownDevice } from './known-device';
import { assertGuessResistant } from './password-policy';

/** Session lifecycle: every login gets a fresh session id; logout revokes it everywhere. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly devices: KnownDevice,
  ) {}

  async register(req: Request, username: string, password: string): Promise<AuthResult> {
    assertGuessResistant('password', password);
    const user = await this.users.register(username, password);
    return this.startSession(req, { id: user.id, username: user.username });
  }

  /**
   * Replaces whatever session the request came with (session fixation) and records the new id
   * under the user so it can be revoked later. The token is the session id itself: cookie and
   * bearer token are one session.
   */
  async startSession(req: Request, user: SessionUser): Promise<AuthResult> {
    const previous = req.session.userId ? { sid: req.sessionID, userId: req.session.userId } : null;
    await settle((done) => req.session.regenerate(done));
    req.session.userId = user.id;
    req.session.username = user.username;
    await settle((done) => req.session.save(done));
    await this.sessions.track(user.id, req.sessionID);
    if (previous) await this.sessions.revoked(previous.sid, previous.userId);
    req.user = user;
    this.devices.remember(req, user.id);
    const [withPresence] = await this.users.findMany([user.id]);
    return { user: withPresence ?? toUser(user, false), token: req.sessionID };
  }

  /**
   * Checks the current password, stores the new one, and rotates the session: the caller gets a
   * fresh session, and every earlier session of the user (the caller's old one included) is
   * destroyed and revoked, so no socket or token from before the change keeps working.
   */
  async changePassword(
    req: Request,
    user: SessionUser,
    currentPassword: string,
    newPassword: string,
  ): Promise<AuthResult> {
    assertGuessResistant('newPassword', newPassword);
    const record = await this.users.changePassword(
      user,
      currentPassword,
      newPassword,
      this.devices.clientOf(req),
    );
    const current = req.sessionID;
    const others = (await this.sessions.sessionIdsOf(record.id)).filter((sid) => sid !== current);
    // startSession replaces and revokes the caller's own session; the others are ended here.
    const result = await this.startSession(req, { id: record.id, username: record.username });
    await Promise.all(
      others.map(async (sid) => {
        await this.sessions.destroy(sid);
        await this.sessions.revoked(sid, record.id);
      }),
    );
    return result;
  }

  async logout(req: Request, res: Response, cookieName: string): Promise<void> {
    const sid = req.sessionID;
    const userId = req.session.userId;
    await settle((done) => req.session.destroy(done));
    res.clearCookie(cookieName, { path: '/' });
    if (userId) await this.sessions.revoked(sid, userId);
  }
}

/** express-session's callback API as a promise. */
function settle(run: (done: (err?: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) =>
    run((err) =>
      err ? reject(err instanceof Error ? err : new Error('session store error')) : resolve(),
    ),
  );
}
