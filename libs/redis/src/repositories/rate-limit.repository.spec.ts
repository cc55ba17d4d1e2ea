import Redis from 'ioredis';
import { RedisKeys } from '../redis-keys';
import { RateLimitRepository } from './rate-limit.repository';
import { testRedisUrl as redisUrlFor } from '../../../../test/support/redis-url';

// Real Redis: the private server started by the jest global setup, database 10 (ours alone).
const DB = 10;

const testRedisUrl = () => redisUrlFor(DB);

describe('RateLimitRepository (real Redis)', () => {
  let redis: Redis;
  let repo: RateLimitRepository;

  beforeAll(async () => {
    redis = new Redis(testRedisUrl());
    await redis.flushdb();
    repo = new RateLimitRepository(redis);
  });

  afterAll(async () => {
    await redis.quit();
  });

  describe('hit', () => {
    it('allows `limit` hits in a window, then refuses with retryAfterMs > 0', async () => {
      for (let i = 0; i < 3; i += 1) {
        expect(await repo.hit('msg', 'u1', 3, 60_000)).toEqual({ allowed: true, retryAfterMs: 0 });
      }
      const refused = await repo.hit('msg', 'u1', 3, 60_000);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
      const again = await repo.hit('msg', 'u1', 3, 60_000);
      expect(again.allowed).toBe(false);
      expect(again.retryAfterMs).toBeGreaterThan(0);
    });

    it('counts each subject and each scope on its own', async () => {
      for (let i = 0; i < 2; i += 1) await repo.hit('msg', 'u2', 2, 60_000);
      expect((await repo.hit('msg', 'u2', 2, 60_000)).allowed).toBe(false);
      expect((await repo.hit('msg', 'u3', 2, 60_000)).allowed).toBe(true);
      expect((await repo.hit('auth', 'u2', 2, 60_000)).allowed).toBe(true);
    });

    it('allows exactly `limit` of many concurrent hits', async () => {
      const decisions = await Promise.all(
        Array.from({ length: 30 }, () => repo.hit('burst', 'ip1', 7, 60_000)),
      );
      expect(decisions.filter((d) => d.allowed)).toHaveLength(7);
      for (const d of decisions.filter((x) => !x.allowed))
        expect(d.retryAfterMs).toBeGreaterThan(0);
    });

    it('keeps its counters in Redis, shared by every repository on the database', async () => {
      const other = new Redis(testRedisUrl());
      try {
        const second = new RateLimitRepository(other);
        expect((await repo.hit('shared', 's', 1, 60_000)).allowed).toBe(true);
        expect((await second.hit('shared', 's', 1, 60_000)).allowed).toBe(false);
      } finally {
        await other.quit();
      }
    });
  });

  describe('lease', () => {
    it('grants up to `wanted` hits at once, never more than the window has left', async () => {
      expect(await repo.lease('msg', 'l1', 10, 60_000, 4)).toEqual({
        granted: 4,
        windowLeftMs: expect.any(Number),
      });
      expect((await repo.lease('msg', 'l1', 10, 60_000, 4)).granted).toBe(4);
      expect((await repo.lease('msg', 'l1', 10, 60_000, 4)).granted).toBe(2);
      const full = await repo.lease('msg', 'l1', 10, 60_000, 4);
      expect(full.granted).toBe(0);
      expect(full.windowLeftMs).toBeGreaterThan(0);
      expect(full.windowLeftMs).toBeLessThanOrEqual(60_000);
      expect(await redis.get(RedisKeys.rateLimit('msg', 'l1'))).toBe('10');
    });

    it('concurrent leases together never exceed the limit', async () => {
      const leases = await Promise.all(
        Array.from({ length: 20 }, () => repo.lease('burst', 'l2', 23, 60_000, 3)),
      );
      expect(leases.reduce((sum, l) => sum + l.granted, 0)).toBe(23);
    });

    it('the window starts with the first lease and ends on time; a key without expiry gets one', async () => {
      const key = RedisKeys.rateLimit('msg', 'l3');
      const first = await repo.lease('msg', 'l3', 5, 200, 5);
      expect(first.granted).toBe(5);
      expect(first.windowLeftMs).toBeLessThanOrEqual(200);
      expect((await repo.lease('msg', 'l3', 5, 200, 5)).granted).toBe(0);
      await new Promise((r) => setTimeout(r, 250));
      expect((await repo.lease('msg', 'l3', 5, 200, 5)).granted).toBe(5);
      // A counter that lost its expiry (restored by hand, say) must not block forever.
      await redis.persist(key);
      const stuck = await repo.lease('msg', 'l3', 5, 200, 5);
      expect(stuck.granted).toBe(0);
      expect(await redis.pttl(key)).toBeGreaterThan(0);
    });
  });

  describe('login attempts', () => {
    const limits = { perClient: 3, perName: 5, windowMs: 60_000, maxBlockMs: 24 * 3600_000 };

    it('a client gets `perClient` attempts per name, then waits about a window', async () => {
      for (let i = 0; i < 3; i += 1) expect(await repo.reserveLogin('ann', 'ip:a', limits)).toBe(0);
      const wait = await repo.reserveLogin('ann', 'ip:a', limits);
      expect(wait).toBeGreaterThan(55_000);
      expect(wait).toBeLessThanOrEqual(60_000);
      expect(await repo.reserveLogin('ann', 'ip:b', limits)).toBe(0);
      expect(await repo.reserveLogin('bob', 'ip:a', limits)).toBe(0);
    });

    it('of many concurrent attempts exactly `perClient` are reserved', async () => {
      const waits = await Promise.all(
        Array.from({ length: 30 }, () => repo.reserveLogin('cid', 'ip:a', limits)),
      );
      expect(waits.filter((w) => w === 0)).toHaveLength(3);
    });

    it('the block doubles each time the client uses up its allowance again', async () => {
      const limits = { perClient: 3, perName: 100, windowMs: 60_000, maxBlockMs: 24 * 3600_000 };
      const key = RedisKeys.loginFailuresFrom('dan', 'ip:a');
      for (let i = 0; i < 3; i += 1) await repo.reserveLogin('dan', 'ip:a', limits);
      expect(await repo.reserveLogin('dan', 'ip:a', limits)).toBeLessThanOrEqual(60_000);
      await redis.hset(key, 'b', 0, 'e', 0); // the block is over (without waiting a minute)
      for (let i = 0; i < 3; i += 1) expect(await repo.reserveLogin('dan', 'ip:a', limits)).toBe(0);
      const second = await repo.reserveLogin('dan', 'ip:a', limits);
      expect(second).toBeGreaterThan(115_000);
      expect(second).toBeLessThanOrEqual(120_000);
      expect(await redis.pttl(key)).toBeGreaterThanOrEqual(24 * 3600_000 - 5_000);
    });

    it('all untrusted clients together get `perName`; a trusted attempt is not counted or refused', async () => {
      for (let c = 0; c < 5; c += 1)
        expect(await repo.reserveLogin('eve', `ip:${c}`, limits)).toBe(0);
      const wait = await repo.reserveLogin('eve', 'ip:9', limits);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(60_000);
      expect(await repo.reserveLogin('eve', 'd:mine', { ...limits, perName: 0 })).toBe(0);
      expect(await redis.get(RedisKeys.loginFailures('eve'))).toBe('5');
    });

    it('a success forgets the client and gives the name its slot back', async () => {
      await repo.reserveLogin('fay', 'ip:a', limits);
      await repo.reserveLogin('fay', 'ip:a', limits);
      await repo.loginSucceeded('fay', 'ip:a', true);
      expect(await redis.exists(RedisKeys.loginFailuresFrom('fay', 'ip:a'))).toBe(0);
      expect(await redis.get(RedisKeys.loginFailures('fay'))).toBe('1');
      await repo.loginSucceeded('fay', 'd:x', false);
      expect(await redis.get(RedisKeys.loginFailures('fay'))).toBe('1');
    });
  });
});
