import type { RequestHandler } from 'express';
import type { SessionCookie } from '@app/chat';

const BEARER = /^Bearer\s+([A-Za-z0-9_-]{16,128})\s*$/i;

declare module 'http' {
  interface IncomingMessage {
    /** The token (which is the session id) when the request authenticated with `Authorization: Bearer`. */
    parleyBearer?: string;
  }
}

/**
 * A bearer token is the session id. Presenting it as the signed session cookie lets
 * express-session load the one server-side session for both forms, so logging out with either
 * ends both. Any cookie sent alongside is dropped: the token decides.
 */
export function bearerToSessionCookie(cookie: SessionCookie): RequestHandler {
  return (req, _res, next) => {
    const match = BEARER.exec(req.headers.authorization ?? '');
    if (match) {
      req.headers.cookie = cookie.headerFor(match[1]);
      req.parleyBearer = match[1];
    }
    next();
  };
}
