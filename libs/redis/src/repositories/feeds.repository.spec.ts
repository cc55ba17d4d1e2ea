import Redis from 'ioredis';
import { RedisKeys } from '../redis-keys';
import { FeedsRepository } from './feeds.repository';
import { testRedisUrl } from '../../../../test/support/redis-url';

// Real Redis: the private server started by the jest global setup, database 2 (ours alone).
const DB = 2;
const LIMITS = { perRoom: 3, perUser: 4 };

describe('FeedsRepository (real Redis)', () => {
  let redis: Redis;
  let repo: FeedsRepository;
  let rooms = 0;
  const ofUser = (userId: string) => redis.hkeys(RedisKeys.userFeeds(userId));
  /** A fresh room per test. */
  const room = () => `g${(rooms += 1)}`;
  const feed = (roomId: string, userId: string, queue: string) => ({
    roomId,
    userId,
    queue,
    created: 1000 + rooms,
  });

  beforeAll(async () => {
    redis = new Redis(testRedisUrl(DB));
    await redis.flushdb();
    repo = new FeedsRepository(redis);
  });
  afterAll(() => redis.quit());

  it('adds once, lists by room with owners, and removes both sides', async () => {
    const r = room();
    expect(await repo.add(feed(r, 'u1', 'jobs'), LIMITS)).toBe('added');
    expect(await repo.add(feed(r, 'u1', 'jobs'), LIMITS)).toBe('exists');
    expect(await repo.add(feed(r, 'u2', 'jobs'), LIMITS)).toBe('added');
    expect((await repo.ofRoom(r)).map((f) => `${f.userId}/${f.queue}`).sort()).toEqual([
      'u1/jobs',
      'u2/jobs',
    ]);
    expect(await ofUser('u1')).toContain(`${r} jobs`);
    expect(await repo.remove(r, 'u1', 'jobs')).toBe(true);
    expect(await repo.remove(r, 'u1', 'jobs')).toBe(false);
    expect(await ofUser('u1')).not.toContain(`${r} jobs`);
    expect((await repo.ofRoom(r)).map((f) => f.userId)).toEqual(['u2']);
  });

  it('refuses beyond the per-room limit and writes nothing', async () => {
    const r = room();
    for (const u of ['a', 'b', 'c']) expect(await repo.add(feed(r, u, 'q'), LIMITS)).toBe('added');
    expect(await repo.add(feed(r, 'd', 'q'), LIMITS)).toBe('room_full');
    expect(await repo.ofRoom(r)).toHaveLength(3);
    expect(await ofUser('d')).toEqual([]);
  });

  it('refuses beyond the per-account limit, over all rooms', async () => {
    for (let i = 0; i < 4; i += 1)
      expect(await repo.add(feed(room(), 'busy', 'q'), LIMITS)).toBe('added');
    const r = room();
    expect(await repo.add(feed(r, 'busy', 'q'), LIMITS)).toBe('user_full');
    expect(await repo.ofRoom(r)).toEqual([]);
  });

  it("counts a dropped item in the queue's counters", async () => {
    await repo.countDropped('u9', 'full');
    await repo.countDropped('u9', 'full');
    expect(await redis.hget(RedisKeys.queue('u9', 'full').meta, 'dropped')).toBe('2');
  });
});
