import type { RequestHandler } from 'express';
import { sign } from 'cookie-signature';

const BEARER = /^Bearer\s+([A-Za-z0-9_-]{16,128})\s*$/i;

declare module 'http' {
  interface IncomingMessage {
    /** True when the request authenticated with `Authorization: Bearer`, not the cookie. */
    parleyBearer?: boolean;
  }
}

/**
 * A bearer token is the session id. Presenting it as the signed session cookie lets
 * express-session load the one server-side session for both forms, so logging out with either
 * ends both. Any cookie sent alongside is dropped: the token decides.
 */
export function bearerToSessionCookie(cookieName: string, secret: string): RequestHandler {
  return (req, _res, next) => {
    const match = BEARER.exec(req.headers.authorization ?? '');
    if (match) {
      req.headers.cookie = `${cookieName}=${encodeURIComponent(`s:${sign(match[1], secret)}`)}`;
      req.parleyBearer = true;
    }
    next();
  };
}
