import { isOriginAllowed } from './origin';

describe('isOriginAllowed', () => {
  const HOST = 'chat.example.com:3000';
  const LISTED = ['https://app.example.org', 'http://localhost:5173'];

  it.each<[string, string | undefined, string | undefined, readonly string[], boolean]>([
    // [case, origin, Host header, ALLOWED_ORIGINS, allowed?]
    ['no Origin (non-browser client)', undefined, HOST, [], true],
    ['no Origin and no Host', undefined, undefined, [], true],
    ['same host, same port', 'http://chat.example.com:3000', HOST, [], true],
    ['same host, other port', 'http://chat.example.com:3001', HOST, [], true],
    ['same host, default port', 'https://chat.example.com', HOST, [], true],
    ['same host, Host without port', 'http://chat.example.com:8080', 'chat.example.com', [], true],
    ['localhost, any port', 'http://localhost:3002', 'localhost:3000', [], true],
    ['foreign host', 'https://evil.example.net', HOST, [], false],
    ['foreign host sharing a suffix', 'http://chat.example.com.evil.net', HOST, [], false],
    ['foreign host with our name as prefix', 'http://evilchat.example.com:3000', HOST, [], false],
    ['parent domain', 'http://example.com:3000', HOST, [], false],
    ['subdomain', 'http://www.chat.example.com:3000', HOST, [], false],
    ['credentials trick', 'http://chat.example.com@evil.net', HOST, [], false],
    ['no Host header to compare with', 'http://chat.example.com', undefined, [], false],
    ['listed origin', 'https://app.example.org', HOST, LISTED, true],
    [
      'listed origin with trailing slash in the list',
      'https://app.example.org',
      HOST,
      ['https://app.example.org/'],
      true,
    ],
    ['listed origin, other port', 'https://app.example.org:8443', HOST, LISTED, false],
    ['listed origin, other scheme', 'http://app.example.org', HOST, LISTED, false],
    ['listed localhost dev server', 'http://localhost:5173', HOST, LISTED, true],
    ['unlisted, foreign', 'https://other.example.org', HOST, LISTED, false],
    ['"null" origin (sandboxed iframe, file://)', 'null', HOST, [], false],
    ['"null" even when listed', 'null', HOST, ['null'], false],
    ['garbage', 'not a url', HOST, [], false],
    ['empty list entry is not a wildcard', 'https://evil.example.net', HOST, [''], false],
    ['file scheme', 'file:///etc/passwd', HOST, [], false],
    ['ftp on our host', 'ftp://chat.example.com', HOST, [], false],
    ['ws scheme on our host', 'ws://chat.example.com:3000', HOST, [], false],
    ['javascript scheme', 'javascript:alert(1)', HOST, [], false],
    ['data scheme', 'data:text/html,hi', HOST, [], false],
    ['chrome-extension', 'chrome-extension://abcdef', HOST, [], false],
    ['upper-case origin, same host', 'HTTP://CHAT.EXAMPLE.COM:3001', HOST, [], true],
    ['upper-case Host header', 'http://chat.example.com', 'CHAT.Example.COM:3000', [], true],
    [
      'listed entry in other case',
      'https://app.example.org',
      HOST,
      ['HTTPS://APP.Example.ORG'],
      true,
    ],
    ['origin in other case than the list', 'https://App.Example.Org', HOST, LISTED, true],
    ['IPv6 same host, other port', 'http://[::1]:3001', '[::1]:3000', [], true],
    ['IPv6 same host, no port', 'http://[::1]', '[::1]:3000', [], true],
    ['IPv6 other host', 'http://[::2]:3000', '[::1]:3000', [], false],
    ['IPv6 listed', 'http://[2001:db8::1]:8080', HOST, ['http://[2001:db8::1]:8080'], true],
    ['IPv6 origin, name host', 'http://[::1]:3000', 'localhost:3000', [], false],
    ['IPv4 same host', 'http://127.0.0.1:3001', '127.0.0.1:3000', [], true],
    ['IPv4 other host', 'http://127.0.0.2:3000', '127.0.0.1:3000', [], false],
  ])('%s', (_case, origin, host, allowed, expected) => {
    expect(isOriginAllowed(origin, host, allowed)).toBe(expected);
  });

  it('never throws on odd Host headers', () => {
    for (const host of ['', ' ', 'a b', '[::1', '::1', 'http://x', '\u0000']) {
      expect(() => isOriginAllowed('http://x.example', host, [])).not.toThrow();
    }
    expect(isOriginAllowed('http://chat.example.com', 'evil.net/chat.example.com', [])).toBe(false);
  });
});
