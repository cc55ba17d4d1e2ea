import type { AckError } from '@app/contracts';

export type DomainErrorCode = Exclude<AckError['code'], 'unavailable' | 'internal'>;

/**
 * A rule of the chat domain said no. Each transport maps the code once (REST: a status, the
 * socket: an ack, the line door: an ERR line); the domain never speaks HTTP.
 */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const NotFound = (message = 'Room not found') => new DomainError('not_found', message);
export const Forbidden = (message: string) => new DomainError('forbidden', message);
export const Conflict = (message: string) => new DomainError('conflict', message);
export const BadRequest = (message: string) => new DomainError('bad_request', message);
export const Unauthorized = (message: string) => new DomainError('unauthorized', message);
/** The other user blocked the caller (a 403 on REST, its own code on sockets and the door). */
export const Blocked = (message = 'This user does not accept this from you') =>
  new DomainError('blocked', message);

/** Too many requests, with how long to wait. */
export class RateLimitedException extends DomainError {
  constructor(
    readonly retryAfterMs: number,
    message = 'Too many requests',
  ) {
    super('rate_limited', message);
  }
}

/** The HTTP status of each code: used by the REST transport only. */
export const HTTP_STATUS: Record<DomainErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  blocked: 403,
};
