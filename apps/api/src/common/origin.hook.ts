import { bearerToken, isOriginAllowed } from '@app/chat';
import type { onRequestHookHandler } from 'fastify';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * CSRF defence for cookie sessions: a state-changing request from a foreign Origin is refused.
 * Bearer requests carry no ambient credential, so they are exempt: a presented token decides
 * alone (SessionsService), so a cookie sent alongside one is never used.
 */
export function refuseForeignOrigins(allowed: readonly string[]): onRequestHookHandler {
  return (req, reply, done) => {
    if (!STATE_CHANGING.has(req.method) || bearerToken(req.headers.authorization)) return done();
    if (isOriginAllowed(req.headers.origin, req.headers.host, allowed)) return done();
    void reply
      .code(403)
      .send({ statusCode: 403, error: 'Forbidden', message: 'Origin not allowed' });
  };
}
