import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError, HTTP_STATUS, RateLimitedException } from '@app/chat';
import { isRedisUnavailable } from '@app/redis';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  retryAfterMs?: number;
}

/**
 * Nest's error shape for every failure, 429 with Retry-After, and 503 while Redis is away. The
 * one place where the domain's errors become HTTP statuses.
 */
export function toErrorBody(exception: unknown): ErrorBody {
  if (exception instanceof DomainError) {
    const statusCode = HTTP_STATUS[exception.code];
    return {
      statusCode,
      error: httpReason(statusCode),
      message: exception.message,
      ...(exception instanceof RateLimitedException
        ? { retryAfterMs: exception.retryAfterMs }
        : {}),
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const body =
      typeof response === 'object' && response !== null ? (response as Partial<ErrorBody>) : {};
    return {
      statusCode: status,
      error: body.error ?? httpReason(status),
      message: body.message ?? (typeof response === 'string' ? response : exception.message),
    };
  }
  if (isRedisUnavailable(exception)) {
    return {
      statusCode: HttpStatus.SERVICE_UNAVAILABLE,
      error: 'Service Unavailable',
      message: 'Storage is unavailable, retry shortly',
    };
  }
  return { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' };
}

export function httpReason(status: number): string {
  const name = HttpStatus[status] as string | undefined;
  if (!name) return 'Error';
  return name
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const body = this.shape(exception);
    if (body.statusCode >= 500 && body.statusCode !== 503) {
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      );
    }
    // A stream (SSE, comet) that failed after taking the response over has sent its head.
    if (reply.sent || reply.raw.headersSent) return;
    if (body.statusCode === 429 && !reply.hasHeader('Retry-After')) {
      reply.header(
        'Retry-After',
        String(Math.max(1, Math.ceil((body.retryAfterMs ?? 1000) / 1000))),
      );
    }
    if (body.statusCode === 503) reply.header('Retry-After', '1');
    reply.code(body.statusCode).send(body);
  }

  /** Subclasses may reshape the body (the reference client wants a string `message`). */
  protected shape(exception: unknown): ErrorBody {
    return toErrorBody(exception);
  }
}
