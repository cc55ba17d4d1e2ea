/**
 * Client configuration. The Socket.IO endpoint is, in order:
 *  1. `?gateway=<url>` in the page address (this tab only; the URL must be on the page's own host,
 *     any port, so a crafted link cannot send the session to another site),
 *  2. `gatewayUrl` in `config.json` beside index.html (set by whoever deploys the static files),
 *  3. the page's own origin (the API proxies /socket.io to the gateways; nginx in production).
 */
export interface WebConfig {
  gatewayUrl: string | null;
  /** Demo accounts offered on the sign-in form (empty: no hint). */
  demoUsers: string[];
  demoPassword: string;
}

const DEFAULTS: WebConfig = { gatewayUrl: null, demoUsers: [], demoPassword: '' };

export async function loadConfig(): Promise<WebConfig> {
  let file: Partial<WebConfig> = {};
  try {
    const res = await fetch('config.json', { cache: 'no-store' });
    if (res.ok) file = (await res.json()) as Partial<WebConfig>;
  } catch {
    file = {};
  }
  const config: WebConfig = {
    gatewayUrl: typeof file.gatewayUrl === 'string' && file.gatewayUrl ? file.gatewayUrl : null,
    demoUsers: Array.isArray(file.demoUsers) ? file.demoUsers.map(String) : DEFAULTS.demoUsers,
    demoPassword: typeof file.demoPassword === 'string' ? file.demoPassword : '',
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
