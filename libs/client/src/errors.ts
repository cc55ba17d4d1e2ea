import type { AckError } from '@app/contracts';

/** A REST call answered with an error status; `body` is the server's `{statusCode, error, message}`. */
export class ParleyHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: { statusCode?: number; error?: string; message?: string | string[] } | null,
    /** From `Retry-After` on a 429, in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    const detail = body?.message;
    super(`${status} ${Array.isArray(detail) ? detail.join('; ') : (detail ?? body?.error ?? '')}`);
    this.name = 'ParleyHttpError';
  }
}

/** A Socket.IO event was refused (`{ok: false, error}`) or got no ack in time (`timeout`). */
export class ParleyAckError extends Error {
  constructor(
    readonly code: AckError['code'] | 'timeout',
    /** The server's words (or the SDK's, for `timeout`), fit to show a person. */
    readonly reason: string,
    readonly retryAfterMs?: number,
  ) {
    super(`${code}: ${reason}`);
    this.name = 'ParleyAckError';
  }

  static from(error: AckError): ParleyAckError {
    return new ParleyAckError(error.code, error.message, error.retryAfterMs);
  }
}
