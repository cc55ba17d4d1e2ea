import { sign } from 'cookie-signature';
import { SessionCookie } from './session-cookie';

describe('SessionCookie', () => {
  const cookie = new SessionCookie('parley.sid', 'secret-0123456789');
  const expressSessionCookie = (sid: string, secret = 'secret-0123456789') =>
    `parley.sid=${encodeURIComponent(`s:${sign(sid, secret)}`)}`;

  it('reads the session id from the cookie express-session sets, among other cookies', () => {
    expect(cookie.sessionIdIn(expressSessionCookie('abc123'))).toBe('abc123');
    expect(cookie.sessionIdIn(`a=1; ${expressSessionCookie('abc123')}; b=2`)).toBe('abc123');
    // Asked again (now from memory), the same answer.
    expect(cookie.sessionIdIn(expressSessionCookie('abc123'))).toBe('abc123');
  });

  it('refuses forged, unsigned, foreign and missing cookies', () => {
    expect(cookie.sessionIdIn(expressSessionCookie('abc123', 'another-secret'))).toBeNull();
    for (const _ of [1, 2])
      expect(cookie.sessionIdIn(expressSessionCookie('x', 'wrong'))).toBeNull();
    expect(cookie.sessionIdIn('parley.sid=abc123')).toBeNull();
    expect(cookie.sessionIdIn('parley.sid=s%3Aabc123')).toBeNull();
    expect(
      cookie.sessionIdIn('other.sid=' + expressSessionCookie('abc123').split('=')[1]),
    ).toBeNull();
    expect(cookie.sessionIdIn('')).toBeNull();
    expect(cookie.sessionIdIn(undefined)).toBeNull();
  });

  it('headerFor makes the cookie express-session would, which reads back as the same id', () => {
    expect(cookie.headerFor('tok-1')).toBe(expressSessionCookie('tok-1'));
    expect(cookie.headerFor('tok-1')).toBe(expressSessionCookie('tok-1'));
    expect(cookie.sessionIdIn(cookie.headerFor('tok-2'))).toBe('tok-2');
  });
});
