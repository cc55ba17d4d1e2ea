import request from 'supertest';
import { waitFor } from './support/api';
import { ApiProcess } from './support/api-process';
import { comet, mq, mqWs, type Comet, type MqWs } from './support/mq';
import { freePort, registerUser, sleep, type TestUser } from './support/stack';
import { useStack } from './support/suite';

/** MQ_WS_ACK_SECONDS for this suite: an un-acked message comes again after 1 s, not 30. */
const ACK_SECONDS = 1;

describe('/mq/ws: WebSocket consumers', () => {
  const suite = useStack({ gateways: 0, env: { MQ_WS_ACK_SECONDS: String(ACK_SECONDS) } });
  let second: ApiProcess;
  let alice: TestUser;
  let bob: TestUser;
  const sockets: MqWs[] = [];
  const streams: Comet[] = [];
  const first = () => suite.stack.api.url;
  const open = async (url: string, queue: string, opts: Parameters<typeof mqWs>[2] = {}) => {
    const ws = await mqWs(url, queue, { token: alice.token, ...opts });
    sockets.push(ws);
    return ws;
  };
  const add = async (url: string, queue: string, value: string, user = alice) =>
    (await mq(url, user.token).post(`/mq/q/${queue}`).type('form').send({ value })).text;
  const stats = async (queue: string) =>
    (await mq(first(), alice.token).get(`/mq/stats/${queue}`)).body as {
      len: number;
      leased: number;
      metrics: Record<string, number>;
    };
  const createToken = async (scopes: string[]) =>
    (
      await request(first())
        .post('/api/tokens')
        .set('Authorization', `Bearer ${alice.token}`)
        .send({ name: 'ws', scopes })
        .expect(201)
    ).body as { id: string; token: string };

  beforeAll(async () => {
    second = new ApiProcess(await freePort(), {
      ...suite.stack.env,
      MQ_WS_ACK_SECONDS: String(ACK_SECONDS),
    });
    await second.start();
    alice = await registerUser(first(), 'wsa');
    bob = await registerUser(first(), 'wsb');
  }, 60_000);
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    streams.forEach((c) => c.close());
    await second?.stop('SIGKILL');
  });

  it('sends each message as a {key, value} text frame, consumed as sent', async () => {
    const ws = await open(first(), 'plain');
    const key = await add(first(), 'plain', 'hello');
    await waitFor(() => ws.frames.length === 1);
    expect(ws.frames).toEqual([{ key, value: 'hello' }]);
    expect(await stats('plain')).toMatchObject({ len: 0, leased: 0, metrics: { taken: 1 } });
  });

  it('authenticates like /mq: session or a token with "queues"; never a token in the URL', async () => {
    const reject = (queue: string, opts: Parameters<typeof mqWs>[2]) =>
      mqWs(first(), queue, opts).then(
        (ws) => {
          ws.close();
          return 'opened';
        },
        (err: Error) => err.message,
      );
    const queues = await createToken(['queues']);
    const narrow = await createToken(['messages:read', 'messages:write']);
    expect(await reject('auth', {})).toBe('mq/ws: 401');
    expect(await reject('auth', { token: 'prl_' + 'x'.repeat(43) })).toBe('mq/ws: 401');
    expect(await reject('auth', { token: narrow.token })).toBe('mq/ws: 403');
    expect(await reject('auth', { query: `?token=${queues.token}` })).toBe('mq/ws: 400');
    expect(
      await reject('auth', { token: alice.token, headers: { Origin: 'https://evil.example' } }),
    ).toBe('mq/ws: 403');
    expect(await reject('bad%20name', { token: alice.token })).toBe('mq/ws: 400');

    const byToken = await open(first(), 'auth', { token: queues.token });
    const key = await add(first(), 'auth', 'for the bot');
    await waitFor(() => byToken.frames.length === 1);
    expect(byToken.frames).toEqual([{ key, value: 'for the bot' }]);
    // Another account's queue of the same name is another queue.
    await add(first(), 'auth', 'bob only', bob);
    await sleep(1200); // past the dispatcher's 1 s look
    expect(byToken.frames).toHaveLength(1);
  });

  it('with ?ack=1 an un-acked message comes again after MQ_WS_ACK_SECONDS; an acked one does not', async () => {
    await mq(first(), alice.token).post('/mq/p/acked').type('form').send({ policy: 'roundrobin' });
    const ws = await open(first(), 'acked', { query: '?ack=1' });
    const kept = await add(first(), 'acked', 'ack me');
    const dropped = await add(first(), 'acked', 'let me come back');
    await waitFor(() => ws.messages().length === 2);
    expect(await stats('acked')).toMatchObject({ len: 0, leased: 2 });
    ws.send(JSON.stringify({ ack: kept }));
    const sentAt = Date.now();
    await waitFor(() => ws.messages().length === 3, 5_000);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(ACK_SECONDS * 1000 - 300);
    expect(ws.messages()[2]).toEqual({ key: dropped, value: 'let me come back' });
    ws.send(JSON.stringify({ ack: dropped }));
    await waitFor(async () => (await stats('acked')).metrics.acked === 2);
    expect(await stats('acked')).toMatchObject({ len: 0, leased: 0 });
    expect(ws.messages().filter((m) => m.key === kept)).toHaveLength(1);
  });

  it('under broadcast an ack=1 consumer gets its own copy again until it acks', async () => {
    const ws = await open(first(), 'bcack', { query: '?ack=1' });
    const key = await add(first(), 'bcack', 'copy');
    await waitFor(() => ws.messages().length === 2, 5_000);
    ws.send(JSON.stringify({ ack: key }));
    const count = ws.messages().length;
    await sleep(ACK_SECONDS * 1000 + 500);
    expect(ws.messages()).toHaveLength(count);
    expect(ws.frames.filter((f) => f.error)).toEqual([]);
  });

  it('answers bad frames with an error frame and keeps serving', async () => {
    const ws = await open(first(), 'frames', { query: '?ack=1' });
    const plain = await open(first(), 'frames2');
    ws.send('not json');
    ws.send(Buffer.from([0xff, 0x00, 0x01]));
    ws.send(JSON.stringify({ ack: 7 }));
    ws.send(JSON.stringify({ ack: 'frames:999' }));
    plain.send(JSON.stringify({ ack: 'frames2:1' }));
    await waitFor(() => ws.frames.length === 4 && plain.frames.length === 1);
    expect(ws.frames.every((f) => typeof f.error === 'string')).toBe(true);
    expect(ws.frames[3]).toMatchObject({ key: 'frames:999' });
    expect(plain.frames[0].error).toMatch(/ack=1/);
    const key = await add(first(), 'frames', 'still here');
    await waitFor(() => ws.messages().length === 1);
    expect(ws.messages()).toEqual([{ key, value: 'still here' }]);
  });

  it('a consumer on one API process gets what is added on the other', async () => {
    const ws = await open(second.url, 'hop');
    const key = await add(first(), 'hop', 'across');
    await waitFor(() => ws.frames.length === 1);
    expect(ws.frames).toEqual([{ key, value: 'across' }]);
  });

  it('roundrobin: ws and comet consumers on two processes, each message consumed once', async () => {
    await mq(first(), alice.token).post('/mq/p/rrws').type('form').send({ policy: 'roundrobin' });
    const wss = [await open(first(), 'rrws'), await open(second.url, 'rrws')];
    const acking = await open(second.url, 'rrws', { query: '?ack=1', autoAck: true });
    const c = comet(first(), alice.token, 'rrws');
    streams.push(c);
    await c.ready;
    const total = 600;
    for (let i = 0; i < total; i += 1) await add(i % 2 ? first() : second.url, 'rrws', `m${i}`);
    const all = () => [...wss.map((w) => w.messages()), acking.messages(), c.messages].flat();
    await waitFor(() => all().length >= total, 30_000);
    await waitFor(async () => (await stats('rrws')).leased === 0);
    await sleep(ACK_SECONDS * 1000 + 1200); // nothing acked comes again
    const values = all().map((m) => m.value);
    expect(values).toHaveLength(total);
    expect(new Set(values).size).toBe(total);
    for (const w of [...wss, acking]) expect(w.messages().length).toBeGreaterThan(0);
  }, 60_000);

  it('broadcast: every ws consumer on either process gets every message', async () => {
    const wss = [await open(first(), 'bcws'), await open(second.url, 'bcws')];
    for (let i = 0; i < 10; i += 1) await add(i % 2 ? first() : second.url, 'bcws', `b${i}`);
    await waitFor(() => wss.every((w) => w.messages().length >= 10));
    const expected = Array.from({ length: 10 }, (_, i) => `b${i}`).sort();
    for (const w of wss)
      expect(
        w
          .messages()
          .map((m) => m.value)
          .sort(),
      ).toEqual(expected);
  });

  it('stop pauses ws delivery; start resumes it', async () => {
    await mq(first(), alice.token)
      .post('/mq/control/wspause')
      .type('form')
      .send({ status: 'stop' });
    const ws = await open(second.url, 'wspause');
    await add(first(), 'wspause', 'held');
    await sleep(1500); // longer than the dispatcher's 1 s look: it must still hold the message
    expect(ws.frames).toEqual([]);
    await mq(first(), alice.token)
      .post('/mq/control/wspause')
      .type('form')
      .send({ status: 'start' });
    await waitFor(() => ws.frames.length === 1);
    expect(ws.frames[0]).toEqual({ key: 'wspause:1', value: 'held' });
  });

  it('deleting the queue closes its ws consumers on every process', async () => {
    const wss = [await open(first(), 'wsgone'), await open(second.url, 'wsgone')];
    await mq(first(), alice.token).delete('/mq/q/wsgone').expect(200);
    for (const w of wss)
      expect(await w.closed).toMatchObject({ code: 1000, reason: 'queue deleted' });
  });

  it('a consumer is listening once it is open: a deletion sent right after reaches it', async () => {
    // Before, the upgrade was answered before the process subscribed to the queue's signals.
    for (let i = 0; i < 20; i += 1) {
      const ws = await open(second.url, `wsrace${i}`);
      await mq(first(), alice.token).delete(`/mq/q/wsrace${i}`).expect(200);
      expect(await ws.closed).toMatchObject({ code: 1000, reason: 'queue deleted' });
    }
  });

  it('closes a consumer that stops reading (1013); the others keep getting everything', async () => {
    const hung = await open(first(), 'slow');
    const reader = await open(first(), 'slow');
    hung.pause(true);
    const value = 'x'.repeat(60 * 1024);
    const total = 150; // 9 MB: more than the 4 MB a consumer may leave unread, plus socket buffers
    for (let i = 0; i < total; i += 1) await add(first(), 'slow', value);
    await waitFor(() => reader.messages().length === total, 30_000);
    hung.pause(false);
    expect(await hung.closed).toMatchObject({ code: 1013, reason: 'consumer too slow' });
    expect(hung.messages().length).toBeLessThan(total);
  }, 60_000);

  it('refuses a 101st consumer of one account on one process with 429', async () => {
    const carol = await registerUser(first(), 'wsc');
    // All at once: the limit holds against concurrent upgrades too.
    const settled = await Promise.allSettled(
      Array.from({ length: 101 }, (_, i) => open(first(), `many${i % 5}`, { token: carol.token })),
    );
    const many = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const refused = settled.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    expect(many).toHaveLength(100);
    expect(refused).toEqual(['Error: mq/ws: 429']);
    // Another process counts its own.
    (await open(second.url, 'many0', { token: carol.token })).close();
    many.forEach((w) => w.close());
    await Promise.all(many.map((w) => w.closed));
    (await open(first(), 'many0', { token: carol.token })).close();
  });

  it('revoking the token closes its consumers on both processes within 1 s', async () => {
    const { id, token } = await createToken(['queues']);
    const wss = [await open(first(), 'rev', { token }), await open(second.url, 'rev', { token })];
    const started = Date.now();
    await request(first())
      .delete(`/api/tokens/${id}`)
      .set('Authorization', `Bearer ${alice.token}`)
      .expect(204);
    for (const w of wss) {
      const closed = await w.closed;
      expect(closed).toMatchObject({ code: 1008, reason: 'session revoked' });
      expect(closed.at - started).toBeLessThan(1000);
    }
  });

  it('logging the session out closes its consumers within 1 s', async () => {
    const dora = await registerUser(first(), 'wsd');
    const ws = await open(second.url, 'bye', { token: dora.token });
    const started = Date.now();
    await request(first())
      .post('/api/auth/logout')
      .set('Authorization', `Bearer ${dora.token}`)
      .expect(204);
    const closed = await ws.closed;
    expect(closed).toMatchObject({ code: 1008, reason: 'session revoked' });
    expect(closed.at - started).toBeLessThan(1000);
    expect(ws.frames).toEqual([{ error: 'session revoked' }]);
  });

  // Last: it kills the second process.
  it('kill -9 of the process holding un-acked ws messages: they reach a consumer on the other', async () => {
    await mq(first(), alice.token).post('/mq/p/crash').type('form').send({ policy: 'roundrobin' });
    const doomed = await open(second.url, 'crash', { query: '?ack=1' });
    const keys: string[] = [];
    for (let i = 0; i < 5; i += 1) keys.push(await add(first(), 'crash', `c${i}`));
    await waitFor(() => doomed.messages().length === 5);
    await second.stop('SIGKILL'); // it held all five on leases, none acked
    const survivor = await open(first(), 'crash', { query: '?ack=1', autoAck: true });
    await waitFor(() => survivor.messages().length === 5, 10_000);
    expect(
      survivor
        .messages()
        .map((m) => m.key)
        .sort(),
    ).toEqual([...keys].sort());
    await waitFor(async () => (await stats('crash')).metrics.acked === 5);
    expect(await stats('crash')).toMatchObject({ len: 0, leased: 0 });
  });
});
