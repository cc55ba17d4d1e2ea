'use strict';
// The presence scenario's load side, run inside bench/loadgen.js (bench/presence.js
// sets it up). One socket per user; every `user.connected` / `user.disconnected` frame any socket
// receives is counted from its raw text (a broadcast connect storm is millions of frames), and in
// the measured window also checked against the audience each user should reach: DM partners,
// group-room co-members and the sockets watching them.
const { EioClient } = require('./lib/eio-client');

const FRAMES = { connected: '42["user.connected",', disconnected: '42["user.disconnected",' };
/** A receiver that was itself away this close to an announcement is not expected to get it. */
const SETTLE_MS = 2000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function inPool(n, concurrency, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

/** A stride coprime with n: visiting k·stride mod n reconnects users spread over the ids. */
function strideFor(n) {
  const gcd = (a, b) => (b === 0 ? a : gcd(b, a % b));
  let stride = 7919;
  while (gcd(stride, n) !== 1) stride += 1;
  return stride % n || 1;
}

/**
 * @param {object} cfg from bench/presence.js
 * @param {{ mark: (name: string) => Promise<void>, log: (line: string) => void }} io
 */
async function drive(cfg, { mark, log }) {
  const n = cfg.users.length;
  const indexOf = new Map(cfg.users.map((u, i) => [u.id, i]));
  // audience[u]: the sockets that should hear about u.
  const audience = cfg.partners.map((p) => new Set(p));
  if (cfg.watch) cfg.watch.forEach((ids, r) => ids.forEach((u) => audience[u].add(r)));
  const audienceMean = audience.reduce((sum, s) => sum + s.size, 0) / n;
  const watchIds = cfg.watch?.map((ids) => ids.map((v) => cfg.users[v].id));

  let deliveries = { connected: 0, disconnected: 0 };
  let lastEventAt = performance.now();
  /** While measuring: who was announced, and deliveries per (about u, to r) within the audience. */
  let measuring = null;

  const onFrame = (r) => (frame) => {
    const event = frame.startsWith(FRAMES.connected)
      ? 'connected'
      : frame.startsWith(FRAMES.disconnected)
        ? 'disconnected'
        : null;
    if (!event) return false;
    lastEventAt = performance.now();
    deliveries[event] += 1;
    if (measuring) {
      const at = frame.indexOf('"id":"') + 6;
      const u = indexOf.get(frame.slice(at, frame.indexOf('"', at)));
      if (u !== undefined) {
        measuring.announced[event].add(u);
        if (audience[u].has(r)) {
          const got = measuring.got[event];
          got.set(u * n + r, (got.get(u * n + r) ?? 0) + 1);
        }
      }
    }
    return true;
  };

  const sockets = new Array(n).fill(null);
  let watchFailed = 0;
  const open = async (i) => {
    const client = new EioClient(cfg.gateways[i % cfg.gateways.length], {
      auth: { token: cfg.users[i].token },
      onFrame: onFrame(i),
    });
    await client.connect();
    sockets[i] = client;
    if (watchIds) {
      const ack = await client.emitWithAck('presence.watch', { userIds: watchIds[i] });
      if (!ack?.ok) watchFailed += 1;
    }
  };
  /** Waits until no presence frame has arrived for `quietMs`. */
  const quiet = async (quietMs, maxMs) => {
    const t0 = performance.now();
    while (performance.now() - lastEventAt < quietMs && performance.now() - t0 < maxMs)
      await sleep(100);
  };

  // Everyone connects: the connect storm.
  await mark('connect-begin');
  let t0 = performance.now();
  await inPool(n, 100, open);
  const connectMs = performance.now() - t0;
  log(`${n} sockets open in ${(connectMs / 1000).toFixed(1)} s; waiting for the storm to end`);
  await quiet(3000, 900_000);
  const connectPhase = {
    connects: n,
    connectMs,
    quietMs: Math.max(connectMs, lastEventAt - t0),
    deliveries: deliveries.connected + deliveries.disconnected,
    deliveriesByEvent: deliveries,
    watchFailed,
  };
  await mark('connect-end');
  log(`connect storm: ${connectPhase.deliveries} presence deliveries`);

  // The measured window: reconnect `churns` sockets, evenly spread.
  deliveries = { connected: 0, disconnected: 0 };
  measuring = {
    announced: { connected: new Set(), disconnected: new Set() },
    got: { connected: new Map(), disconnected: new Map() },
  };
  const churns = Math.max(1, Math.round((n * cfg.churnPerMinute * cfg.durationMs) / 60000));
  const stride = strideFor(n);
  const away = []; // { u, down, up }
  let failed = 0;
  const churn = async (u) => {
    const rec = { u, down: performance.now(), up: Infinity };
    away.push(rec);
    sockets[u].close();
    sockets[u] = null;
    await sleep(cfg.downMs);
    try {
      await open(u);
      rec.up = performance.now();
    } catch {
      failed += 1;
    }
  };
  await mark('churn-begin');
  const cpu0 = process.cpuUsage();
  t0 = performance.now();
  const tasks = [];
  let next = 0;
  for (let k = 0; k < churns; k += 1) {
    const due = t0 + (k * cfg.durationMs) / churns;
    if (due > performance.now()) await sleep(due - performance.now());
    let u = (next * stride) % n;
    for (let tries = 0; sockets[u] === null && tries < n; tries += 1) u = (++next * stride) % n;
    next += 1;
    if (sockets[u] === null) continue; // everyone is away (a toy size with a huge churn)
    tasks.push(churn(u));
    if (k > 0 && k % Math.max(1, Math.round(churns / 6)) === 0)
      log(
        `${k}/${churns} reconnects started; ${deliveries.connected + deliveries.disconnected} presence deliveries so far`,
      );
  }
  await Promise.all(tasks);
  await quiet(SETTLE_MS, 60_000);
  const windowMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await mark('churn-end');

  // Who should have heard what: every audience member that was connected throughout.
  const awayOf = new Map();
  for (const rec of away) awayOf.set(rec.u, [...(awayOf.get(rec.u) ?? []), rec]);
  const wasAway = (r, rec) =>
    (awayOf.get(r) ?? []).some((o) => o.down <= rec.up + SETTLE_MS && o.up >= rec.down - 1000);
  const expectedPairs = new Map();
  for (const rec of away)
    for (const r of audience[rec.u])
      if (!wasAway(r, rec)) {
        const key = rec.u * n + r;
        expectedPairs.set(key, (expectedPairs.get(key) ?? 0) + 1);
      }
  let expected = 0;
  let reached = 0;
  for (const [key, e] of expectedPairs)
    for (const event of ['connected', 'disconnected']) {
      expected += e;
      reached += Math.min(e, measuring.got[event].get(key) ?? 0);
    }
  const connects = away.filter((rec) => rec.up !== Infinity).length;

  sockets.forEach((c) => c?.close());
  return {
    sockets: n,
    audienceMean,
    connectPhase,
    window: {
      durationMs: cfg.durationMs,
      churnPerMinute: cfg.churnPerMinute,
      watchPerSocket: cfg.watch?.[0]?.length ?? 0,
      ms: windowMs,
      disconnects: away.length,
      connects,
      reconnectFailed: failed,
      watchFailed,
      announced: {
        connected: measuring.announced.connected.size,
        disconnected: measuring.announced.disconnected.size,
      },
      deliveries,
      perConnect: connects ? deliveries.connected / connects : null,
      perDisconnect: away.length ? deliveries.disconnected / away.length : null,
      audience: { expected, reached, missed: expected - reached },
      loadgenCpuSec: (cpu.user + cpu.system) / 1e6,
    },
  };
}

module.exports = { drive };
