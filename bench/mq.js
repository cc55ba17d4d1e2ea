'use strict';
// `npm run bench mq`: queue throughput over HTTP (/mq, authenticated with an API token) beside raw
// LPUSH / RPOP on the same Redis in the same run. Four phases, each with the same concurrency:
// raw LPUSH then RPOP (ioredis, one connection, `concurrency` commands in flight); /mq adds, hard
// gets until the queue is empty, adds again, then leased gets each followed by its ack. Parley
// runs one API process from dist/ (plus two idle gateways: startParley's shape). The client runs in
// this process; its CPU is part of the machine's, so the ratio is the figure to judge.
//
// Env: BENCH_MQ_MESSAGES (default 20,000; smoke 300), BENCH_MQ_CONCURRENCY (default 32).
const Redis = require('ioredis');
const { withParley } = require('./lib/servers');
const { log, api, fmt } = require('./lib/harness');

function params(smoke) {
  const env = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
  return {
    messages: env('BENCH_MQ_MESSAGES', smoke ? 300 : 20_000),
    concurrency: env('BENCH_MQ_CONCURRENCY', 32),
    valueBytes: 100,
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
  return withParley({ LIMIT_QUEUE_LENGTH: String(p.messages * 2) }, async (servers, redis) => {
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
    return { params: p, raw: r, http: h };
  });
}

function report(result) {
  const { raw: r, http: h } = result;
  const ratio = (a, b) => a.perSec / b.perSec;
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
  };
  process.stdout.write(
    [
      '',
      `| phase | messages/s | ÷ raw |`,
      `| --- | --- | --- |`,
      `| raw LPUSH | ${r.push.perSec} | 1 |`,
      `| raw RPOP | ${r.pop.perSec} | 1 |`,
      `| HTTP floor (GET /api/health/live) | ${h.floor.perSec} | – |`,
      `| /mq add (token) | ${h.push.perSec} | ${fmt(summary.addVsLpush, 3)} of LPUSH |`,
      `| /mq hard get | ${h.take.perSec} | ${fmt(summary.hardGetVsRpop, 3)} of RPOP |`,
      `| /mq leased get + ack | ${h.lease.perSec} | ${fmt(summary.leaseAndAckVsRpop, 3)} of RPOP |`,
      '',
      '',
    ].join('\n'),
  );
  return summary;
}

module.exports = { params, run, report };
