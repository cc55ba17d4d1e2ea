import type { RequestHandler } from 'express';
import type { Session, SessionData } from 'express-session';
import type { SessionCookie, SessionsService } from '@app/chat';

const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * GET and HEAD never change a session, so they need none of express-session's change tracking,
 * cookie rewriting and save-on-end (about a tenth of an API process's time per request in the
 * history benchmark): the session is read straight from the store. The session object is frozen,
 * so a read handler that tried to change it would fail loudly rather than lose the change.
 * Other methods, and reads whose session is missing or unreadable, go on to express-session.
 */
export function readOnlySession(
  cookie: SessionCookie,
  sessions: Pick<SessionsService, 'get'>,
): RequestHandler {
  return (req, _res, next) => {
    if (!READ_METHODS.has(req.method)) return next();
    const sid = req.parleyBearer ?? cookie.sessionIdIn(req.headers.cookie);
    if (!sid) return next();
    sessions.get(sid).then(
      (data) => {
        if (data?.userId) {
          req.sessionID = sid;
          req.session = Object.freeze({ ...data }) as unknown as Session & Partial<SessionData>;
        }
        next();
      },
      // express-session reads it again and reports the failure the usual way.
      () => next(),
    );
  };
}
