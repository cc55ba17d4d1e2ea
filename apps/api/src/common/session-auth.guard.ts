import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { UsersService } from '@app/chat';
import type { Request } from 'express';
import { IS_PUBLIC_KEY } from './public.decorator';

/**
 * Global guard: a route needs a live server-side session (cookie or bearer token, both resolved
 * before this runs) of an account that still exists, unless it is marked @Public().
 */
@Injectable()
export class SessionAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly users: UsersService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const session = req.session;
    if (session?.userId && session.username && (await this.users.accountExists(session.userId))) {
      req.user = { id: session.userId, username: session.username };
    }
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic || req.user) return true;
    throw new UnauthorizedException('Authentication required');
  }
}
