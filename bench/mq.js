'use strict';
// `npm run bench mq`: queue throughput over HTTP (/mq, authenticated with an API token) beside raw
// LPUSH / RPOP on the same Redis in the same run. Four phases, each with the same concurrency:
// raw LPUSH then RPOP (ioredis, one connection, `concurrency` commands in flight); /mq adds, hard
// gets until the queue is empty, adds again, then leased gets each followed by its ack. Parley
// runs one API process from dist/ (plus two idle gateways: startParley's shape). The client runs in
// this process; its CPU is part of the machine's, so the ratio is the figure to judge.
//
// Then the same in batches (a Parley extension): raw LPUSH of `batch` values and RPOP key `batch`,
// beside /mq batch adds ({"values": [...]}), batch hard gets (?n=) until empty, batch adds again,
// then leased batch gets each followed by one batch ack ({"keys": [...]}). Each phase's rate is
// messages per second; the ratios are to raw per-command (the figure) and to raw batched.
//
// Env: BENCH_MQ_MESSAGES (default 20,000; smoke 300), BENCH_MQ_CONCURRENCY (default 32),
// BENCH_MQ_BATCH (values per batch, default 100), BENCH_MQ_BATCH_MESSAGES (default 200,000;
// smoke 600), BENCH_MQ_BATCH_CONCURRENCY (batches in flight, default 8).
const Redis = require('ioredis');
const { withParley } = require('./lib/servers');
const { log, api, fmt } = require('./lib/harness');

function params(smoke) {
  const env = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
  return {
    messages: env('BENCH_MQ_MESSAGES', smoke ? 300 : 20_000),
    concurrency: env('BENCH_MQ_CONCURRENCY', 32),
    valueBytes: 100,
    batch: env('BENCH_MQ_BATCH', 100),
    batchMessages: env('BENCH_MQ_BATCH_MESSAGES', smoke ? 600 : 200_000),
    batchConcurrency: env('BENCH_MQ_BATCH_CONCURRENCY', 8),
  };
}

/** Runs `fn` until it returns false on every lane; counts the calls that returned true. */
async function lanes(width, fn) {
  let done = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (await fn()) done += 1;
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { count: done, seconds, perSec: Math.round(done / seconds) };
}

/** A bounded producer: `n` calls of `fn` over `width` lanes. */
function produce(n, width, fn) {
  let next = 0;
  return lanes(width, async () => {
    if (next >= n) return false;
    next += 1;
    await fn();
    return true;
  });
}

async function raw(redis, p, value) {
  const client = new Redis(redis.url);
  const key = 'bench:raw';
  const push = await produce(p.messages, p.concurrency, () => client.lpush(key, value));
  const pop = await lanes(p.concurrency, async () => (await client.rpop(key)) !== null);
  client.disconnect();
  return { push, pop };
}

/** Lanes that each move up to `batch` messages per call; `fn` answers how many it moved. */
async function batchLanes(width, fn) {
  let done = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let moved; (moved = await fn()) > 0;) done += moved;
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { count: done, seconds, perSec: Math.round(done / seconds) };
}

/** A bounded batch producer: `n` messages in calls of up to `batch` over `width` lanes. */
function produceBatches(n, batch, width, fn) {
  let next = 0;
  return batchLanes(width, async () => {
    const size = Math.min(batch, n - next);
    if (size <= 0) return 0;
    next += size;
    await fn(size);
    return size;
  });
}

async function rawBatched(redis, p, value) {
  const client = new Redis(redis.url);
  const key = 'bench:raw:batched';
  const push = await produceBatches(p.batchMessages, p.batch, p.batchConcurrency, (size) =>
    client.lpush(key, ...Array(size).fill(value)),
  );
  const pop = await batchLanes(
    p.batchConcurrency,
    async () => ((await client.rpop(key, p.batch)) ?? []).length,
  );
  client.disconnect();
  return { push, pop };
}

async function httpBatched(apiUrl, token, p, value) {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const call = async (method, path, body) => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers,
      body: body && JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== 200 && res.status !== 404)
      throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return { status: res.status, body: res.status === 200 ? JSON.parse(text) : null };
  };
  const add = (size) => call('POST', '/mq/q/batched', { values: Array(size).fill(value) });
  const push = await produceBatches(p.batchMessages, p.batch, p.batchConcurrency, add);
  const take = await batchLanes(p.batchConcurrency, async () => {
    const got = await call('GET', `/mq/q/batched?n=${p.batch}`);
    return got.status === 200 ? got.body.length : 0;
  });
  const pushAgain = await produceBatches(p.batchMessages, p.batch, p.batchConcurrency, add);
  const lease = await batchLanes(p.batchConcurrency, async () => {
    const got = await call('GET', `/mq/q/batched?n=${p.batch}&lease=60`);
    if (got.status !== 200) return 0;
    const keys = got.body.map((m) => m.key);
    const acked = await call('POST', '/mq/q/batched/ack', { keys });
    if (acked.body.acked !== keys.length)
      throw new Error(`ack: ${acked.body.acked} of ${keys.length}`);
    return keys.length;
  });
  return { push, take, pushAgain, lease };
}

