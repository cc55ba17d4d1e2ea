import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { refuseUpgrade } from './refuse-upgrade';

const SID_IN_QUERY = /[?&]sid=([^&]+)/;
/** Tells the gateway which route tag to put at the head of the Engine.IO session id it makes. */
export const ROUTE_HEADER = 'x-parley-route';
const TAG_LENGTH = 8;

/** A gateway's tag: the same on every API replica configured with the same GATEWAY_URLS. */
export function routeTag(target: string): string {
  return createHash('sha256').update(target).digest('hex').slice(0, TAG_LENGTH);
}

/**
 * Routes Engine.IO sessions to gateways without remembering them. A handshake (no `sid`) goes to
 * the next gateway in turn, with the gateway's route tag in a header; the gateway begins the new
 * `sid` with it, so every later request of that session (polling or the WebSocket upgrade) is
 * routed by reading its `sid`, by whichever API replica it reaches. That stickiness is what lets
 * polling clients, such as the reference demo's, work behind several gateways and APIs.
 */
export class GatewayRouter {
  private readonly byTag: Map<string, string>;
  private next = 0;

  constructor(private readonly targets: readonly string[]) {
    this.byTag = new Map(targets.map((t) => [routeTag(t), t]));
  }

  pick(url: string | undefined): string {
    const sid = SID_IN_QUERY.exec(url ?? '')?.[1];
    const known = sid ? this.byTag.get(safeDecode(sid).slice(0, TAG_LENGTH)) : undefined;
    if (known) return known;
    const target = this.targets[this.next % this.targets.length];
    this.next = (this.next + 1) % this.targets.length;
    return target;
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

/** Ours replaces any the client sent; a client's own value would only mislabel its own session. */
function tagRoute(proxyReq: ClientRequest, req: IncomingMessage): void {
  const target = (req as RoutedRequest).parleyTarget;
  if (target) proxyReq.setHeader(ROUTE_HEADER, routeTag(target));
  else proxyReq.removeHeader(ROUTE_HEADER);
}

export interface SocketProxy {
  /** True for the proxied path itself, not any path that begins with its letters (/socket.iox). */
  handles: (url: string) => boolean;
  /** Sends the request to a gateway and its answer back. */
  web: (req: IncomingMessage, res: ServerResponse) => void;
  upgrade: (req: IncomingMessage, socket: Socket, head: Buffer) => void;
}

export function createSocketProxy(targets: readonly string[], path = '/socket.io'): SocketProxy {
  const logger = new Logger('SocketProxy');
  const router = new GatewayRouter(targets);

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
      proxyReq: (proxyReq, req) => tagRoute(proxyReq, req),
      proxyReqWs: (proxyReq, req) => tagRoute(proxyReq, req),
      proxyRes: (proxyRes) => {
        // The gateway's framework name is nobody's business (helmet drops the API's own).
        delete proxyRes.headers['x-powered-by'];
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

  const handles = (url: string) =>
    url === path || url.startsWith(`${path}/`) || url.startsWith(`${path}?`);
  return {
    handles,
    web: (req, res) => void middleware(req, res, () => undefined),
    upgrade: (req, socket, head) => {
      if (handles(req.url ?? '')) middleware.upgrade(req, socket, head);
      else refuseUpgrade(socket);
    },
  };
}
