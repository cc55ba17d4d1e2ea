import type { RequestHandler } from 'express';
import { ApiTokensService, isApiToken, type ApiTokenIdentity } from '@app/chat';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

declare module 'http' {
  interface IncomingMessage {
    /** Set when the request authenticated with an API token: the token's scopes apply. */
    parleyApiToken?: ApiTokenIdentity;
  }
}

/**
 * `Authorization: Bearer prl_…` is an API token, not a session: resolved here, before the
 * session middleware, into `req.user` (which the session guard accepts) and the token's scopes
 * (which TokenScopeGuard enforces). The header and any cookie are then dropped, so an unknown or
 * revoked token is a 401 and never some session's.
 */
export function apiTokenAuth(tokens: Pick<ApiTokensService, 'resolve'>): RequestHandler {
  return (req, _res, next) => {
    const match = BEARER.exec(req.headers.authorization ?? '');
    if (!match || !isApiToken(match[1])) return next();
    delete req.headers.authorization;
    delete req.headers.cookie;
    tokens.resolve(match[1]).then((identity) => {
      if (identity) {
        req.parleyApiToken = identity;
        req.user = { id: identity.userId, username: identity.username };
      }
      next();
    }, next);
  };
}
