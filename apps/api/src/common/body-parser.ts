import { json, type RequestHandler } from 'express';
import { httpReason } from './http-exception.filter';

/**
 * Deepest array/object nesting a JSON body may have. Every DTO is flat; class-transformer recurses
 * once per level and overflows the stack at a few thousand levels (a ~10 KB body), which would
 * surface as a 500.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * JSON body parsing whose failures (malformed JSON, too large, wrong charset, nested too deeply)
 * answer in the API's error shape instead of Express's HTML page or a 500.
 */
export function jsonBody(limit: string): RequestHandler {
  const parse = json({ limit, strict: true });
  return (req, res, next) =>
    parse(req, res, (err?: unknown) => {
      if (!err) {
        if (!exceedsDepth(req.body, MAX_JSON_DEPTH)) return next();
        return res.status(400).json({
          statusCode: 400,
          error: httpReason(400),
          message: `JSON body nested deeper than ${MAX_JSON_DEPTH} levels`,
        });
      }
      const status = (err as { status?: number }).status ?? 400;
      const type = (err as { type?: string }).type;
      const message =
        type === 'entity.parse.failed'
          ? 'Malformed JSON body'
          : type === 'entity.too.large'
            ? `Body larger than ${limit}`
            : (err as Error).message;
      res.status(status).json({ statusCode: status, error: httpReason(status), message });
    });
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
