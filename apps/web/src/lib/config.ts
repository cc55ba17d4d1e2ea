import { ApiPaths, WebPaths } from '../contracts';

/**
 * Client configuration. The Socket.IO endpoint is, in order:
 *  1. `?gateway=<url>` in the page address (this tab only; the URL must be on the page's own host,
 *     any port, so a crafted link cannot send the session to another site),
 *  2. `gatewayUrl` in `config.json` beside index.html (set by whoever deploys the static files),
 *  3. `gatewayUrl` from the API's `GET /api/config` (its PUBLIC_GATEWAY_URL),
 *  4. the page's own origin (the API proxies /socket.io to the gateways; nginx in production).
 * The demo-account hint comes from the API (it knows whether demo data is on), else config.json.
 */
export interface WebConfig {
  gatewayUrl: string | null;
  /** Demo accounts offered on the sign-in form (empty: no hint). */
  demoUsers: string[];
}

const DEFAULTS: WebConfig = { gatewayUrl: null, demoUsers: [] };

async function fetchJson(url: string): Promise<Partial<WebConfig>> {
  try {
    const res = await fetch(url, { cache: 'no-store' });
    return res.ok ? ((await res.json()) as Partial<WebConfig>) : {};
  } catch {
    return {};
  }
}

export async function loadConfig(): Promise<WebConfig> {
  const [file, api] = await Promise.all([
    fetchJson(WebPaths.deployConfig),
    fetchJson(ApiPaths.clientConfig),
  ]);
  const url = (v: unknown) => (typeof v === 'string' && v ? v : null);
  const demo = Array.isArray(api.demoUsers) ? api : file;
  const config: WebConfig = {
    gatewayUrl: url(file.gatewayUrl) ?? url(api.gatewayUrl),
    demoUsers: Array.isArray(demo.demoUsers) ? demo.demoUsers.map(String) : DEFAULTS.demoUsers,
  };
  const fromQuery = gatewayFromQuery(window.location);
  if (fromQuery) config.gatewayUrl = fromQuery;
  return config;
}

export function gatewayFromQuery(location: Location): string | null {
  const value = new URLSearchParams(location.search).get('gateway');
  if (!value) return null;
  try {
    const url = new URL(value, location.href);
    if (
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      url.hostname === location.hostname
    )
      return url.origin;
  } catch {
    // fall through
  }
  console.warn(`Ignoring ?gateway=${value}: it must be an http(s) URL on ${location.hostname}`);
  return null;
}
