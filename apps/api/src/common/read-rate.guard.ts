import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ReadRateLimiter } from '@app/chat';
import type { FastifyRequest } from 'fastify';

const READ_METHODS = new Set(['GET', 'HEAD']);
export const NO_READ_LIMIT = 'parley:noReadLimit';

/** For GETs that are not reads: a queue's hard get takes the message (bounded by what was added). */
export const NoReadLimit = () => SetMetadata(NO_READ_LIMIT, true);

/**
 * Global guard after SessionGuard (it needs `req.user`): every GET/HEAD of a signed-in user
 * counts against LIMIT_READS_PER_MINUTE, on /api and the reference client's root routes alike,
 * so no script can read without bound. Writes have their own limits. Counters are in Redis,
 * shared by every replica (ReadRateLimiter in libs/chat).
 */
@Injectable()
export class ReadRateGuard implements CanActivate {
  constructor(
    private readonly reads: ReadRateLimiter,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    if (!req.user || !READ_METHODS.has(req.method)) return true;
    if (
      this.reflector.getAllAndOverride<boolean>(NO_READ_LIMIT, [
        context.getHandler(),
        context.getClass(),
      ])
    ) {
      return true;
    }
    await this.reads.hit(req.user.id);
    return true;
  }
}
