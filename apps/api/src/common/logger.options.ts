import type { ParleyConfig } from '@app/config';
import type { Params } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';

/**
 * pino-http: one line per request. Headers that carry credentials are redacted, bodies are never
 * logged, and the query string is cut off (it may carry a Socket.IO sid or user ids).
 */
export function loggerOptions(config: ParleyConfig): Params {
  // Request lines are info-level: above that the middleware would only cost time (and put an
  // AsyncLocalStorage hook on every promise), so it is not installed.
  const requestLogs = ['info', 'debug', 'trace'].includes(config.logLevel);
  return {
    ...(requestLogs ? {} : { forRoutes: [] }),
    pinoHttp: {
      level: config.logLevel,
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
        censor: '[redacted]',
      },
      serializers: {
        req: (req: IncomingMessage & { id?: unknown; method?: string; url?: string }) => ({
          id: req.id,
          method: req.method,
          url: wholeUrl(req).split('?')[0],
        }),
      },
      // The whole path: the middleware runs mounted, and its req.url is relative to the mount.
      autoLogging: { ignore: (req) => wholeUrl(req).startsWith('/api/health') },
      ...(config.env === 'development' && process.stdout.isTTY
        ? { transport: { target: 'pino-pretty', options: { singleLine: true } } }
        : {}),
    },
  };
}

function wholeUrl(req: IncomingMessage & { originalUrl?: string }): string {
  return req.originalUrl ?? req.url ?? '';
}
