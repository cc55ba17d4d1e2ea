import { HttpException, HttpStatus } from '@nestjs/common';

/** 429 that carries how long to wait; the HTTP filter turns it into a Retry-After header. */
export class RateLimitedException extends HttpException {
  constructor(
    readonly retryAfterMs: number,
    message = 'Too many requests',
  ) {
    super(
      {
        statusCode: HttpStatus.TOO_MANY_REQUESTS,
        error: 'Too Many Requests',
        message,
        retryAfterMs,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
