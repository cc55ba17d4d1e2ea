import { json, type RequestHandler } from 'express';
import { httpReason } from './http-exception.filter';

/**
 * JSON body parsing whose failures (malformed JSON, too large, wrong charset) answer in the API's
 * error shape instead of Express's HTML page.
 */
export function jsonBody(limit: string): RequestHandler {
  const parse = json({ limit, strict: true });
  return (req, res, next) =>
    parse(req, res, (err?: unknown) => {
      if (!err) return next();
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
