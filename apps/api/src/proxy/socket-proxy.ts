import { Logger } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { createProxyMiddleware, RequestHandler } from 'http-proxy-middleware';
import { refuseUpgrade } from './refuse-upgrade';

const SID_IN_QUERY = /[?&]sid=([^&]+)/;
const SID_IN_HANDSHAKE = /"sid":"([^"]+)"/;
/** An Engine.IO session unused for this long is forgotten (its ping interval is 25 s). */
const IDLE_MS = 5 * 60_000;

/**
 * Routes Engine.IO sessions to gateways. A handshake (no `sid`) goes to the next gateway in turn;
 * the gateway's reply names the new `sid`, and every later request of that session (polling or
 * the WebSocket upgrade) goes to the same gateway. That stickiness is what lets polling clients,
 * such as the reference demo's, work behind several gateways.
 */
export class GatewayRouter {
  private readonly sessions = new Map<string, { target: string; seen: number }>();
  private next = 0;

  constructor(private readonly targets: readonly string[]) {}

  pick(url: string | undefined): string {
    const sid = SID_IN_QUERY.exec(url ?? '')?.[1];
    const known = sid ? this.sessions.get(safeDecode(sid)) : undefined;
    if (known) {
      known.seen = Date.now();
      return known.target;
    }
    const target = this.targets[this.next % this.targets.length];
    this.next = (this.next + 1) % this.targets.length;
    return target;
  }

  remember(sid: string, target: string): void {
    this.sessions.set(sid, { target, seen: Date.now() });
  }

  prune(now = Date.now()): void {
    for (const [sid, entry] of this.sessions)
      if (now - entry.seen > IDLE_MS) this.sessions.delete(sid);
  }

  get size(): number {
    return this.sessions.size;
  }
}

/** A malformed escape (`sid=%E0%A4%A`) must not throw: it would turn into a 500. */
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

type RoutedRequest = IncomingMessage & { parleyTarget?: string };

export interface SocketProxy {
  middleware: RequestHandler;
  upgrade: (req: IncomingMessage, socket: Socket, head: Buffer) => void;
  close: () => void;
}

export function createSocketProxy(targets: readonly string[], path = '/socket.io'): SocketProxy {
  const logger = new Logger('SocketProxy');
  const router = new GatewayRouter(targets);
  const pruner = setInterval(() => router.prune(), 60_000);
  pruner.unref();

  const middleware = createProxyMiddleware<IncomingMessage>({
    pathFilter: path,
    router: (req) => {
      const target = router.pick(req.url);
      (req as RoutedRequest).parleyTarget = target;
      return target;
    },
    changeOrigin: false,
    xfwd: true,
    ws: false,
    logger: undefined,
    on: {
      proxyRes: (proxyRes, req) => {
        // The gateway's framework name is nobody's business (helmet drops the API's own).
        delete proxyRes.headers['x-powered-by'];
        if (SID_IN_QUERY.test(req.url ?? '')) return;
        // A polling handshake: learn which gateway owns the new session from its reply.
        const target = (req as RoutedRequest).parleyTarget;
        let head = '';
        const onData = (chunk: Buffer) => {
          head += chunk.toString('latin1');
          const sid = SID_IN_HANDSHAKE.exec(head)?.[1];
          if (sid && target) router.remember(sid, target);
          if (sid || head.length > 4096) proxyRes.off('data', onData);
        };
        proxyRes.on('data', onData);
      },
      error: (err, _req, res) => {
        logger.warn(`gateway unreachable: ${err.message}`);
        if ('writeHead' in res && !res.headersSent) {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              statusCode: 502,
              error: 'Bad Gateway',
              message: 'No gateway is reachable',
            }),
          );
        } else if ('destroy' in res) {
          res.destroy();
        }
      },
    },
  });

  return {
    middleware,
    upgrade: (req, socket, head) => {
      const url = req.url ?? '';
      // The path itself, not any path that begins with its letters (/socket.iox).
      if (url === path || url.startsWith(`${path}/`) || url.startsWith(`${path}?`))
        middleware.upgrade(req, socket, head);
      else refuseUpgrade(socket);
    },
    close: () => clearInterval(pruner),
  };
}
