/**
 * Origin allowlist shared by the API (CSRF check, CORS) and the gateways (handshake).
 * Allowed: no Origin at all (non-browser clients), an Origin whose host equals the server's host
 * (any port), or one listed in ALLOWED_ORIGINS.
 */
export function isOriginAllowed(
  origin: string | undefined,
  hostHeader: string | undefined,
  allowed: readonly string[],
): boolean {
  if (origin === undefined) return true;
  const normalized = normalizeOrigin(origin);
  if (normalized === null) return false;
  if (allowed.some((a) => normalizeOrigin(a) === normalized)) return true;
  const originHost = new URL(normalized).hostname;
  const requestHost = hostnameOf(hostHeader);
  return requestHost !== null && originHost === requestHost;
}

function normalizeOrigin(value: string): string | null {
  try {
    const u = new URL(value);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return u.origin.toLowerCase();
  } catch {
    return null;
  }
}

function hostnameOf(hostHeader: string | undefined): string | null {
  if (!hostHeader) return null;
  try {
    return new URL(`http://${hostHeader}`).hostname.toLowerCase();
  } catch {
    return null;
  }
}
