import type { ParleyConfig } from '@app/config';
import type { IncomingMessage } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A Host header we are willing to echo into the policy (a name or an address, then a port). */
const HOST = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/;

/**
 * helmet's Content-Security-Policy for everything the API serves, the web client included: on
 * top of helmet's defaults (scripts, frames, forms, base only from the origin; no plugins), the
 * page may connect to its own host on any port (the same rule as the origin allowlist: the API,
 * and gateways picked with ?gateway= in development) and to the configured gateway, over HTTP
 * (Socket.IO polling) and WebSocket. The built client has no inline script, so none is allowed.
 */
export function contentSecurityPolicy(config: ParleyConfig, webRoot: string) {
  const gateways = [config.publicGatewayUrl, deployedGatewayUrl(webRoot)].flatMap(originsOf);
  return {
    useDefaults: true,
    directives: {
      'connect-src': ["'self'", sameHostAnyPort, ...new Set(gateways)],
      // Swagger UI (/api/docs) needs its inline <style> blocks; styles cannot run code.
      'style-src': ["'self'", "'unsafe-inline'"],
      // TLS is the reverse proxy's job; over plain HTTP this would break every request.
      'upgrade-insecure-requests': null,
    },
  } as const;
}

function sameHostAnyPort(req: IncomingMessage): string {
  const match = HOST.exec(req.headers.host ?? '');
  if (!match) return "'self'";
  const host = match[1];
  return ['http', 'https', 'ws', 'wss'].map((scheme) => `${scheme}://${host}:*`).join(' ');
}

/** The http(s) origin of a gateway URL and its WebSocket twin. */
function originsOf(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const { origin, protocol } = new URL(url);
    if (protocol !== 'http:' && protocol !== 'https:') return [];
    return [origin, origin.replace(/^http/, 'ws')];
  } catch {
    return [];
  }
}

/** The gatewayUrl a deployer put into the web client's config.json, if any. */
function deployedGatewayUrl(webRoot: string): string | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(webRoot, 'config.json'), 'utf8')) as {
      gatewayUrl?: unknown;
    };
    return typeof parsed.gatewayUrl === 'string' ? parsed.gatewayUrl : undefined;
  } catch {
    return undefined;
  }
}
