import type { Credentials } from './sessions.service';
import type { SessionCookie } from './session-cookie';

const BEARER = /^Bearer\s+(\S+)\s*$/i;
/** Session ids are 32 characters and API tokens 47: anything far longer is no credential. */
const MAX_TOKEN_LENGTH = 128;

/** The token of an `Authorization: Bearer` header, or null. */
export function bearerToken(authorization: string | undefined): string | null {
  return BEARER.exec(authorization ?? '')?.[1] ?? null;
}

/**
 * The one credential a request or handshake presents, in this order: a socket's `auth.token`,
 * an `Authorization: Bearer` token, the signed session cookie. A presented token decides alone
 * (an unknown one is refused, never replaced by a cookie sent alongside). Tokens in the query
 * string are not looked at: they end up in logs.
 */
export function presentedCredential(
  { headers, auth }: Credentials,
  cookie: SessionCookie,
): { value: string; via: 'cookie' | 'bearer' } | null {
  const fromAuth = (auth as { token?: unknown } | undefined)?.token;
  const token =
    typeof fromAuth === 'string' && fromAuth !== '' ? fromAuth : bearerToken(headers.authorization);
  if (token !== null) {
    return token.length > 0 && token.length <= MAX_TOKEN_LENGTH
      ? { value: token, via: 'bearer' }
      : null;
  }
  const sessionId = cookie.sessionIdIn(headers.cookie);
  return sessionId ? { value: sessionId, via: 'cookie' } : null;
}