async function http(apiUrl, token, p, value) {
  // fetch keeps its connections alive, as a bot fleet would hold them.
  const headers = { authorization: `Bearer ${token}` };
  const call = async (method, path, body) => {
    const res = await fetch(`${apiUrl}${path}`, { method, headers, body });
    const text = await res.text();
    if (res.status >= 500 || res.status === 401 || res.status === 403 || res.status === 409)
      throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return { status: res.status, text };
  };
  const add = () => call('POST', '/mq/q/bench', new URLSearchParams({ value }));
  // The HTTP stack's own ceiling on this machine: no auth, no Redis.
  const floor = await produce(p.messages, p.concurrency, () => call('GET', '/api/health/live'));
  const push = await produce(p.messages, p.concurrency, add);
  const take = await lanes(
    p.concurrency,
    async () => (await call('GET', '/mq/q/bench')).status === 200,
  );
  const pushAgain = await produce(p.messages, p.concurrency, add);
  const lease = await lanes(p.concurrency, async () => {
    const got = await call('GET', '/mq/q/bench?lease=60');
    if (got.status !== 200) return false;
    const acked = await call('DELETE', `/mq/q/bench/${JSON.parse(got.text).key}`);
    if (acked.status !== 204) throw new Error(`ack: ${acked.status}`);
    return true;
  });
  return { floor, push, take, pushAgain, lease };
}

async function run(p) {
  const value = 'v'.repeat(p.valueBytes);
  const length = Math.max(p.messages, p.batchMessages) * 2;
  return withParley({ LIMIT_QUEUE_LENGTH: String(length) }, async (servers, redis) => {
    const user = await api(servers.apiUrl, 'POST', '/api/auth/register', {
      username: `mq${Date.now().toString(36)}`,
      password: 'password123',
    });
    const { token } = await api(
      servers.apiUrl,
      'POST',
      '/api/tokens',
      { name: 'bench', scopes: ['queues'] },
      user.token,
    );
    log(`raw LPUSH/RPOP, ${p.messages} messages, ${p.concurrency} in flight…`);
    const r = await raw(redis, p, value);
    log(`/mq add, hard get, add, leased get + ack…`);
    const h = await http(servers.apiUrl, token, p, value);
    for (const [name, phase] of Object.entries({ ...h })) {
      if (phase.count !== p.messages) throw new Error(`${name}: ${phase.count} of ${p.messages}`);
    }
    if (r.pop.count !== p.messages) throw new Error(`raw pop: ${r.pop.count} of ${p.messages}`);
    log(`batches of ${p.batch}: raw, then /mq batch add, get, add, leased get + ack…`);
    const rb = await rawBatched(redis, p, value);
    const hb = await httpBatched(servers.apiUrl, token, p, value);
    for (const [name, phase] of Object.entries({ ...rb, ...hb })) {
      if (phase.count !== p.batchMessages)
        throw new Error(`batched ${name}: ${phase.count} of ${p.batchMessages}`);
    }
    return { params: p, raw: r, http: h, rawBatched: rb, httpBatched: hb };
  });
}

function report(result) {
  const { raw: r, http: h, rawBatched: rb, httpBatched: hb, params: p } = result;
  const ratio = (a, b) => a.perSec / b.perSec;
  const both = (phase, perCommand, batched) =>
    `${fmt(ratio(phase, perCommand), 3)} | ${fmt(ratio(phase, batched), 3)}`;
  const summary = {
    rawLpushPerSec: r.push.perSec,
    rawRpopPerSec: r.pop.perSec,
    httpFloorPerSec: h.floor.perSec,
    mqAddPerSec: h.push.perSec,
    mqHardGetPerSec: h.take.perSec,
    mqLeasedGetAndAckPerSec: h.lease.perSec,
    addVsLpush: ratio(h.push, r.push),
    hardGetVsRpop: ratio(h.take, r.pop),
    leaseAndAckVsRpop: ratio(h.lease, r.pop),
    batch: p.batch,
    rawBatchedLpushPerSec: rb.push.perSec,
    rawBatchedRpopPerSec: rb.pop.perSec,
    mqBatchAddPerSec: hb.push.perSec,
    mqBatchHardGetPerSec: hb.take.perSec,
    mqBatchLeasedGetAndAckPerSec: hb.lease.perSec,
    batchAddVsLpush: ratio(hb.push, r.push),
    batchHardGetVsRpop: ratio(hb.take, r.pop),
    batchLeaseAndAckVsRpop: ratio(hb.lease, r.pop),
    batchAddVsBatchedLpush: ratio(hb.push, rb.push),
    batchHardGetVsBatchedRpop: ratio(hb.take, rb.pop),
    batchLeaseAndAckVsBatchedRpop: ratio(hb.lease, rb.pop),
  };
  process.stdout.write(
    [
      '',
      `| phase | messages/s | ÷ raw per command | ÷ raw batched |`,
      `| --- | --- | --- | --- |`,
      `| raw LPUSH | ${r.push.perSec} | 1 | – |`,
      `| raw RPOP | ${r.pop.perSec} | 1 | – |`,
      `| raw LPUSH of ${p.batch} | ${rb.push.perSec} | ${fmt(ratio(rb.push, r.push), 3)} | 1 |`,
      `| raw RPOP ${p.batch} | ${rb.pop.perSec} | ${fmt(ratio(rb.pop, r.pop), 3)} | 1 |`,
      `| HTTP floor (GET /api/health/live) | ${h.floor.perSec} | – | – |`,
      `| /mq add (token) | ${h.push.perSec} | ${both(h.push, r.push, rb.push)} |`,
      `| /mq hard get | ${h.take.perSec} | ${both(h.take, r.pop, rb.pop)} |`,
      `| /mq leased get + ack | ${h.lease.perSec} | ${both(h.lease, r.pop, rb.pop)} |`,
      `| /mq batch add of ${p.batch} | ${hb.push.perSec} | ${both(hb.push, r.push, rb.push)} |`,
      `| /mq batch hard get ?n=${p.batch} | ${hb.take.perSec} | ${both(hb.take, r.pop, rb.pop)} |`,
      `| /mq batch leased get + batch ack | ${hb.lease.perSec} | ${both(hb.lease, r.pop, rb.pop)} |`,
      '',
      '',
    ].join('\n'),
  );
  return summary;
}

module.exports = { params, run, report };
