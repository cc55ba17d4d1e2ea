import { ExecutionContext, ForbiddenException, SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { ApiTokenScope } from '@app/contracts';
import type { FastifyRequest } from 'fastify';

const SCOPE_KEY = 'parley:tokenScope';

/** The scope an API token needs for this route (sessions need none). */
export const RequiresScope = (scope: ApiTokenScope) => SetMetadata(SCOPE_KEY, scope);

/**
 * Scopes of routes declared before tokens existed, by route pattern, so those controllers stay
 * as they are. Reads and writes of messages, then of rooms (and the people in them).
 */
function scopeByRoute(method: string, path: string): ApiTokenScope | null {
  const read = method === 'GET' || method === 'HEAD';
  if (/^\/api\/rooms\/[^/]+\/messages(\/|$)/.test(path)) {
    return read ? 'messages:read' : 'messages:write';
  }
  if (path.startsWith('/api/rooms')) return read ? 'rooms:read' : 'rooms:write';
  if (read && (path === '/api/me' || path.startsWith('/api/users'))) return 'rooms:read';
  return null;
}

/**
 * A request made with an API token must carry the route's scope (SessionGuard asks, after it
 * resolved the token). Routes with no scope (account, password, tokens themselves, the reference
 * client's routes) are for sessions only, so a leaked token can never mint tokens or change the
 * password.
 */
export function assertTokenScope(
  reflector: Reflector,
  context: ExecutionContext,
  scopes: readonly string[],
): void {
  const req = context.switchToHttp().getRequest<FastifyRequest>();
  const targets = [context.getHandler(), context.getClass()];
  const scope =
    reflector.getAllAndOverride<ApiTokenScope | undefined>(SCOPE_KEY, targets) ??
    scopeByRoute(req.method, req.routeOptions.url ?? req.url.split('?')[0]);
  if (!scope) throw new ForbiddenException('API tokens cannot use this route; sign in instead');
  if (!scopes.includes(scope))
    throw new ForbiddenException(`This API token lacks the "${scope}" scope`);
}
