import { bearerToken, presentedCredential } from './credentials';
import { SessionCookie } from './session-cookie';

describe('presentedCredential', () => {
  const cookie = new SessionCookie('parley.sid', 'secret-0123456789');
  const signed = cookie.headerFor('sid-from-cookie');

  it('takes a socket auth.token first, then a bearer header, then the signed cookie', () => {
    const headers = { authorization: 'Bearer from-header', cookie: signed };
    expect(presentedCredential({ headers, auth: { token: 'from-auth' } }, cookie)).toEqual({
      value: 'from-auth',
      via: 'bearer',
    });
    expect(presentedCredential({ headers }, cookie)).toEqual({
      value: 'from-header',
      via: 'bearer',
    });
    expect(presentedCredential({ headers: { cookie: signed } }, cookie)).toEqual({
      value: 'sid-from-cookie',
      via: 'cookie',
    });
    // An empty or non-string auth.token is no token: the header or cookie still count.
    expect(
      presentedCredential({ headers: { cookie: signed }, auth: { token: '' } }, cookie),
    ).toEqual({ value: 'sid-from-cookie', via: 'cookie' });
  });

  it('a presented token decides alone: an over-long one is refused, never replaced by the cookie', () => {
    const headers = { authorization: `Bearer ${'x'.repeat(129)}`, cookie: signed };
    expect(presentedCredential({ headers }, cookie)).toBeNull();
  });

  it('no credential, or a cookie with a wrong signature, is none', () => {
    expect(presentedCredential({ headers: {} }, cookie)).toBeNull();
    const other = new SessionCookie('parley.sid', 'another-secret-0123').headerFor('sid');
    expect(presentedCredential({ headers: { cookie: other } }, cookie)).toBeNull();
  });

  it('reads only the Bearer scheme', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });
});
