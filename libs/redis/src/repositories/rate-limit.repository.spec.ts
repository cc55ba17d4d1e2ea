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

  describe('clearFailures', () => {
    it('empties the window: a full one allows hits again', async () => {
      for (let i = 0; i < 3; i += 1) await repo.hit('login', 'carol', 3, 900_000);
      expect((await repo.hit('login', 'carol', 3, 900_000)).allowed).toBe(false);
      await repo.clearFailures('login', 'carol');
      expect(await redis.exists(RedisKeys.rateLimit('login', 'carol'))).toBe(0);
      expect((await repo.hit('login', 'carol', 3, 900_000)).allowed).toBe(true);
    });
  });
});
