import { RedisKeys } from '@app/redis';
import request from 'supertest';
import { startApi, waitFor, type TestApi } from './support/api';
import { comet, mq, redisOf, type Comet } from './support/mq';
import { registerUser, sleep, type TestUser } from './support/stack';
import { useStack } from './support/suite';

describe('/mq: RestMQ-compatible queues', () => {
  const suite = useStack({ gateways: 0 });
  let alice: TestUser;
  let bob: TestUser;
  const streams: Comet[] = [];
  const open = (url: string, user: TestUser, queue: string) => {
    const c = comet(url, user.token, queue);
    streams.push(c);
    return c;
  };

  let redis: ReturnType<typeof redisOf>;

  beforeAll(async () => {
    alice = await registerUser(suite.stack.api.url, 'mqa');
    bob = await registerUser(suite.stack.api.url, 'mqb');
    redis = redisOf(suite.stack);
  });
  afterAll(() => {
    streams.forEach((c) => c.close());
    redis.disconnect();
  });

  const as = (user: TestUser) => mq(suite.stack.api.url, user.token);

  it('adds with a form value (or msg) and answers the key as text; no value is a 400', async () => {
    const first = await as(alice).post('/mq/q/fifo').type('form').send({ value: 'one' });
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toMatch(/^text\/plain/);
    expect(first.text).toBe('fifo:1');
    expect((await as(alice).post('/mq/q/fifo').type('form').send({ msg: 'two' })).text).toBe(
      'fifo:2',
    );
    expect((await as(alice).post('/mq/q/fifo').send({ value: 'three' })).text).toBe('fifo:3');
    expect((await as(alice).post('/mq/q/fifo').type('form').send({ other: 'x' })).status).toBe(400);
    expect(
      (await as(alice).post('/mq/q/bad%20name').type('form').send({ value: 'x' })).status,
    ).toBe(400);
  });

  it('hard get is FIFO and removes; an empty queue is 404 {"error": "empty queue"}', async () => {
    for (const [key, value] of [
      ['fifo:1', 'one'],
      ['fifo:2', 'two'],
      ['fifo:3', 'three'],
    ]) {
      const res = await as(alice).get('/mq/q/fifo');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ key, value, count: 0 });
    }
    const empty = await as(alice).get('/mq/q/fifo');
    expect(empty.status).toBe(404);
    expect(empty.body.error).toBe('empty queue');
  });

  it('soft get reads the head in place and counts earlier reads', async () => {
    const key = (await as(alice).post('/mq/q/soft').type('form').send({ value: 'v' })).text;
    expect((await as(alice).get('/mq/q/soft?soft=1')).body).toEqual({ key, value: 'v', count: 0 });
    expect((await as(alice).get('/mq/q/soft?soft=1')).body).toEqual({ key, value: 'v', count: 1 });
    expect((await as(alice).get('/mq/q/soft')).body).toEqual({ key, value: 'v', count: 2 });
    expect((await as(alice).get('/mq/q/soft?soft=1')).status).toBe(404);
  });

  it("lists the caller's queues, and another account sees none of them", async () => {
    await as(alice).post('/mq/q/private').type('form').send({ value: 'secret' });
    const list = await as(alice).get('/mq/q');
    expect(list.status).toBe(200);
    expect(list.body).toEqual(
      expect.arrayContaining([{ queue: 'private', len: 1, status: 1, policy: 'broadcast' }]),
    );
    expect((await as(bob).get('/mq/q')).body).toEqual([]);
    expect((await as(bob).get('/mq/q/private')).status).toBe(404);
    expect((await as(bob).get('/mq/q/private?soft=1')).status).toBe(404);
    expect((await as(bob).get('/mq/stats')).body).toEqual({ queues: {}, count: 0 });
    expect((await as(bob).delete('/mq/q/private')).body).toEqual({ queue: 'private', status: 0 });
    expect((await as(alice).get('/mq/q/private')).body.value).toBe('secret');
    expect((await request(suite.stack.api.url).get('/mq/q')).status).toBe(401);
  });

  it('a leased message is hidden, comes back when its lease expires, and an ack ends it', async () => {
    const key = (await as(alice).post('/mq/q/jobs').type('form').send({ value: 'work' })).text;
    const leased = await as(alice).get('/mq/q/jobs?lease=60');
    expect(leased.body).toMatchObject({ key, value: 'work', count: 0, lease: 60 });
    expect(leased.body.leaseUntil).toBeGreaterThan(Date.now() + 50_000);
    expect((await as(alice).get('/mq/q/jobs')).status).toBe(404);
    // The consumer died: its lease runs out (forced rather than waited for).
    const { leases } = RedisKeys.queue(alice.id, 'jobs');
    await redis.zadd(leases, Date.now() - 1, key.split(':')[1]);
    const again = await as(alice).get('/mq/q/jobs?lease=60');
    expect(again.body).toMatchObject({ key, value: 'work' });
    expect((await as(alice).delete(`/mq/q/jobs/${key}`)).status).toBe(204);
    expect((await as(alice).delete(`/mq/q/jobs/${key}`)).status).toBe(404);
    expect((await as(alice).get('/mq/q/jobs')).status).toBe(404);
    const stats = await as(alice).get('/mq/stats/jobs');
    expect(stats.body).toMatchObject({ queue: 'jobs', len: 0, leased: 0 });
    expect(stats.body.metrics).toMatchObject({ added: 1, leased: 2, redelivered: 1, acked: 1 });
    expect((await as(alice).get('/mq/q/jobs?lease=0')).status).toBe(400);
    expect((await as(alice).get('/mq/q/jobs?lease=3601')).status).toBe(400);
  });

  it('a value with a ttl is gone once it expires', async () => {
    const res = await as(alice).post('/mq/q/ttl').type('form').send({ value: 'short', ttl: '60' });
    const n = res.text.split(':')[1];
    await as(alice).post('/mq/q/ttl').type('form').send({ value: 'long' });
    await redis.zadd(RedisKeys.queue(alice.id, 'ttl').expiry, Date.now() - 1, n);
    expect((await as(alice).get('/mq/q/ttl')).body.value).toBe('long');
    expect((await as(alice).get('/mq/stats/ttl')).body.metrics.expired).toBe(1);
  });

  describe('limits', () => {
    let small: TestApi;
    beforeAll(async () => {
      small = await startApi(
        { ...suite.stack.env, LIMIT_QUEUE_LENGTH: '3' },
        { redisUrl: suite.stack.redis.url, flush: false },
      );
    });
    afterAll(() => small.close());

    it('a full queue is a 409 and a value over 64 KB a 413; neither stores anything', async () => {
      const api = mq(small.url, alice.token);
      for (let i = 0; i < 3; i += 1) {
        expect(
          (
            await api
              .post('/mq/q/capped')
              .type('form')
              .send({ value: `v${i}` })
          ).status,
        ).toBe(200);
      }
      const full = await api.post('/mq/q/capped').type('form').send({ value: 'v3' });
      expect(full.status).toBe(409);
      expect(full.body.message).toContain('full');
      const big = await api
        .post('/mq/q/big')
        .type('form')
        .send({ value: 'x'.repeat(64 * 1024 + 1) });
      expect(big.status).toBe(413);
      expect(
        (
          await api
            .post('/mq/q/big')
            .type('form')
            .send({ value: 'x'.repeat(64 * 1024) })
        ).status,
      ).toBe(200);
      expect((await api.get('/mq/stats/capped')).body.len).toBe(3);
      expect((await api.get('/mq/stats/big')).body.len).toBe(1);
      expect((await api.get('/mq/q/capped')).body.key).toBe('capped:1');
      expect((await api.post('/mq/q/capped').type('form').send({ value: 'v4' })).text).toBe(
        'capped:4',
      );
    });
  });

  it('policy and control: RestMQ defaults, changes, and 400 for unknown values', async () => {
    expect((await as(alice).get('/mq/p/pc')).body).toEqual({ queue: 'pc', value: 'broadcast' });
    const set = await as(alice).post('/mq/p/pc').type('form').send({ policy: 'roundrobin' });
    expect(set.body).toEqual({ queue: 'pc', value: 'roundrobin' });
    expect((await as(alice).get('/mq/p/pc')).body.value).toBe('roundrobin');
    expect((await as(alice).post('/mq/p/pc').type('form').send({ policy: 'random' })).status).toBe(
      400,
    );
    expect((await as(alice).get('/mq/control/pc')).body).toEqual({ queue: 'pc', status: 1 });
    expect(
      (await as(alice).post('/mq/control/pc').type('form').send({ status: 'stop' })).body,
    ).toEqual({
      queue: 'pc',
      status: 0,
    });
    expect(
      (await as(alice).post('/mq/control/pc').type('form').send({ status: 'pause' })).status,
    ).toBe(400);
    const stats = await as(alice).get('/mq/stats');
    expect(stats.body.count).toBe(stats.body.queues && Object.keys(stats.body.queues).length);
    expect(stats.body.queues.pc).toMatchObject({
      name: 'pc',
      len: 0,
      status: 0,
      policy: 'roundrobin',
    });
  });

  it('stop pauses comet delivery only; start resumes it', async () => {
    await as(alice).post('/mq/control/paused').type('form').send({ status: 'stop' });
    const c = open(suite.stack.api.url, alice, 'paused');
    await c.ready;
    await as(alice).post('/mq/q/paused').type('form').send({ value: 'held' });
    await sleep(1500); // longer than the dispatcher's 1 s look: it must still hold the message
    expect(c.messages).toEqual([]);
    expect((await as(alice).get('/mq/stats/paused')).body.len).toBe(1);
    await as(alice).post('/mq/control/paused').type('form').send({ status: 'start' });
    await waitFor(() => c.messages.length === 1);
    expect(c.messages[0]).toEqual({ key: 'paused:1', value: 'held' });
  });

  it('the JSON protocol: add, get (soft), take (hard), del, and its errors', async () => {
    const api = as(alice);
    const added = await api.post('/mq/queue').send({ cmd: 'add', queue: 'proto', value: 'a' });
    expect(added.status).toBe(200);
    expect(added.body).toEqual({ queue: 'proto', value: 'a', key: 'proto:1' });
    const form = await api
      .post('/mq/queue')
      .type('form')
      .send({ body: JSON.stringify({ cmd: 'add', queue: 'proto', value: 'b' }) });
    expect(form.body.key).toBe('proto:2');
    expect((await api.post('/mq/queue').send({ cmd: 'get', queue: 'proto' })).body).toEqual({
      queue: 'proto',
      value: 'a',
      key: 'proto:1',
      count: 0,
    });
    expect((await api.post('/mq/queue').send({ cmd: 'take', queue: 'proto' })).body).toEqual({
      queue: 'proto',
      value: 'a',
      key: 'proto:1',
    });
    expect(
      (await api.post('/mq/queue').send({ cmd: 'del', queue: 'proto', key: 'proto:2' })).body,
    ).toEqual({
      queue: 'proto',
      deleted: true,
      key: 'proto:2',
    });
    expect(
      (await api.post('/mq/queue').send({ cmd: 'del', queue: 'proto', key: 'proto:2' })).body
        .deleted,
    ).toBe(false);
    expect((await api.post('/mq/queue').send({ cmd: 'take', queue: 'proto' })).body).toEqual({
      error: 'empty queue',
    });
    expect((await api.post('/mq/queue').send({ cmd: 'get', queue: 'proto' })).body).toEqual({
      error: 'empty queue',
    });
    const bad = await api.post('/mq/queue').type('form').send({ body: '{not json' });
    expect(bad.status).toBe(400);
    const unknown = await api.post('/mq/queue').send({ cmd: 'pop', queue: 'proto' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('unknown cmd');
  });

  it("RestMQ's root form post: queue= and value=", async () => {
    const res = await as(alice).post('/mq').type('form').send({ queue: 'root', value: 'r' });
    expect(res.text).toBe('root:1');
    expect((await as(alice).get('/mq/q/root')).body.value).toBe('r');
  });

  it('deleting a queue answers how many it held and closes its comet consumers', async () => {
    const c = open(suite.stack.api.url, alice, 'doomed');
    await c.ready;
    await as(alice).post('/mq/control/doomed').type('form').send({ status: 'stop' });
    await as(alice).post('/mq/q/doomed').type('form').send({ value: '1' });
    await as(alice).post('/mq/q/doomed').type('form').send({ value: '2' });
    expect((await as(alice).delete('/mq/q/doomed')).body).toEqual({ queue: 'doomed', status: 2 });
    await c.ended;
    const left = (await as(alice).get('/mq/q')).body as Array<{ queue: string }>;
    expect(left.map((q) => q.queue)).not.toContain('doomed');
  });

  it('the OpenAPI document lists no 429 on /mq gets: they do not count as reads', async () => {
    const doc = (await request(suite.stack.api.url).get('/api/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const mqGets = Object.entries(doc.paths).filter(
      ([path, ops]) => path.startsWith('/mq') && ops.get,
    );
    expect(mqGets.map(([path]) => path)).toEqual(
      expect.arrayContaining(['/mq/q', '/mq/q/{queue}', '/mq/c/{queue}', '/mq/stats']),
    );
    for (const [, ops] of mqGets) expect(Object.keys(ops.get.responses)).not.toContain('429');
    expect(Object.keys(doc.paths['/api/rooms'].get.responses)).toContain('429');
  });
});
