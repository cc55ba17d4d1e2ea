import { redactRedisUrl, redisOptionsFromUrl } from './redis-options';

describe('redisOptionsFromUrl', () => {
  it('reads host, port and database', () => {
    expect(redisOptionsFromUrl('redis://cache.internal:6380/3')).toMatchObject({
      host: 'cache.internal',
      port: 6380,
      db: 3,
      username: undefined,
      password: undefined,
      tls: undefined,
    });
  });

  it('defaults the port to 6379 and the database to 0', () => {
    const o = redisOptionsFromUrl('redis://localhost');
    expect(o).toMatchObject({ host: 'localhost', port: 6379, db: 0 });
    expect(redisOptionsFromUrl('redis://localhost/').db).toBe(0);
  });

  it('falls back to database 0 for a path that is not a number', () => {
    expect(redisOptionsFromUrl('redis://localhost/abc').db).toBe(0);
  });

  it('reads a username and a password', () => {
    expect(redisOptionsFromUrl('redis://alice:s3cret@h:1/0')).toMatchObject({
      username: 'alice',
      password: 's3cret',
    });
  });

  it('reads a password without a username (requirepass)', () => {
    const o = redisOptionsFromUrl('redis://:s3cret@h');
    expect(o.username).toBeUndefined();
    expect(o.password).toBe('s3cret');
  });

  it('URL-decodes the username and the password', () => {
    const o = redisOptionsFromUrl('redis://us%40er:p%40ss%3Aw%2Fo%25rd%20x@h:6379/1');
    expect(o.username).toBe('us@er');
    expect(o.password).toBe('p@ss:w/o%rd x');
    expect(o.host).toBe('h');
    expect(o.db).toBe(1);
  });

  it('turns rediss:// into TLS with the host as SNI server name', () => {
    const o = redisOptionsFromUrl('rediss://user:pw@cache.example.com:6380/2');
    expect(o).toMatchObject({
      host: 'cache.example.com',
      port: 6380,
      db: 2,
      username: 'user',
      password: 'pw',
    });
    expect(o.tls).toEqual({ servername: 'cache.example.com' });
  });

  it('uses no TLS for redis://', () => {
    expect(redisOptionsFromUrl('redis://cache.example.com').tls).toBeUndefined();
  });

  it('strips the brackets of an IPv6 host', () => {
    expect(redisOptionsFromUrl('redis://[::1]:6380/4')).toMatchObject({
      host: '::1',
      port: 6380,
      db: 4,
    });
    expect(redisOptionsFromUrl('redis://[2001:db8::7]').host).toBe('2001:db8::7');
  });

  it('uses TLS for an IP host without an IP as SNI name (not allowed by RFC 6066, breaks [::1])', () => {
    for (const [url, host] of [
      ['rediss://[::1]:6380', '::1'],
      ['rediss://127.0.0.1:6380', '127.0.0.1'],
    ]) {
      const o = redisOptionsFromUrl(url);
      expect(o.host).toBe(host);
      expect(o.tls).toBeDefined();
      expect(o.tls?.servername).toBeUndefined();
    }
  });

  it('throws on something that is not a URL', () => {
    expect(() => redisOptionsFromUrl('not a url')).toThrow();
  });
});

describe('redactRedisUrl', () => {
  it('hides the password and keeps the rest', () => {
    const out = redactRedisUrl('redis://alice:s3cret@cache.internal:6380/2');
    expect(out).not.toContain('s3cret');
    expect(out).toContain('alice');
    expect(out).toContain('cache.internal:6380');
    expect(out).toContain('/2');
    expect(out).toContain('***');
  });

  it('hides an encoded password, also in its decoded form', () => {
    const out = redactRedisUrl('rediss://:p%40ss%3Aword@h:6379');
    expect(out).not.toContain('p%40ss');
    expect(out).not.toContain('p@ss');
    expect(out).not.toContain('word');
    expect(out.startsWith('rediss://')).toBe(true);
  });

  it('leaves a URL without a password unchanged in substance', () => {
    expect(redactRedisUrl('redis://127.0.0.1:6379')).toMatch(/^redis:\/\/127\.0\.0\.1:6379\/?$/);
  });

  it('does not echo an unparsable value (it may be a secret)', () => {
    const out = redactRedisUrl('redis://user:secret@host:port');
    expect(out).not.toContain('secret');
  });
});
