import { HttpException } from '@nestjs/common';
import { DomainError, RateLimitedException } from '@app/chat';
import type { AckError } from '@app/contracts';
import { isRedisUnavailable } from '@app/redis';

export type ErrorAck = { ok: false; error: AckError };

const CODES: Record<number, AckError['code']> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  429: 'rate_limited',
  503: 'unavailable',
};

export function errorAck(code: AckError['code'], message: string, retryAfterMs?: number): ErrorAck {
  return {
    ok: false,
    error: retryAfterMs === undefined ? { code, message } : { code, message, retryAfterMs },
  };
}

/** Maps what a service threw to an ack; never rethrows, so no event can take the process down. */
export function toErrorAck(err: unknown): ErrorAck {
  if (err instanceof RateLimitedException)
    return errorAck('rate_limited', err.message, err.retryAfterMs);
  if (err instanceof DomainError) return errorAck(err.code, err.message);
  if (err instanceof HttpException)
    return errorAck(CODES[err.getStatus()] ?? 'internal', err.message);
  if (isRedisUnavailable(err))
    return errorAck('unavailable', 'Storage is unavailable, retry shortly');
  return errorAck('internal', 'Internal error');
}
