import 'reflect-metadata';
import { validateEnv } from './env.validation';

/** The error message of validateEnv(raw), or null when it passes. */
function failure(raw: Record<string, unknown>): string | null {
  try {
    validateEnv(raw);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

const SECRET = 'a-secret-of-at-least-16';

describe('validateEnv', () => {
  it('fills in every default from an empty environment', () => {
    const env = validateEnv({});
    expect(env).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      REDIS_URL: 'redis://127.0.0.1:6379',
      SESSION_TTL_SECONDS: 7 * 24 * 3600,
      SIGNUP_ON_LOGIN: true,
      DEMO_DATA: true,
      BCRYPT_COST: 12,
      LIMIT_EVENTS_PER_SECOND: 20,
      LIMIT_MESSAGES_PER_MINUTE: 120,
      LIMIT_AUTH_PER_MINUTE: 60,
      LIMIT_LOGIN_FAILURES: 10,
      LIMIT_CONNECTIONS_PER_USER: 20,
      LIMIT_READS_PER_MINUTE: 600,
      PRESENCE_BROADCAST_MAX: 1000,
      SESSION_RECHECK_SECONDS: 30,
      SSE_KEEPALIVE_SECONDS: 20,
      SSE_MAX_BUFFER_KB: 1024,
      HISTORY_MAX_PER_ROOM: 10000,
      LOG_LEVEL: 'info',
    });
    expect(env.SESSION_SECRET).toBeUndefined();
    expect(env.ALLOWED_ORIGINS).toBeUndefined();
    expect(env.GATEWAY_URLS).toBeUndefined();
    expect(env.WEB_ROOT).toBeUndefined();
    expect(env.HOST).toBeUndefined();
  });

  it('HOST: an address or a host name, nothing else', () => {
    for (const host of ['127.0.0.1', '::1', '0.0.0.0', 'localhost', 'api.internal'])
      expect(validateEnv({ HOST: host }).HOST).toBe(host);
    for (const bad of ['127.0.0.1:3000', 'a b', 'http://x'])
      expect(() => validateEnv({ HOST: bad })).toThrow(/HOST/);
  });

  it('treats an empty value as unset', () => {
    const env = validateEnv({ PORT: '', DEMO_DATA: '', LOG_LEVEL: '', SESSION_SECRET: '' });
    expect(env.PORT).toBe(3000);
    expect(env.DEMO_DATA).toBe(true);
    expect(env.LOG_LEVEL).toBe('info');
    expect(env.SESSION_SECRET).toBeUndefined();
  });

  it('turns numeric strings into numbers', () => {
    const env = validateEnv({
      PORT: '8080',
      LIMIT_EVENTS_PER_SECOND: '1000',
      LIMIT_MESSAGES_PER_MINUTE: '100000',
      BCRYPT_COST: '4',
      HISTORY_MAX_PER_ROOM: '100',
    });
    expect(env).toMatchObject({
      PORT: 8080,
      LIMIT_EVENTS_PER_SECOND: 1000,
      LIMIT_MESSAGES_PER_MINUTE: 100000,
      BCRYPT_COST: 4,
      HISTORY_MAX_PER_ROOM: 100,
    });
  });

  it('keeps the string variables as given', () => {
    const env = validateEnv({
      ALLOWED_ORIGINS: 'https://a.example,https://b.example',
      GATEWAY_URLS: 'http://127.0.0.1:3001,http://127.0.0.1:3002',
      WEB_ROOT: '/srv/web',
    });
    expect(env.ALLOWED_ORIGINS).toBe('https://a.example,https://b.example');
    expect(env.GATEWAY_URLS).toBe('http://127.0.0.1:3001,http://127.0.0.1:3002');
    expect(env.WEB_ROOT).toBe('/srv/web');
  });

  it('ignores variables it does not know', () => {
    const env = validateEnv({
      PATH: '/usr/bin',
      HOME: '/root',
      npm_config_x: 'y',
    }) as unknown as Record<string, unknown>;
    expect(env.PATH).toBeUndefined();
    expect(env.HOME).toBeUndefined();
  });

  describe('invalid values', () => {
    it.each<[string, Record<string, string>]>([
      ['PORT', { PORT: 'abc' }],
      ['PORT', { PORT: '70000' }],
      ['PORT', { PORT: '-1' }],
      ['PORT', { PORT: '80.5' }],
      ['PORT', { PORT: '3000abc' }],
      ['NODE_ENV', { NODE_ENV: 'prod' }],
      ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
      ['BCRYPT_COST', { BCRYPT_COST: '3' }],
      ['BCRYPT_COST', { BCRYPT_COST: '16' }],
      ['LIMIT_EVENTS_PER_SECOND', { LIMIT_EVENTS_PER_SECOND: '0' }],
      ['LIMIT_LOGIN_FAILURES', { LIMIT_LOGIN_FAILURES: 'many' }],
      ['LIMIT_CONNECTIONS_PER_USER', { LIMIT_CONNECTIONS_PER_USER: '0' }],
      ['LIMIT_READS_PER_MINUTE', { LIMIT_READS_PER_MINUTE: '0' }],
      ['METRICS_TOKEN', { METRICS_TOKEN: 'too-short' }],
      ['SESSION_TTL_SECONDS', { SESSION_TTL_SECONDS: '59' }],
      ['HISTORY_MAX_PER_ROOM', { HISTORY_MAX_PER_ROOM: '99' }],
      ['SESSION_RECHECK_SECONDS', { SESSION_RECHECK_SECONDS: '0' }],
      ['SESSION_RECHECK_SECONDS', { SESSION_RECHECK_SECONDS: '3601' }],
      ['SSE_KEEPALIVE_SECONDS', { SSE_KEEPALIVE_SECONDS: '26' }],
      ['SSE_MAX_BUFFER_KB', { SSE_MAX_BUFFER_KB: '8' }],
      ['DEMO_DATA', { DEMO_DATA: 'maybe' }],
      ['SIGNUP_ON_LOGIN', { SIGNUP_ON_LOGIN: '2' }],
    ])('names %s', (name, raw) => {
      const message = failure(raw);
      expect(message).not.toBeNull();
      expect(message).toContain(name);
      expect(message).not.toContain('\n');
    });

    it('reports every bad variable on one line', () => {
      const message = failure({
        PORT: 'abc',
        LOG_LEVEL: 'loud',
        REDIS_URL: 'http://localhost:6379',
        DEMO_DATA: 'perhaps',
        BCRYPT_COST: '99',
      });
      expect(message).not.toBeNull();
      expect(message!.split(/\r?\n/)).toHaveLength(1);
      for (const name of ['PORT', 'LOG_LEVEL', 'REDIS_URL', 'DEMO_DATA', 'BCRYPT_COST']) {
        expect(message).toContain(name);
      }
      // Valid ones are not blamed.
      expect(message).not.toContain('SIGNUP_ON_LOGIN');
      expect(message).not.toContain('NODE_ENV');
    });

    it('throws an Error (so main.ts prints its message and exits non-zero)', () => {
      expect(() => validateEnv({ PORT: 'x' })).toThrow(Error);
    });
  });

  describe('SESSION_SECRET', () => {
    it('is optional outside production', () => {
      expect(validateEnv({ NODE_ENV: 'development' }).SESSION_SECRET).toBeUndefined();
      expect(validateEnv({ NODE_ENV: 'test' }).SESSION_SECRET).toBeUndefined();
    });

    it('is required in production', () => {
      const message = failure({ NODE_ENV: 'production' });
      expect(message).toContain('SESSION_SECRET');
      expect(message).not.toContain('\n');
    });

    it('must be at least 16 characters in production', () => {
      expect(failure({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(15) })).toContain(
        'SESSION_SECRET',
      );
      expect(
        validateEnv({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(16) }).SESSION_SECRET,
      ).toBe('x'.repeat(16));
      expect(validateEnv({ NODE_ENV: 'production', SESSION_SECRET: SECRET }).NODE_ENV).toBe(
        'production',
      );
    });

    it('is checked whenever it is given', () => {
      expect(failure({ SESSION_SECRET: 'short' })).toContain('SESSION_SECRET');
    });
  });

  describe('booleans', () => {
    it.each<[string, boolean]>([
      ['on', true],
      ['off', false],
      ['true', true],
      ['false', false],
      ['1', true],
      ['0', false],
      ['ON', true],
      ['False', false],
      [' true ', true],
      ['yes', true],
      ['no', false],
    ])('%j → %s', (value, expected) => {
      const env = validateEnv({ DEMO_DATA: value, SIGNUP_ON_LOGIN: value });
      expect(env.DEMO_DATA).toBe(expected);
      expect(env.SIGNUP_ON_LOGIN).toBe(expected);
    });

    it.each(['maybe', '2', 'enabled', 'tru'])('refuses %j', (value) => {
      expect(failure({ DEMO_DATA: value })).toContain('DEMO_DATA');
    });
  });

  describe('known logins in production (issue 12)', () => {
    const prod = { NODE_ENV: 'production', SESSION_SECRET: SECRET };

    it('DEMO_DATA and SIGNUP_ON_LOGIN are off in production unless set', () => {
      expect(validateEnv(prod)).toMatchObject({ DEMO_DATA: false, SIGNUP_ON_LOGIN: false });
      expect(validateEnv({ ...prod, DEMO_DATA: '', SIGNUP_ON_LOGIN: '' })).toMatchObject({
        DEMO_DATA: false,
        SIGNUP_ON_LOGIN: false,
      });
    });

    it('are on in production only when set explicitly', () => {
      expect(validateEnv({ ...prod, DEMO_DATA: 'on', SIGNUP_ON_LOGIN: 'true' })).toMatchObject({
        DEMO_DATA: true,
        SIGNUP_ON_LOGIN: true,
      });
    });

    it('stay on by default outside production', () => {
      for (const NODE_ENV of ['development', 'test']) {
        expect(validateEnv({ NODE_ENV })).toMatchObject({ DEMO_DATA: true, SIGNUP_ON_LOGIN: true });
      }
    });
  });

  describe('REDIS_URL', () => {
    it.each([
      'redis://127.0.0.1:6379',
      'redis://localhost',
      'redis://:pass@redis.internal:6380/2',
      'rediss://user:pass@cache.example.com:6380',
      'redis://[::1]:6379',
    ])('accepts %s', (url) => {
      expect(validateEnv({ REDIS_URL: url }).REDIS_URL).toBe(url);
    });

    it.each([
      'http://127.0.0.1:6379',
      '127.0.0.1:6379',
      'localhost',
      'redis:/127.0.0.1',
      'tcp://127.0.0.1:6379',
      'unix:///tmp/redis.sock',
      ' redis://127.0.0.1',
    ])('refuses %s', (url) => {
      const message = failure({ REDIS_URL: url });
      expect(message).toContain('REDIS_URL');
      expect(message).not.toContain('\n');
    });
  });
});
