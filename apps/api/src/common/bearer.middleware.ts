import type { RequestHandler } from 'express';
import { sign } from 'cookie-signature';

const SIGNED_CACHE_MAX = 10_000;
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
  // Signing is an HMAC per request; a client sends the same token every time, so remember a few
  // thousand signed values (a Map keeps insertion order: the oldest goes first when full).
  const signed = new Map<string, string>();
  const cookieFor = (token: string) => {
    let value = signed.get(token);
    if (value === undefined) {
      value = `${cookieName}=${encodeURIComponent(`s:${sign(token, secret)}`)}`;
      if (signed.size >= SIGNED_CACHE_MAX) signed.delete(signed.keys().next().value as string);
      signed.set(token, value);
    }
    return value;
  };
  return (req, _res, next) => {
    const match = BEARER.exec(req.headers.authorization ?? '');
    if (match) {
      req.headers.cookie = cookieFor(match[1]);
      req.parleyBearer = true;
    }
    next();
  };
}
