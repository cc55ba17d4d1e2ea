import { RedisKeys } from '@app/redis';
import request from 'supertest';
import { startApi, waitFor, type TestApi } from './support/api';
import { ApiProcess } from './support/api-process';
import { comet, mq, redisOf, type Comet } from './support/mq';
import { freePort, registerUser, type TestUser } from './support/stack';
import { useStack } from './support/suite';

interface Got {
  key: string;
  value: string;
  count: number;
  lease?: number;
  leaseUntil?: number;
}

const valuesOf = (res: { body: unknown }) => (res.body as Got[]).map((m) => m.value);
const range = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('/mq batches: add, get and ack many in one request', () => {
  const suite = useStack({ gateways: 0 });
  let alice: TestUser;
  let bob: TestUser;
  let bot: string;
  let second: ApiProcess;
  let redis: ReturnType<typeof redisOf>;
  const streams: Comet[] = [];

  beforeAll(async () => {
    second = new ApiProcess(await freePort(), suite.stack.env);
    await second.start();
    alice = await registerUser(suite.stack.api.url, 'mba');
    bob = await registerUser(suite.stack.api.url, 'mbb');
    redis = redisOf(suite.stack);
    bot = (
      await request(suite.stack.api.url)
        .post('/api/tokens')
        .set('Authorization', `Bearer ${alice.token}`)
        .send({ name: 'batcher', scopes: ['queues'] })
        .expect(201)
    ).body.token as string;
  }, 60_000);
  afterAll(async () => {
    streams.forEach((c) => c.close());
    redis.disconnect();
    await second?.stop('SIGKILL');
  });

  /** Alice's API token with the `queues` scope, as a bot would call. */
  const api = (url = suite.stack.api.url) => mq(url, bot);
  const addMany = (queue: string, values: unknown[], extra: Record<string, unknown> = {}) =>
    api()
      .post(`/mq/q/${queue}`)
      .send({ values, ...extra });
  const stats = async (queue: string) =>
    (await api().get(`/mq/stats/${queue}`)).body as {
      len: number;
      leased: number;
      metrics: Record<string, number>;
    };

  it('a batch add answers its keys in order, and FIFO holds across single and batch calls', async () => {
    expect((await api().post('/mq/q/mixed').type('form').send({ value: 's0' })).text).toBe(
      'mixed:1',
    );
    const added = await addMany('mixed', ['b1', 'b2', 'b3']);
    expect(added.status).toBe(200);
    expect(added.headers['content-type']).toMatch(/^application\/json/);
    expect(added.body).toEqual({ keys: ['mixed:2', 'mixed:3', 'mixed:4'] });
    expect((await api().post('/mq/q/mixed').send({ value: 's4' })).text).toBe('mixed:5');
    // A single get takes the batch's first value after the older single one, and the reverse.
    expect((await api().get('/mq/q/mixed')).body).toEqual({
      key: 'mixed:1',
      value: 's0',
      count: 0,
    });
    const batch = await api().get('/mq/q/mixed?n=3');
    expect(batch.status).toBe(200);
    expect(batch.body).toEqual([
      { key: 'mixed:2', value: 'b1', count: 0 },
      { key: 'mixed:3', value: 'b2', count: 0 },
      { key: 'mixed:4', value: 'b3', count: 0 },
    ]);
    expect((await api().get('/mq/q/mixed')).body.value).toBe('s4');
    const empty = await api().get('/mq/q/mixed?n=10');
    expect(empty.status).toBe(404);
    expect(empty.body.error).toBe('empty queue');
  });

  it('a batch hard get takes every message exactly once, oldest first, at most n at a time', async () => {
    const values = range(250, 'h');
    await addMany('hard', values.slice(0, 200)).expect(200);
    await addMany('hard', values.slice(200)).expect(200);
    const sizes: number[] = [];
    const taken: string[] = [];
    for (;;) {
      const res = await api().get('/mq/q/hard?n=100');
      if (res.status === 404) break;
      sizes.push(res.body.length);
      taken.push(...(res.body as Got[]).map((m) => m.value));
    }
    expect(sizes).toEqual([100, 100, 50]);
    expect(taken).toEqual(values);
    expect(await stats('hard')).toMatchObject({ len: 0, metrics: { added: 250, taken: 250 } });
  });

  it('a batch soft get reads the oldest in place and counts the reads before this one', async () => {
    await addMany('peek', ['p0', 'p1', 'p2']).expect(200);
    expect((await api().get('/mq/q/peek?soft=1')).body).toEqual({
      key: 'peek:1',
      value: 'p0',
      count: 0,
    });
    expect((await api().get('/mq/q/peek?n=2&soft=1')).body).toEqual([
      { key: 'peek:1', value: 'p0', count: 1 },
      { key: 'peek:2', value: 'p1', count: 0 },
    ]);
    expect((await api().get('/mq/q/peek?n=10')).body).toEqual([
      { key: 'peek:1', value: 'p0', count: 2 },
      { key: 'peek:2', value: 'p1', count: 1 },
      { key: 'peek:3', value: 'p2', count: 0 },
    ]);
    expect((await api().get('/mq/q/peek?n=10&soft=1')).status).toBe(404);
  });

  it('a leased batch get hides its messages; a batch ack ends them; the unacked come back', async () => {
    await addMany('jobs', ['j0', 'j1', 'j2', 'j3']).expect(200);
    const leased = await api().get('/mq/q/jobs?n=3&lease=1');
    expect(leased.status).toBe(200);
    const got = leased.body as Got[];
    expect(got.map((m) => m.value)).toEqual(['j0', 'j1', 'j2']);
    for (const m of got) expect(m).toMatchObject({ lease: 1, count: 0 });
    expect(got.every((m) => m.leaseUntil! > Date.now() - 1000)).toBe(true);
    // Hidden while leased: only j3 is left to get.
    expect(valuesOf(await api().get('/mq/q/jobs?n=10'))).toEqual(['j3']);
    const acked = await api()
      .post('/mq/q/jobs/ack')
      .send({ keys: [got[0].key, got[1].key] });
    expect(acked.status).toBe(200);
    expect(acked.body).toEqual({ acked: 2 });
    // j2's one-second lease runs out: it comes back, and only it.
    let again: Got[] = [];
    await waitFor(async () => {
      const res = await api().get('/mq/q/jobs?n=10&lease=60');
      if (res.status === 200) again = res.body as Got[];
      return res.status === 200;
    });
    expect(again.map((m) => m.key)).toEqual([got[2].key]);
    // Acking again what is acked, or a key never leased, counts nothing.
    expect(
      (
        await api()
          .post('/mq/q/jobs/ack')
          .send({ keys: [got[0].key, got[2].key, 'jobs:999'] })
      ).body,
    ).toEqual({ acked: 1 });
    expect(await stats('jobs')).toMatchObject({
      len: 0,
      leased: 0,
      metrics: { added: 4, taken: 1, leased: 4, acked: 3, redelivered: 1 },
    });
  });

  it('bad batches are 400s (413 past the body limit) and store nothing', async () => {
    const bad = async (body: unknown, status = 400) => {
      const res = await api()
        .post('/mq/q/limits')
        .send(body as object);
      expect(res.status).toBe(status);
      expect(res.body.statusCode).toBe(status);
      return res.body.message as string;
    };
    expect(await bad({ values: range(1001, 'v') })).toMatch(/1-1000/);
    expect(await bad({ values: [] })).toMatch(/1-1000/);
    expect(await bad({ values: ['ok', 'x'.repeat(64 * 1024 + 1)] })).toMatch(/values\[1\]/);
    expect(await bad({ values: ['ok', { v: 1 }] })).toMatch(/values\[1\] is not a string/);
    expect(await bad({ values: ['ok'], ttl: 'soon' })).toMatch(/ttl/);
    // Without a values array it is a single add, checked as before batches: the value first.
    expect(await bad({ values: 'v', ttl: 'soon' })).toBe('value (or msg) is required');
    expect(await bad({ values: range(40, 'x'.repeat(60 * 1024)) }, 413)).toMatch(/Body larger/);
    expect(
      ((await api().get('/mq/q')).body as Array<{ queue: string }>).map((q) => q.queue),
    ).not.toContain('limits');
    expect((await api().get('/mq/q/limits?n=1')).status).toBe(404);
    // A full batch of the largest values the body allows goes through in one request.
    const big = range(1000, 'x'.repeat(1000));
    expect((await addMany('limits', big)).body.keys).toHaveLength(1000);
    expect((await api().get('/mq/q/limits?n=1000')).body).toHaveLength(1000);
    for (const query of ['n=0', 'n=1001', 'n=abc', 'n=', 'n=2&soft=1&lease=x', 'n=2&lease=0']) {
      expect((await api().get(`/mq/q/limits?${query}`)).status).toBe(400);
    }
    for (const keys of [[], range(1001, 'limits:'), ['other:1'], ['limits:0'], 'limits:1']) {
      expect((await api().post('/mq/q/limits/ack').send({ keys })).status).toBe(400);
    }
    expect((await api().post('/mq/q/limits/ack').send({})).status).toBe(400);
  });

  it('a ttl applies to every value of the batch', async () => {
    await addMany('ttl', ['a', 'b'], { ttl: 60 }).expect(200);
    await addMany('ttl', ['c']).expect(200);
    const { expiry } = RedisKeys.queue(alice.id, 'ttl');
    expect(await redis.zcard(expiry)).toBe(2);
    await redis.zadd(expiry, Date.now() - 1, '1', Date.now() - 1, '2');
    expect(valuesOf(await api().get('/mq/q/ttl?n=10'))).toEqual(['c']);
    expect((await stats('ttl')).metrics.expired).toBe(2);
  });

  describe('a batch that would overflow the queue', () => {
    let small: TestApi;
    beforeAll(async () => {
      small = await startApi(
        { ...suite.stack.env, LIMIT_QUEUE_LENGTH: '5' },
        { redisUrl: suite.stack.redis.url, flush: false },
      );
    });
    afterAll(() => small.close());

    it('is a 409 and adds none of its values; one that fits goes in whole', async () => {
      const capped = mq(small.url, bot);
      await capped
        .post('/mq/q/capped')
        .send({ values: ['a', 'b', 'c'] })
        .expect(200);
      const full = await capped.post('/mq/q/capped').send({ values: ['d', 'e', 'f'] });
      expect(full.status).toBe(409);
      expect(full.body.message).toMatch(/full.*none of the values/);
      expect((await capped.get('/mq/stats/capped')).body.len).toBe(3);
      expect(
        (
          await capped
            .post('/mq/q/capped')
            .send({ values: ['d', 'e'] })
            .expect(200)
        ).body,
      ).toEqual({ keys: ['capped:4', 'capped:5'] });
      expect(valuesOf(await capped.get('/mq/q/capped?n=10'))).toEqual(['a', 'b', 'c', 'd', 'e']);
    });
  });

  it("another account can neither batch-get nor batch-ack the caller's queue", async () => {
    await addMany('private', ['p0', 'p1']).expect(200);
    const leased = (await api().get('/mq/q/private?n=1&lease=60')).body as Got[];
    const asBob = mq(suite.stack.api.url, bob.token);
    expect((await asBob.get('/mq/q/private?n=10')).status).toBe(404);
    expect((await asBob.get('/mq/q/private?n=10&lease=60')).status).toBe(404);
    expect(
      (
        await asBob
          .post('/mq/q/private/ack')
          .send({ keys: [leased[0].key] })
          .expect(200)
      ).body,
    ).toEqual({ acked: 0 });
    expect(await stats('private')).toMatchObject({ len: 1, leased: 1 });
    expect((await asBob.post('/mq/q/private').send({ values: ['b'] })).body).toEqual({
      keys: ['private:1'],
    });
    expect(await stats('private')).toMatchObject({ len: 1, leased: 1 });
    // No token, or one without the queues scope: the batch routes are closed like the others.
    expect((await request(suite.stack.api.url).get('/mq/q/private?n=1')).status).toBe(401);
    const noScope = (
      await request(suite.stack.api.url)
        .post('/api/tokens')
        .set('Authorization', `Bearer ${alice.token}`)
        .send({ name: 'writer', scopes: ['messages:write'] })
        .expect(201)
    ).body.token as string;
    expect((await mq(suite.stack.api.url, noScope).get('/mq/q/private?n=1')).status).toBe(403);
    expect(
      (
        await mq(suite.stack.api.url, noScope)
          .post('/mq/q/private')
          .send({ values: ['x'] })
      ).status,
    ).toBe(403);
    expect(
      (
        await mq(suite.stack.api.url, noScope)
          .post('/mq/q/private/ack')
          .send({ keys: [leased[0].key] })
      ).status,
    ).toBe(403);
  });

  it('comet consumers on the other process receive a batch: in order under roundrobin', async () => {
    await api().post('/mq/p/pushed').type('form').send({ policy: 'roundrobin' }).expect(200);
    const rr = comet(second.url, alice.token, 'pushed');
    // Broadcast re-publishes each message; on a Cluster each PUBLISH may go through another
    // node, so its consumers get every message but not necessarily in order.
    const bc = comet(second.url, alice.token, 'fanned');
    streams.push(rr, bc);
    await Promise.all([rr.ready, bc.ready]);
    const { keys } = (await addMany('pushed', range(50, 'c')).expect(200)).body as {
      keys: string[];
    };
    const fanned = (await addMany('fanned', range(50, 'f')).expect(200)).body as { keys: string[] };
    await waitFor(() => rr.messages.length === 50 && bc.messages.length === 50);
    expect(rr.messages).toEqual(keys.map((key, i) => ({ key, value: `c${i}` })));
    const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);
    expect([...bc.messages].sort(byKey)).toEqual(
      fanned.keys.map((key, i) => ({ key, value: `f${i}` })).sort(byKey),
    );
  });

  it('3 leasing batch consumers on 2 processes ack every message exactly once', async () => {
    const total = 3000;
    const values = range(total, 'e');
    const urls = [suite.stack.api.url, second.url];
    for (let i = 0; i < total; i += 500) {
      await addMany('once', values.slice(i, i + 500)).expect(200);
    }
    const acked = new Map<string, number>();
    const consume = async (url: string) => {
      for (;;) {
        const got = await api(url).get('/mq/q/once?n=64&lease=60');
        if (got.status === 404) return;
        const batch = got.body as Got[];
        const res = await api(url)
          .post('/mq/q/once/ack')
          .send({ keys: batch.map((m) => m.key) });
        expect(res.body).toEqual({ acked: batch.length });
        for (const m of batch) acked.set(m.value, (acked.get(m.value) ?? 0) + 1);
      }
    };
    await Promise.all([consume(urls[0]), consume(urls[1]), consume(urls[1])]);
    expect(acked.size).toBe(total);
    expect([...acked.values()].every((n) => n === 1)).toBe(true);
    expect(await stats('once')).toMatchObject({
      len: 0,
      leased: 0,
      metrics: { added: total, leased: total, acked: total },
    });
  }, 60_000);
});
