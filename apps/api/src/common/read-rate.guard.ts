import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ReadRateLimiter } from '@app/chat';
import type { Request } from 'express';

const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * Global guard after SessionAuthGuard (it needs `req.user`): every GET/HEAD of a signed-in user
 * counts against LIMIT_READS_PER_MINUTE, on /api and the reference client's root routes alike,
 * so no script can read without bound. Writes have their own limits. Counters are in Redis,
 * shared by every replica (ReadRateLimiter in libs/chat).
 */
@Injectable()
export class ReadRateGuard implements CanActivate {
  constructor(private readonly reads: ReadRateLimiter) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    if (!req.user || !READ_METHODS.has(req.method)) return true;
    await this.reads.hit(req.user.id);
    return true;
  }
}
