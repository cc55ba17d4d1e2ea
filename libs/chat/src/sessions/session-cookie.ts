import { parse } from 'cookie';
import { sign, unsign } from 'cookie-signature';
import { LRUCache } from 'lru-cache';

const REMEMBERED = 10_000;

/**
 * express-session's signed cookie (`<name>=s:<session id>.<HMAC>`), read by the API and the
 * gateways alike. Signing and checking are an HMAC each, and a client sends the same cookie or
 * token every time, so the last few thousand results are remembered (forged values included:
 * the cache is bounded, so they cost memory only up to its size).
 */
export class SessionCookie {
  private readonly unsigned = new LRUCache<string, string | false>({ max: REMEMBERED });
  private readonly signed = new LRUCache<string, string>({ max: REMEMBERED });

  constructor(
    private readonly name: string,
    private readonly secret: string,
  ) {}

  /** The session id in a Cookie header, or null when it has none or its signature is wrong. */
  sessionIdIn(cookieHeader: string | undefined): string | null {
    if (!cookieHeader) return null;
    const raw = parse(cookieHeader)[this.name];
    if (!raw?.startsWith('s:')) return null;
    let sid = this.unsigned.get(raw);
    if (sid === undefined) {
      sid = unsign(raw.slice(2), this.secret);
      this.unsigned.set(raw, sid);
    }
    return sid || null;
  }

  /** The cookie's value for `sessionId` (before URI encoding), signed as express-session signs it. */
  valueFor(sessionId: string): string {
    let value = this.signed.get(sessionId);
    if (value === undefined) {
      value = `s:${sign(sessionId, this.secret)}`;
      this.signed.set(sessionId, value);
    }
    return value;
  }

  /** A Cookie header that carries `sessionId`, as a browser sends it back. */
  headerFor(sessionId: string): string {
    return `${this.name}=${encodeURIComponent(this.valueFor(sessionId))}`;
  }
}
