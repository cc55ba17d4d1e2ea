import type { RequestHandler } from 'express';
import { sign } from 'cookie-signature';
import { LRUCache } from 'lru-cache';

const SIGNED_CACHE_MAX = 10_000;
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
export function bearerToSessionCookie(cookieName: string, secret: string): RequestHandler {
  // Signing is an HMAC per request; a client sends the same token every time.
  const signed = new LRUCache<string, string>({ max: SIGNED_CACHE_MAX });
  const cookieFor = (token: string) => {
    let value = signed.get(token);
    if (value === undefined) {
      value = `${cookieName}=${encodeURIComponent(`s:${sign(token, secret)}`)}`;
      signed.set(token, value);
    }
    return value;
  };
  return (req, _res, next) => {
    const match = BEARER.exec(req.headers.authorization ?? '');
    if (match) {
      req.headers.cookie = cookieFor(match[1]);
      req.parleyBearer = match[1];
    }
    next();
  };
}
