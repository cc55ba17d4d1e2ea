import {
  BadRequestException,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { Limits } from '@app/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parse as parseForm } from 'node:querystring';

/**
 * Deepest array/object nesting a JSON body may have. Every DTO is flat; class-transformer recurses
 * once per level and overflows the stack at a few thousand levels (a ~10 KB body), which would
 * surface as a 500.
 */
export const MAX_JSON_DEPTH = 32;

/** Room for a 64 KB queue value after form encoding; the value itself is checked afterwards. */
const FORM_MAX_BYTES = 256 * 1024;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)"?/i;

/**
 * The body limit of a route: /mq/q takes batches (1000 values in one body), RestMQ's form routes
 * under /mq a form-encoded value, everything else one frame.
 */
export function bodyLimitOf(url: string): number {
  if (url === '/mq/q' || url.startsWith('/mq/q/')) return Limits.queueBatchBodyMaxBytes;
  if (isQueueRoute(url)) return FORM_MAX_BYTES;
  return Limits.frameMaxBytes;
}

function isQueueRoute(url: string): boolean {
  return url === '/mq' || url.startsWith('/mq/') || url.startsWith('/mq?');
}

/**
 * The API's body parsers, in place of Fastify's: JSON objects and arrays (strict, UTF-8, nested at
 * most MAX_JSON_DEPTH), forms on the queue routes only (RestMQ's clients post forms), and any other
 * body read within the limit and left unparsed, as a missing body, for validation to refuse.
 * Every failure answers in the API's error shape.
 */
export function registerBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addHook('onRoute', (route) => {
    route.bodyLimit = bodyLimitOf(route.url ?? route.path);
  });
  // A declared length over the limit is refused before a byte is read, in the API's words.
  fastify.addHook('preParsing', (req, _reply, payload, done) => {
    const limit = req.routeOptions.bodyLimit;
    if (Number(req.headers['content-length']) > limit) return done(tooLarge(limit));
    done(null, payload);
  });
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    try {
      done(null, parseJson(req, body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (req, body, done) => {
      if (!isQueueRoute(req.url)) return done(null, undefined);
      if (Buffer.byteLength(body) > FORM_MAX_BYTES) return done(tooLarge(FORM_MAX_BYTES));
      done(null, { ...parseForm(body as string) });
    },
  );
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) =>
    done(null, undefined),
  );
}

function tooLarge(limit: number): PayloadTooLargeException {
  return new PayloadTooLargeException(`Body larger than ${limit / 1024}kb`);
}

function parseJson(req: FastifyRequest, body: string): unknown {
  const charset = CHARSET.exec(req.headers['content-type'] ?? '')?.[1].toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    throw new UnsupportedMediaTypeException(`unsupported charset "${charset.toUpperCase()}"`);
  }
  if (body.length === 0) return {};
  // Only an object or an array is a body; a bare string or number is a client's mistake.
  const first = body.trimStart()[0];
  if (first !== '{' && first !== '[') throw new BadRequestException('Malformed JSON body');
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new BadRequestException('Malformed JSON body');
  }
  if (exceedsDepth(value, MAX_JSON_DEPTH)) {
    throw new BadRequestException(`JSON body nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  return value;
}

/** True when arrays/objects nest more than `max` levels; iterative, so any depth is safe to check. */
export function exceedsDepth(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}
