import { RateLimitRepository, RedisKeys } from '@app/redis';
import Redis from 'ioredis';
import { testRedisUrl } from '../../../../test/support/redis-url';
import { LeasedRateLimiter } from './leased-rate-limiter';

// Real Redis: the private server started by the jest global setup, database 12 (ours alone).
const DB = 12;

describe('LeasedRateLimiter (real Redis)', () => {
  const clients: Redis[] = [];
  /** A limiter as one process would have it: its own connection and its own leases. */
  const processLimiter = (limit: number, windowMs = 60_000) => {
    const redis = new Redis(testRedisUrl(DB));
    clients.push(redis);
    return new LeasedRateLimiter(new RateLimitRepository(redis), 'msg', limit, windowMs);
  };
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(testRedisUrl(DB));
    await redis.flushdb();
  });
  afterAll(async () => {
    await Promise.all([redis, ...clients].map((c) => c.quit()));
  });

  it('one process gets exactly `limit` hits per window, then a retry time', async () => {
    const limiter = processLimiter(120);
    const decisions = [];
    for (let i = 0; i < 125; i += 1) decisions.push(await limiter.hit('u1'));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(120);
    expect(decisions.slice(0, 120).every((d) => d.allowed)).toBe(true);
    const refused = decisions[124];
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('at a limit under 200 per window every hit is counted in Redis at once', async () => {
    const [a, b] = [processLimiter(120), processLimiter(120)];
    for (let i = 0; i < 7; i += 1) expect((await a.hit('u0')).allowed).toBe(true);
    expect(await redis.get(RedisKeys.rateLimit('msg', 'u0'))).toBe('7');
    // So a second process can use every hit the first did not.
    for (let i = 0; i < 113; i += 1) expect((await b.hit('u0')).allowed).toBe(true);
    expect((await b.hit('u0')).allowed).toBe(false);
    expect((await a.hit('u0')).allowed).toBe(false);
  });

  it('takes hits from Redis a lease at a time, not one call per hit', async () => {
    const limiter = processLimiter(10_000); // leases of 100
    for (let i = 0; i < 250; i += 1) expect((await limiter.hit('u2')).allowed).toBe(true);
    expect(await redis.get(RedisKeys.rateLimit('msg', 'u2'))).toBe('300');
  });

  it('concurrent hits in one process never exceed the limit', async () => {
    const limiter = processLimiter(300); // leases of 3
    const decisions = await Promise.all(Array.from({ length: 400 }, () => limiter.hit('u3')));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(300);
  });

  it('several processes share one limit: never above it, at most one lease each below it', async () => {
    const limit = 1_000; // leases of 10
    const processes = [processLimiter(limit), processLimiter(limit), processLimiter(limit)];
    const allowed = await Promise.all(
      processes.map(async (p) => {
        let n = 0;
        for (let i = 0; i < 400; i += 1) if ((await p.hit('u4')).allowed) n += 1;
        return n;
      }),
    );
    const total = allowed.reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(limit);
    expect(total).toBeGreaterThanOrEqual(limit - processes.length * 10);
    expect(Number(await redis.get(RedisKeys.rateLimit('msg', 'u4')))).toBe(limit);
  });

  /**
   * Ends a subject's window at once instead of sleeping through it: Redis forgets the count (as
   * its key's expiry would) and this process's clock moves past the window.
   */
  const realNow = Date.now.bind(Date);
  let clockOffsetMs = 0;
  beforeEach(() => {
    clockOffsetMs = 0;
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + clockOffsetMs);
  });
  afterEach(() => jest.restoreAllMocks());
  async function endWindow(subject: string, windowMs: number): Promise<void> {
    await redis.del(RedisKeys.rateLimit('msg', subject));
    clockOffsetMs += windowMs + 1;
  }

  it('a new window brings new hits; subjects are counted apart', async () => {
    const limiter = processLimiter(40); // one hit per lease
    for (let i = 0; i < 40; i += 1) expect((await limiter.hit('u5')).allowed).toBe(true);
    expect((await limiter.hit('u5')).allowed).toBe(false);
    expect((await limiter.hit('u6')).allowed).toBe(true);
    await endWindow('u5', 60_000);
    expect((await limiter.hit('u5')).allowed).toBe(true);
  });

  it('unspent hits lapse with their window instead of carrying over', async () => {
    const limiter = processLimiter(2_000); // leases of 20
    expect((await limiter.hit('u7')).allowed).toBe(true); // 19 left in this process
    await endWindow('u7', 60_000);
    expect((await limiter.hit('u7')).allowed).toBe(true);
    // The second hit opened a new window with a new lease: Redis counts that lease alone.
    expect(await redis.get(RedisKeys.rateLimit('msg', 'u7'))).toBe('20');
  });
});
