import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { RateLimitedException } from '@app/chat';
import { LeasedRateLimiter } from '@app/chat/common/leased-rate-limiter';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { RateLimitRepository } from '@app/redis';
import type { Request } from 'express';

const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * Global guard after SessionAuthGuard (it needs `req.user`): every GET/HEAD of a signed-in user
 * counts against LIMIT_READS_PER_MINUTE, on /api and the reference client's root routes alike,
 * so no script can read without bound. Writes have their own limits. Counters are in Redis,
 * taken in leases (LeasedRateLimiter) so that the history hot path rarely waits for Redis.
 */
@Injectable()
export class ReadRateGuard implements CanActivate {
  private readonly limiter: LeasedRateLimiter;

  constructor(limits: RateLimitRepository, @Inject(PARLEY_CONFIG) config: ParleyConfig) {
    this.limiter = new LeasedRateLimiter(limits, 'read', config.limits.readsPerMinute, 60_000);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    if (!req.user || !READ_METHODS.has(req.method)) return true;
    const decision = await this.limiter.hit(req.user.id);
    if (!decision.allowed) throw new RateLimitedException(decision.retryAfterMs, 'Too many reads');
    return true;
  }
}
