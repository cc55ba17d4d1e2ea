'use strict';
// npm run soak: a steady run (SOAK_DURATION_S, default 600) of the API + three gateways + a
// private Redis under mixed load, printing the RSS of every process and Redis used_memory every
// SOAK_SAMPLE_S (30) seconds, then checking they are flat after the warm-up (streams are kept at
// HISTORY_MAX_PER_ROOM=1000 by retention, and pre-filled to it so they start at steady state).
// Then SOAK_CYCLES (50,000) connect/disconnect cycles against one gateway, checking that its RSS,
// its socket count and the Redis-side records of connections come back to their baseline.
const fs = require('node:fs');
const Redis = require('ioredis');
const { buildIfNeeded } = require('../scripts/lib/build');
const { ChaosClient, jitter, newClientMetrics } = require('./lib/client');
const { runCycles } = require('./lib/cycles');
const { startProcesses, sleep } = require('./lib/processes');
const { api } = require('./lib/run-chaos');

const HISTORY_MAX = 1000;
const MB = 1024 * 1024;

function rssBytes(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function metric(url, name) {
  try {
    const text = await (
      await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) })
    ).text();
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)`, 'm').exec(text);
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

async function redisUsed(redis) {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)[1]);
}

/** Least-squares growth over the samples' time span, in the series' unit. */
function projectedGrowth(points) {
  if (points.length < 2) return 0;
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.v, 0) / n;
  const sxy = points.reduce((s, p) => s + (p.t - mx) * (p.v - my), 0);
  const sxx = points.reduce((s, p) => s + (p.t - mx) ** 2, 0);
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return slope * (points[n - 1].t - points[0].t);
}

const mb = (v) => `${(v / MB).toFixed(1)} MB`;

async function pool(items, concurrency, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next;
        next += 1;
        await fn(items[i], i);
      }
    }),
  );
}

async function main() {
  const durationS = Number(process.env.SOAK_DURATION_S ?? 600);
  const sampleS = Number(process.env.SOAK_SAMPLE_S ?? 30);
  const cyclesTotal = Number(process.env.SOAK_CYCLES ?? 50_000);
  if (!(durationS >= 60) || !(sampleS >= 5) || !(cyclesTotal >= 1000)) {
    console.error('soak: SOAK_DURATION_S ≥ 60, SOAK_SAMPLE_S ≥ 5, SOAK_CYCLES ≥ 1000');
    process.exit(2);
  }
  const started = Date.now();
  const say = (line) =>
    process.stdout.write(`${((Date.now() - started) / 1000).toFixed(0).padStart(5)}s  ${line}\n`);
  buildIfNeeded();
  const stack = await startProcesses({
    gateways: 3,
    env: { HISTORY_MAX_PER_ROOM: String(HISTORY_MAX) },
    log: say,
  });
  const redis = new Redis(stack.redisUrl);
  const clients = [];
  let failed = false;
  try {
    // ---- users, rooms, pre-filled history -----------------------------------------------------
    const tag = Math.random().toString(36).slice(2, 7);
    const register = async (name) => {
      const res = await api(stack.api.url, 'POST', '/api/auth/register', {
        username: name,
        password: 'password123',
      });
      if (res.status !== 201) throw new Error(`register ${name}: ${res.status}`);
      return { ...res.body.user, token: res.body.token };
    };
    const users = [];
    for (let i = 0; i < 24; i += 1) users.push(await register(`soak${tag}${i}`));
    const roomsOf = new Map(users.map((u) => [u.id, ['0']]));
    for (let i = 0; i < users.length; i += 1) {
      const a = users[i];
      const b = users[(i + 1) % users.length];
      const res = await api(stack.api.url, 'POST', '/api/rooms/dm', { userId: b.id }, a.token);
      roomsOf.get(a.id).push(res.body.id);
      roomsOf.get(b.id).push(res.body.id);
    }
    const rooms = [...new Set([...roomsOf.values()].flat())];
    const posts = rooms.flatMap((roomId) => {
      const member = users.find((u) => roomsOf.get(u.id).includes(roomId));
      return Array.from({ length: HISTORY_MAX + 100 }, (_, k) => ({ roomId, member, k }));
    });
    say(`pre-filling ${rooms.length} rooms to the retention size (${posts.length} REST posts)…`);
    await pool(posts, 32, async ({ roomId, member, k }) => {
      const res = await api(
        stack.api.url,
        'POST',
        `/api/rooms/${encodeURIComponent(roomId)}/messages`,
        { message: `prefill ${k}` },
        member.token,
      );
      if (res.status !== 201) throw new Error(`prefill: ${res.status}`);
    });

    // ---- steady load ----------------------------------------------------------------------------
    const metrics = newClientMetrics();
    const gatewayUrls = stack.gateways.map((g) => g.url);
    users.forEach((u, i) => {
      const viaProxy = i % 3 === 0;
      clients.push(
        new ChaosClient({
          name: `s${i}`,
          user: u,
          rooms: roomsOf.get(u.id),
          urls: viaProxy ? [stack.api.url] : gatewayUrls,
          apiUrl: stack.api.url,
          transports: ['websocket'],
          metrics,
          sends: new Map(),
          keepLog: false,
          clientIds: false,
        }),
      );
    });
    await Promise.all(clients.map((c) => c.start()));
    const loadEnd = Date.now() + durationS * 1000;
    const periodMs = 250;
    const loops = clients.map(async (c) => {
      while (Date.now() < loadEnd) {
        const own = [...c.rooms.keys()];
        const roomId = own[Math.floor(Math.random() * own.length)];
        const roll = Math.random();
        if (roll < 0.8) await c.send(roomId, 'socket', loadEnd + 10_000);
        else if (roll < 0.9) await c.send(roomId, 'rest', loadEnd + 10_000);
        else if (roll < 0.99) c.typing(roomId);
        else c.reconnect();
        await sleep(jitter(periodMs));
      }
    });

    const names = ['api', ...stack.gateways.map((g) => g.name)];
    const samples = [];
    const loadStart = Date.now();
    say(
      `steady load for ${durationS}s: ${clients.length} clients, ${rooms.length} rooms; sampling every ${sampleS}s`,
    );
    let lastAcked = 0;
    for (let k = 1; Date.now() < loadEnd; k += 1) {
      const wait = loadStart + k * sampleS * 1000 - Date.now();
      if (wait > 0) await sleep(Math.min(wait, Math.max(0, loadEnd - Date.now())));
      const t = (Date.now() - loadStart) / 1000;
      const pids = stack.pids();
      const sample = {
        t,
        rss: Object.fromEntries(names.map((n) => [n, rssBytes(pids[n])])),
        redisRss: rssBytes(pids.redis),
        redisUsed: await redisUsed(redis),
        heap: await metric(stack.gateways[0].url, 'nodejs_heap_size_used_bytes'),
        acked: metrics.acked ?? 0,
      };
      samples.push(sample);
      const rate = (sample.acked - lastAcked) / sampleS;
      lastAcked = sample.acked;
      say(
        `t=${t.toFixed(0).padStart(4)}s  ${names.map((n) => `${n} ${mb(sample.rss[n])}`).join('  ')}  redis used_memory ${mb(sample.redisUsed)} (rss ${mb(sample.redisRss)})  msgs ${sample.acked} (${rate.toFixed(0)}/s)`,
      );
    }
    await Promise.all(loops);
    clients.forEach((c) => c.stop());

    // Flat after warm-up. A garbage-collected process's RSS is a sawtooth: a leak lifts its floor.
    // So the verdict compares the lowest sample of the last third of the window with the lowest of
    // the first third; the least-squares trend over the whole window is printed alongside.
    const warmupS = Math.max(60, durationS * 0.3);
    const steady = samples.filter((s) => s.t >= warmupS);
    const verdicts = [];
    const judge = (label, values, absTol, relTol) => {
      const points = steady.map((s, i) => ({ t: s.t, v: values[i] }));
      const third = Math.max(1, Math.floor(points.length / 3));
      const floorOf = (list) => Math.min(...list.map((p) => p.v));
      const floorGrowth = floorOf(points.slice(-third)) - floorOf(points.slice(0, third));
      const first = points[0]?.v ?? NaN;
      const tol = Math.max(absTol, relTol * first);
      verdicts.push({
        label,
        first,
        last: points.at(-1)?.v,
        trend: projectedGrowth(points),
        floorGrowth,
        tol,
        flat: floorGrowth <= tol,
      });
    };
    for (const n of names)
      judge(
        `${n} RSS`,
        steady.map((s) => s.rss[n]),
        16 * MB,
        0.1,
      );
    judge(
      'Redis used_memory',
      steady.map((s) => s.redisUsed),
      4 * MB,
      0.1,
    );
    process.stdout.write(
      `\nSteady run: ${durationS}s, ${lastAcked} messages acked, warm-up ${warmupS}s, ${steady.length} samples after it\n`,
    );
    process.stdout.write(
      `| series | after warm-up | at the end | trend (least squares) | floor, last third − first third | tolerance | flat |\n|---|---|---|---|---|---|---|\n`,
    );
    const signed = (v) => `${v >= 0 ? '+' : ''}${mb(v)}`;
    for (const v of verdicts) {
      process.stdout.write(
        `| ${v.label} | ${mb(v.first)} | ${mb(v.last)} | ${signed(v.trend)} | ${signed(v.floorGrowth)} | ${mb(v.tol)} | ${v.flat ? 'yes' : 'NO'} |\n`,
      );
      if (!v.flat) failed = true;
    }
    const streams = await Promise.all(rooms.map((r) => redis.xlen(`room:{${r}}:messages`)));
    process.stdout.write(
      `stream lengths: min ${Math.min(...streams)}, max ${Math.max(...streams)} (HISTORY_MAX_PER_ROOM=${HISTORY_MAX}, trimmed with MAXLEN ~)\n`,
    );

    // ---- connect/disconnect cycles against one gateway ----------------------------------------
    const gw = stack.gateways[0];
    const cycleUsers = [];
    for (let i = 0; i < 100; i += 1) cycleUsers.push(await register(`cyc${tag}${i}`));
    const tokens = cycleUsers.map((u) => u.token);
    const snapshot = async () => {
      const gatewayIds = await redis.zrange('{presence}:gateways', 0, -1);
      const hashLens = await Promise.all(gatewayIds.map((id) => redis.hlen(`{presence}:gw:${id}`)));
      const pending = await redis.keys('{presence}:pending:*');
      const channels = await redis.call('PUBSUB', 'SHARDCHANNELS');
      return {
        rss: rssBytes(gw.pid),
        heap: await metric(gw.url, 'nodejs_heap_size_used_bytes'),
        sockets: await metric(gw.url, 'parley_gateway_connections'),
        presenceEntries: hashLens.reduce((a, b) => a + b, 0),
        online: await redis.scard('{presence}:online'),
        pendingReservations: pending.length,
        shardChannels: channels.length,
        redisUsed: await redisUsed(redis),
      };
    };
    await sleep(6_000); // the soak clients' presence settles (grace) before the baseline
    say(`warm-up: 5,000 connect/disconnect cycles against ${gw.name}…`);
    await runCycles(gw.url, tokens, 5_000, 50);
    await sleep(6_000);
    const base = await snapshot();
    say(`${cyclesTotal} connect/disconnect cycles against ${gw.name} (50 at a time, half abrupt)…`);
    const t0 = Date.now();
    const outcomes = await runCycles(gw.url, tokens, cyclesTotal, 50, (n) => say(`  ${n} cycles`));
    const cycleS = (Date.now() - t0) / 1000;
    await sleep(6_000);
    const after = await snapshot();
    const okCycles = outcomes.ok ?? 0;
    process.stdout.write(
      `\nConnect/disconnect: ${okCycles} of ${cyclesTotal} cycles ok in ${cycleS.toFixed(1)}s (${(cyclesTotal / cycleS).toFixed(0)}/s); other outcomes: ${JSON.stringify(Object.fromEntries(Object.entries(outcomes).filter(([k]) => k !== 'ok')))}\n`,
    );
    const rows = [
      ['gateway RSS', mb(base.rss), mb(after.rss), after.rss - base.rss <= 16 * MB],
      ['gateway heap used', mb(base.heap), mb(after.heap), after.heap - base.heap <= 8 * MB],
      [
        'gateway sockets (parley_gateway_connections)',
        base.sockets,
        after.sockets,
        after.sockets === base.sockets,
      ],
      [
        'presence entries in Redis (per-gateway counts)',
        base.presenceEntries,
        after.presenceEntries,
        after.presenceEntries === base.presenceEntries,
      ],
      ['users online', base.online, after.online, after.online === base.online],
      [
        'pending connection reservations',
        base.pendingReservations,
        after.pendingReservations,
        after.pendingReservations === 0,
      ],
      [
        'sharded Pub/Sub channels',
        base.shardChannels,
        after.shardChannels,
        after.shardChannels === base.shardChannels,
      ],
      [
        'Redis used_memory',
        mb(base.redisUsed),
        mb(after.redisUsed),
        after.redisUsed - base.redisUsed <= 2 * MB,
      ],
    ];
    process.stdout.write(
      `| after 5,000 warm-up cycles → after ${cyclesTotal} more | baseline | after | back to baseline |\n|---|---|---|---|\n`,
    );
    for (const [label, a, b, ok] of rows) {
      process.stdout.write(`| ${label} | ${a} | ${b} | ${ok ? 'yes' : 'NO'} |\n`);
      if (!ok) failed = true;
    }
    if (okCycles !== cyclesTotal) failed = true;
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    clients.forEach((c) => c.stop());
    redis.disconnect();
    await stack.stop();
    if (!failed) stack.removeRunDir();
  }
  process.stdout.write(
    `\nRESULT: ${failed ? 'FAIL' : 'ok (flat after warm-up; no per-connection leak)'}\n`,
  );
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(`soak: ${err.stack ?? err.message}`);
  process.exit(1);
});
