import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SessionsService } from '@app/chat';
import type { FastifyRequest } from 'fastify';
import { IS_PUBLIC_KEY } from '../common/public.decorator';
import { assertTokenScope } from '../tokens/token-scope.guard';

/**
 * The API's one authentication step, global: the session cookie or `Authorization: Bearer`
 * (session token or API token) resolved by SessionsService, the same service the gateways'
 * handshake uses, on every route and method. Sets `req.principal` and `req.user` (also on
 * @Public() routes, which then merely do not require them); an API token must carry the route's
 * scope (tokens/token-scope.guard.ts).
 */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = await this.sessions.resolve({ headers: req.headers });
    if (principal) {
      req.principal = principal;
      req.user = { id: principal.userId, username: principal.username };
    }
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return true;
    if (!principal) throw new UnauthorizedException('Authentication required');
    if (principal.scopes) assertTokenScope(this.reflector, context, principal.scopes);
    return true;
  }
}
