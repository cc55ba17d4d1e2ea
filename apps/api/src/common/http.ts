import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Principal } from '@app/chat';
import { serialize, type SerializeOptions } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { SessionUser } from './current-user.decorator';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the request speaks for (session or API token); set by SessionGuard, on every route. */
    principal?: Principal;
    /** The principal's user; passport-local sets it on a login as well. */
    user?: SessionUser;
  }
}

/** A request with its reply: for what must set cookies and still return a value (auth). */
export interface HttpExchange {
  req: FastifyRequest;
  reply: FastifyReply;
}

/** The request and its reply, without taking the response over as `@Res()` would. */
export const Exchange = createParamDecorator((_: unknown, ctx: ExecutionContext): HttpExchange => ({
  req: ctx.switchToHttp().getRequest<FastifyRequest>(),
  reply: ctx.switchToHttp().getResponse<FastifyReply>(),
}));

/** True when the client reached us over TLS (directly or, with TRUST_PROXY, via the proxy). */
export function isSecure(req: FastifyRequest): boolean {
  return req.protocol === 'https';
}

/** Adds a cookie to the reply; Max-Age in ms, as browsers get both Max-Age and Expires. */
export function setCookie(
  reply: FastifyReply,
  name: string,
  value: string,
  options: Omit<SerializeOptions, 'maxAge' | 'expires'> & { maxAgeMs?: number },
): void {
  const { maxAgeMs, ...rest } = options;
  const timing =
    maxAgeMs === undefined
      ? {}
      : { maxAge: Math.floor(maxAgeMs / 1000), expires: new Date(Date.now() + maxAgeMs) };
  // Fastify appends a set-cookie header to those already set instead of replacing them.
  reply.header('set-cookie', serialize(name, value, { ...rest, ...timing }));
}

/** Tells the browser to drop the cookie. */
export function clearCookie(reply: FastifyReply, name: string, path = '/'): void {
  reply.header('set-cookie', serialize(name, '', { path, expires: new Date(0) }));
}

/**
 * Takes the response over for a long-lived stream (SSE, comet): Fastify will not send it. The
 * headers already set on the reply (CORS) go with the raw response's head, then the stream's
 * own, and `X-Accel-Buffering: no` so that a reverse proxy (nginx) does not hold the stream back.
 */
export function takeOver(
  reply: FastifyReply,
  headers: Record<string, string>,
  status = 200,
): ServerResponse {
  const set = reply.getHeaders();
  reply.hijack();
  const res = reply.raw;
  res.statusCode = status;
  for (const [name, value] of Object.entries(set)) {
    if (value !== undefined) res.setHeader(name, value);
  }
  for (const [name, value] of Object.entries({ ...headers, 'X-Accel-Buffering': 'no' })) {
    res.setHeader(name, value);
  }
  return res;
}
