import { isIP } from 'node:net';
import type { RedisOptions } from 'ioredis';

/**
 * Turns a `redis://` or `rediss://` URL into ioredis options. The same options feed the command
 * client, the Socket.IO adapter and the Nest Redis transport, so they all reach the same server.
 */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const u = new URL(url);
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0;
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  return {
    host,
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    // SNI carries host names only (RFC 6066); for an IP, TLS verifies the certificate against `host`.
    tls: u.protocol === 'rediss:' ? (isIP(host) ? {} : { servername: host }) : undefined,
  };
}

/** Hides the password when a URL is logged. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}

export const commandClientOptions: RedisOptions = {
  lazyConnect: true,
  // Fail fast while Redis is away: callers turn the error into 503 / `unavailable` instead of
  // queueing work that may run minutes later, or never.
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  // Auto-pipelining measured slower here (bench dm: more gateway CPU, higher p99): batches are
  // small at chat rates and building them costs more than the writes they save.
  enableAutoPipelining: false,
  retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
  connectTimeout: 5000,
};
