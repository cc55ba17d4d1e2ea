import Redis from 'ioredis';
import { PresenceRepository } from './presence.repository';
import { UsersRepository } from './users.repository';
import { testRedisUrl as redisUrlFor } from '../../../../test/support/redis-url';

// Real Redis: the private server started by the jest global setup, database 11 (ours alone).
const DB = 11;

const testRedisUrl = () => redisUrlFor(DB);

describe('PresenceRepository connection cap (real Redis)', () => {
  let redis: Redis;
  let repo: PresenceRepository;
  const TTL = 10_000;

  beforeAll(() => {
    redis = new Redis(testRedisUrl());
    repo = new PresenceRepository(redis);
  });

  beforeEach(async () => {
    await redis.flushdb();
  });

  afterAll(() => redis.disconnect());

  it('counts connections on every gateway plus handshakes not yet counted, and refuses at the limit', async () => {
    const now = Date.now();
    await repo.connect('7', 'gwA', now);
    await repo.connect('7', 'gwB', now);
    expect(await repo.admit('7', 's1', 3, TTL, now)).toBe(true); // 2 counted + this one
    expect(await repo.admit('7', 's2', 3, TTL, now)).toBe(false); // 2 + 1 pending = 3
    expect(await repo.admit('8', 's3', 3, TTL, now)).toBe(true); // other users are separate
    // s1 is counted on gwA now and its reservation released: still 3, still full.
    await repo.connect('7', 'gwA', now);
    await repo.release('7', 's1');
    expect(await repo.admit('7', 's4', 3, TTL, now)).toBe(false);
    // A close frees a slot.
    await repo.disconnect('7', 'gwB', now + 4_000);
    expect(await repo.admit('7', 's5', 3, TTL, now)).toBe(true);
  });

  it('tells whether a connection brought its user online, and how many users are online then', async () => {
    const now = Date.now();
    expect(await repo.connect('7', 'gwA', now)).toEqual({ cameOnline: true, online: 1 });
    expect(await repo.connect('7', 'gwB', now)).toEqual({ cameOnline: false, online: 1 });
    expect(await repo.connect('8', 'gwA', now)).toEqual({ cameOnline: true, online: 2 });
  });

  it('a reservation never released expires after its ttl', async () => {
    const now = Date.now();
    expect(await repo.admit('7', 's1', 1, TTL, now)).toBe(true);
    expect(await repo.admit('7', 's2', 1, TTL, now + TTL - 1)).toBe(false);
    expect(await repo.admit('7', 's3', 1, TTL, now + TTL + 1)).toBe(true);
    expect(await redis.pttl('{presence}:pending:7')).toBeGreaterThan(0);
  });

  it('a reaped (dead) gateway’s connections stop counting', async () => {
    const now = Date.now();
    await repo.connect('7', 'gwDead', now - 60_000);
    expect(await repo.admit('7', 's1', 1, TTL, now)).toBe(false);
    await repo.sweep(now, now - 15_000);
    expect(await repo.admit('7', 's1', 1, TTL, now)).toBe(true);
  });
});

describe('UsersRepository password change and existence (real Redis)', () => {
  let redis: Redis;
  let users: UsersRepository;

  beforeAll(() => {
    redis = new Redis(testRedisUrl());
    users = new UsersRepository(redis);
  });

  beforeEach(async () => {
    await redis.flushdb();
  });

  afterAll(() => redis.disconnect());

  it('replaces the hash only while it is still the expected one; keeps the rest of the profile', async () => {
    const user = await users.create('Pablo', 'hash-1');
    if (!user) throw new Error('not created');
    expect(await users.exists(user.id)).toBe(true);
    expect(await users.updatePasswordHash(user.id, 'not-the-hash', 'hash-x')).toBe(false);
    expect(await users.updatePasswordHash(user.id, 'hash-1', 'hash-2')).toBe(true);
    expect(await users.updatePasswordHash(user.id, 'hash-1', 'hash-3')).toBe(false); // lost race
    expect(await users.findById(user.id)).toEqual({ ...user, passwordHash: 'hash-2' });
    expect(await users.updatePasswordHash('999', 'hash-1', 'hash-2')).toBe(false);
    expect(await users.exists('999')).toBe(false);
  });
});
