import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

export interface SessionUser {
  id: string;
  username: string;
}

/** The authenticated user; set by SessionGuard from the session or API token. */
export const CurrentUser = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): SessionUser =>
    ctx.switchToHttp().getRequest<FastifyRequest>().user!,
);
