import Redis from 'ioredis';
import { UserRecord, UsersRepository } from './users.repository';
import { RedisKeys } from '../redis-keys';
import { testRedisUrl as redisUrlFor } from '../../../../test/support/redis-url';

// Real Redis: the private server started by the jest global setup, database 9 (ours alone).
const DB = 9;

const testRedisUrl = () => redisUrlFor(DB);

/** The first `n` upper/lower-case spellings of `word` ('charlie', 'Charlie', 'cHarlie', …). */
function caseVariants(word: string, n: number): string[] {
  const out: string[] = [];
  for (let mask = 0; out.length < n && mask < 2 ** word.length; mask += 1) {
    out.push(
      [...word].map((ch, i) => (mask & (1 << i) ? ch.toUpperCase() : ch.toLowerCase())).join(''),
    );
  }
  return out;
}

describe('UsersRepository (real Redis)', () => {
  let clients: Redis[];
  let repo: UsersRepository;
  let repos: UsersRepository[];

  beforeAll(async () => {
    clients = [0, 1, 2, 3].map(() => new Redis(testRedisUrl()));
    await clients[0].flushdb();
    repos = clients.map((c) => new UsersRepository(c));
    repo = repos[0];
  });

  beforeEach(async () => {
    await clients[0].flushdb();
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('lets exactly one of 50 concurrent registrations of one name (any letter case) win', async () => {
    const names = caseVariants('charlie', 50);
    expect(new Set(names).size).toBe(50);
    const results = await Promise.all(
      names.map((name, i) => repos[i % repos.length].create(name, `hash-${i}`)),
    );
    const winners = results.filter((r): r is UserRecord => r !== null);
    expect(winners).toHaveLength(1);
    const [winner] = winners;
    expect(winner.id).toBe('1');
    expect(names).toContain(winner.username);

    // The losers did not burn ids: the next user is "2".
    const next = await repo.create('dave', 'h');
    expect(next?.id).toBe('2');
    expect(await repo.count()).toBe(2);

    for (const spelling of ['charlie', 'CHARLIE', 'ChArLiE']) {
      expect(await repo.findByUsername(spelling)).toEqual(winner);
    }
    expect(await repo.create('CHARLIE', 'again')).toBeNull();
  });

  it('also refuses Bob / bob / BOB registered concurrently, keeping the winner spelling', async () => {
    const results = await Promise.all(
      ['Bob', 'bob', 'BOB', 'bOb', 'boB'].map((n, i) => repos[i % repos.length].create(n, 'h')),
    );
    const winners = results.filter((r): r is UserRecord => r !== null);
    expect(winners).toHaveLength(1);
    const stored = await repo.findByUsername('bob');
    expect(stored?.username).toBe(winners[0].username);
    expect(stored?.id).toBe('1');
  });

  it('hands out ids "1", "2", … as decimal strings in creation order', async () => {
    const created: UserRecord[] = [];
    for (const name of ['Pablo', 'Joe', 'Mary', 'Alex']) {
      const u = await repo.create(name, `hash-${name}`);
      expect(u).not.toBeNull();
      created.push(u as UserRecord);
    }
    expect(created.map((u) => u.id)).toEqual(['1', '2', '3', '4']);
    for (const u of created) {
      expect(typeof u.id).toBe('string');
      expect(u.id).toMatch(/^[1-9]\d*$/);
    }
    expect(created[0]).toMatchObject({ username: 'Pablo', passwordHash: 'hash-Pablo' });
    expect(typeof created[0].createdAt).toBe('number');
  });

  it('stores the username as given and finds it ignoring case', async () => {
    const pablo = await repo.create('Pablo', 'secret-hash');
    expect(pablo).not.toBeNull();
    expect(await repo.findByUsername('pablo')).toEqual(pablo);
    expect(await repo.findByUsername('PABLO')).toEqual(pablo);
    expect((await repo.findByUsername('Pablo'))?.username).toBe('Pablo');
    expect(await repo.findById(pablo!.id)).toEqual(pablo);
    expect(await repo.findByUsername('pabl')).toBeNull();
    expect(await repo.findByUsername('nobody')).toBeNull();
    expect(await repo.findById('999')).toBeNull();
  });

  it('does not trim names: "ann" and " ann" are different users', async () => {
    const a = await repo.create('ann', 'h');
    const b = await repo.create(' ann', 'h');
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    expect(a!.id).not.toBe(b!.id);
  });

  it('findMany keeps the requested order and leaves unknown ids out', async () => {
    for (const name of ['a', 'b', 'c']) await repo.create(name, 'h');
    const found = await repo.findMany(['3', '999', '1', '0', '2']);
    expect(found.map((u) => [u.id, u.username])).toEqual([
      ['3', 'c'],
      ['1', 'a'],
      ['2', 'b'],
    ]);
    expect(await repo.findMany([])).toEqual([]);
    expect(await repo.findMany(['42'])).toEqual([]);
  });

  it('searchByName pages every user by name prefix, ignoring case, in name order', async () => {
    const names = Array.from({ length: 150 }, (_, i) => `user${String(i).padStart(3, '0')}`);
    const results = await Promise.all(names.map((n, i) => repos[i % repos.length].create(n, 'h')));
    expect(results.every((r) => r !== null)).toBe(true);
    await repo.create('Other', 'h');
    const byName = new Map(results.map((r) => [r!.username, r!.id]));
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page += 1) {
      const res = await repo.searchByName('USER', after, 40);
      seen.push(...res.ids);
      after = res.last;
      if (!res.more) break;
    }
    expect(seen).toEqual(names.map((n) => byName.get(n)));
    expect((await repo.searchByName('oth', null, 10)).ids).toHaveLength(1);
    expect((await repo.searchByName('nobody', null, 10)).ids).toEqual([]);
  });

  it('repairNameIndex adds accounts missing from the search index, once', async () => {
    await repo.create('indexed', 'h');
    const lost = await repo.create('Lost', 'h');
    await clients[0].zrem(RedisKeys.usersByName(), `lost\u0000${lost!.id}`);
    expect((await repo.searchByName('lost', null, 10)).ids).toEqual([]);
    expect(await repo.repairNameIndex()).toBe(1);
    expect((await repo.searchByName('lost', null, 10)).ids).toEqual([lost!.id]);
    expect(await repo.repairNameIndex()).toBe(0);
  });
});
