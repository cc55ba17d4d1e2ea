import Redis from 'ioredis';
import { RedisKeys } from '../redis-keys';
import { QueuesRepository } from './queues.repository';
import { testRedisUrl } from '../../../../test/support/redis-url';

// Real Redis: the private server started by the jest global setup, database 4 (ours alone).
const DB = 4;
const MAX = 5;

describe('QueuesRepository (real Redis)', () => {
  let redis: Redis;
  let repo: QueuesRepository;
  let queue = 0;
  /** A fresh queue per test. */
  const q = () => `q${(queue += 1)}`;

  beforeAll(async () => {
    redis = new Redis(testRedisUrl(DB));
    await redis.flushdb();
    repo = new QueuesRepository(redis);
  });
  afterAll(() => redis.quit());

  const add = (name: string, value: string, ttlMs = 0) => repo.add('u1', name, value, ttlMs, MAX);
  const past = () => Date.now() - 1;

  it('numbers messages per queue and takes them oldest first', async () => {
    const name = q();
    expect(await add(name, 'a')).toEqual({ status: 'ok', n: 1 });
    expect(await add(name, 'b')).toEqual({ status: 'ok', n: 2 });
    expect(await repo.take('u1', name)).toEqual({ n: 1, value: 'a', count: 0 });
    expect(await repo.take('u1', name)).toEqual({ n: 2, value: 'b', count: 0 });
    expect(await repo.take('u1', name)).toBeNull();
    expect(await repo.take('u2', name)).toBeNull();
  });

  it('puts an expired lease back at the head, before newer messages', async () => {
    const name = q();
    await add(name, 'first');
    await add(name, 'second');
    const leased = await repo.take('u1', name, 60_000);
    expect(leased).toMatchObject({ n: 1, value: 'first' });
    await redis.zadd(RedisKeys.queue('u1', name).leases, past(), '1');
    expect(await repo.take('u1', name)).toMatchObject({ n: 1, value: 'first' });
    expect((await repo.state('u1', name)).meta.redelivered).toBe('1');
    expect(await repo.ack('u1', name, 1)).toBe(false); // taken for good since: nothing to ack
  });

  it('skips expired values, counts them, and frees their room under the cap', async () => {
    const name = q();
    for (let i = 0; i < MAX; i += 1) await add(name, `v${i}`, i === 0 ? 60_000 : 0);
    expect(await add(name, 'over')).toEqual({ status: 'full' });
    await redis.zadd(RedisKeys.queue('u1', name).expiry, past(), '1');
    expect(await add(name, 'fits')).toEqual({ status: 'ok', n: 6 });
    expect(await repo.peek('u1', name)).toMatchObject({ n: 2, value: 'v1', count: 0 });
    const state = await repo.state('u1', name);
    expect(state.waiting).toBe(MAX);
    expect(state.meta.expired).toBe('1');
  });

  it('counts leased messages under the cap, and refuses without writing', async () => {
    const name = q();
    for (let i = 0; i < MAX; i += 1) await add(name, `v${i}`);
    await repo.take('u1', name, 60_000);
    expect(await add(name, 'over')).toEqual({ status: 'full' });
    expect(await redis.get(RedisKeys.queue('u1', name).seq)).toBe(String(MAX));
    expect(await repo.state('u1', name)).toMatchObject({ waiting: MAX - 1, leased: 1 });
  });

  it('purges everything but the counter: numbers are never reused', async () => {
    const name = q();
    await add(name, 'a');
    await add(name, 'b');
    await repo.take('u1', name, 60_000);
    expect(await repo.purge('u1', name)).toBe(2);
    expect(await repo.names('u1')).not.toContain(name);
    expect(await add(name, 'c')).toEqual({ status: 'ok', n: 3 });
    expect(await repo.ack('u1', name, 1)).toBe(false);
  });
  it('a batch add is all or none under the cap, and a batch get takes oldest first', async () => {
    const name = q();
    await add(name, 'single');
    expect(await repo.addMany('u1', name, ['a', 'b', 'c', 'd', 'e'], 0, MAX)).toEqual({
      status: 'full',
    });
    expect((await repo.state('u1', name)).waiting).toBe(1);
    expect(await repo.addMany('u1', name, ['a', 'b', 'c', 'd'], 0, MAX)).toEqual({
      status: 'ok',
      first: 2,
      last: 5,
    });
    const taken = await repo.takeMany('u1', name, 3);
    expect(taken.map((m) => [m.n, m.value])).toEqual([
      [1, 'single'],
      [2, 'a'],
      [3, 'b'],
    ]);
    const leased = await repo.takeMany('u1', name, 10, 60_000);
    expect(leased.map((m) => m.value)).toEqual(['c', 'd']);
    expect(leased.every((m) => m.leaseUntil! > Date.now())).toBe(true);
    expect(await repo.takeMany('u1', name, 10)).toEqual([]);
    expect(await repo.ackMany('u1', name, [4, 5, 5, 99])).toBe(2);
    const state = await repo.state('u1', name);
    expect({ waiting: state.waiting, leased: state.leased }).toEqual({ waiting: 0, leased: 0 });
    expect(state.meta).toMatchObject({ added: '5', taken: '3', leased: '2', acked: '2' });
  });
  it('a batch soft get reads past expired and deleted numbers, across its 100-number steps', async () => {
    const name = q();
    const values = Array.from({ length: 250 }, (_, i) => `v${i}`);
    await repo.addMany('u1', name, values, 0, 1000);
    for (const n of [1, 2, 150]) await repo.deleteOne('u1', name, n);
    await redis.zadd(RedisKeys.queue('u1', name).expiry, past(), '101');
    const read = await repo.peekMany('u1', name, 200);
    expect(read.map((m) => m.n)).toEqual(
      Array.from({ length: 250 }, (_, i) => i + 1)
        .filter((n) => ![1, 2, 101, 150].includes(n))
        .slice(0, 200),
    );
    expect(read.every((m) => m.count === 0)).toBe(true);
    expect((await repo.peekMany('u1', name, 1000)).map((m) => [m.n, m.count]).slice(0, 2)).toEqual([
      [3, 1],
      [4, 1],
    ]);
    expect(await repo.peekMany('u1', name, 1000)).toHaveLength(246);
    expect(await repo.peekMany('u2', name, 10)).toEqual([]);
  });
});
