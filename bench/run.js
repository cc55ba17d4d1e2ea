#!/usr/bin/env node
'use strict';
// `npm run bench [scenario...]`: starts Parley (API + two gateways from dist/) and a baseline (a
// minimal Socket.IO server with the same Redis adapter and nothing else), each on its own private
// redis-server, drives them with the load generator in a separate process (each scenario on the
// baseline and straight after on Parley, the other stack frozen meanwhile: see runClassic), and
// prints a table plus one JSON line. Absolute numbers drift on a shared machine; Parley ÷ baseline
// is the figure to judge. `presence` (on request only) compares Parley with itself: presence
// broadcast to everyone against presence scoped to who can see it (bench/presence.js). `mq` (on
// request only) measures /mq queues beside raw LPUSH/RPOP on the same Redis (bench/mq.js). `door`
// (on request) runs DM pairs over the line door beside the Socket.IO `dm` scenario (bench/door.js).
// `paths` (on request, baseline only) compares the room's own channel with a bus to every gateway
// (bench/paths.js).
const os = require('node:os');
const { execFileSync } = require('node:child_process');
const Redis = require('ioredis');
const { buildIfNeeded, root } = require('../scripts/lib/build');
const {
  onCluster,
  parleyRoot,
  checkParleyRoot,
  startPrivateRedis,
  startParley,
  startBaseline,
  setFrozen,
} = require('./lib/servers');
const { log, sleep, pool, api, runLoadgen, cpuBetween, withCpu } = require('./lib/harness');
const presence = require('./presence');
const mq = require('./mq');
const door = require('./door');
const updates = require('./updates');
const moderate = require('./moderate');
const memory = require('./memory');
const paths = require('./paths');
const { report } = require('./lib/report');

// The default list: what `npm run bench` (and the BENCH_SMOKE=1 run in `npm test`) runs.
const ALL = ['dm', 'room', 'moderate', 'connect', 'history', 'sync'];
// On request only: `presence` takes about 5 minutes at full size (see bench/presence.js).
const ON_REQUEST = ['presence', 'mq', 'updates', 'door', 'memory', 'paths'];
const scenarios = process.argv.slice(2).filter((a) => ALL.includes(a) || ON_REQUEST.includes(a));
// The BENCH_SMOKE=1 run adds `door` (about 7 s at toy size), so that it cannot rot either.
if (scenarios.length === 0)
  scenarios.push(...ALL, ...(process.env.BENCH_SMOKE === '1' ? ['door'] : []));
const classic = scenarios.filter((s) => ALL.includes(s));
// `door` is read beside the Socket.IO `dm` scenario of the same run (bench/door.js).
if (scenarios.includes('door') && !classic.includes('dm')) classic.unshift('dm');

// BENCH_DM_STEPS / BENCH_ROOM_STEPS (comma lists) and BENCH_STEP_MS override the stepping.
const envSteps = (name) => process.env[name]?.split(',').map(Number);
// BENCH_SMOKE=1 runs every scenario at a toy size, a few seconds each: `npm test` runs it so
// that the benchmark cannot rot. It checks that the run completes and counts right, never speed.
const smoke = process.env.BENCH_SMOKE === '1';
const size = (full, small) => (smoke ? small : full);
const PARAMS = {
  users: size(1000, 40),
  dm: {
    pairs: size(500, 10),
    steps: envSteps('BENCH_DM_STEPS') ?? size([500, 1000, 2000, 3000, 4000, 6000], [50]),
    durationMs: Number(process.env.BENCH_STEP_MS ?? size(4000, 1000)),
    drainMs: 1000,
    stopP99Ms: 250,
  },
  room: {
    members: size(1000, 40),
    steps: envSteps('BENCH_ROOM_STEPS') ?? size([25, 50, 75, 100, 150, 200], [5]),
    durationMs: Number(process.env.BENCH_STEP_MS ?? size(4000, 1000)),
    drainMs: 1500,
    stopP99Ms: 250,
  },
  connect: { connections: size(10000, 200) },
  history: {
    concurrency: size(32, 4),
    durationMs: size(5000, 500),
    seeded: size(600, 60),
    olderDepth: size(300, 30),
  },
  sync: { clients: size(1000, 40), behind: size(100, 10) },
  moderate: moderate.params(smoke),
  ...(scenarios.includes('presence') ? { presence: presence.params(smoke) } : {}),
  ...(scenarios.includes('mq') ? { mq: mq.params(smoke) } : {}),
  ...(scenarios.includes('memory') ? { memory: memory.params(smoke) } : {}),
  ...(scenarios.includes('door') ? { door: door.params(smoke) } : {}),
  ...(scenarios.includes('updates') ? { updates: updates.params(smoke) } : {}),
  ...(scenarios.includes('paths') ? { paths: paths.params(smoke) } : {}),
};

// BENCH_TARGETS=parley skips the baseline (while profiling, say).
const targets = (process.env.BENCH_TARGETS ?? 'baseline,parley').split(',');

/** Users, DM rooms and history, the same shape for both targets. */
async function prepare(target, servers, redis) {
  const run = Date.now().toString(36);
  if (target === 'parley') {
    log(`registering ${PARAMS.users} users…`);
    const users = await pool(PARAMS.users, 16, async (i) => {
      const r = await api(servers.apiUrl, 'POST', '/api/auth/register', {
        username: `b${run}_${i}`,
        password: 'password123',
      });
      return { id: r.user.id, token: r.token };
    });
    const dmRooms = await pool(PARAMS.dm.pairs, 16, async (p) => {
      const room = await api(
        servers.apiUrl,
        'POST',
        '/api/rooms/dm',
        { userId: users[p * 2 + 1].id },
        users[p * 2].token,
      );
      return room.id;
    });
    await pool(PARAMS.history.seeded, 16, (i) =>
      api(
        servers.apiUrl,
        'POST',
        '/api/rooms/0/messages',
        { message: `seed ${i}` },
        users[i % users.length].token,
      ),
    );
    return { users, dmRooms };
  }
  const users = Array.from({ length: PARAMS.users }, () => ({}));
  const dmRooms = Array.from({ length: PARAMS.dm.pairs }, (_, p) => `dm${p}`);
  const client = new Redis(redis.url);
  const pipeline = client.pipeline();
  for (let i = 0; i < PARAMS.history.seeded; i += 1)
    pipeline.xadd('bench:stream', '*', 'f', '1', 'm', `seed ${i}`);
  await pipeline.exec();
  client.disconnect();
  return { users, dmRooms };
}

/** The id of the message `depth` before the newest in General: where the older pages start. */
async function olderCursor(target, servers, redis, ctx, depth) {
  if (target === 'parley') {
    let before = '';
    for (let left = depth; left > 0; left -= 100) {
      const page = await api(
        servers.apiUrl,
        'GET',
        `/api/rooms/0/messages?limit=${Math.min(left, 100)}${before && `&before=${before}`}`,
        null,
        ctx.users[0].token,
      );
      before = page.messages[0].id;
    }
    return before;
  }
  const client = new Redis(redis.url);
  const entries = await client.xrevrange('bench:stream', '+', '-', 'COUNT', depth);
  client.disconnect();
  return entries[entries.length - 1][0];
}

async function syncCursor(target, servers, redis, behind, ctx) {
  if (target === 'parley') {
    // The message just before the newest `behind` (a page holds at most 100).
    const token = ctx.users[0].token;
    const newest = await api(
      servers.apiUrl,
      'GET',
      `/api/rooms/0/messages?limit=${behind}`,
      null,
      token,
    );
    const before = newest.messages[0].id;
    const page = await api(
      servers.apiUrl,
      'GET',
      `/api/rooms/0/messages?limit=1&before=${before}`,
      null,
      token,
    );
    return page.messages[0].id;
  }
  const client = new Redis(redis.url);
  const entries = await client.xrevrange('bench:stream', '+', '-', 'COUNT', behind + 1);
  client.disconnect();
  return entries[entries.length - 1][0];
}

// BENCH_COMMANDSTATS=1 prints the Redis commands each scenario sent (calls and Redis CPU), from
// INFO commandstats: what a change on the hot path costs Redis, which the CPU figures leave out.
const commandStats =
  process.env.BENCH_COMMANDSTATS === '1' && !onCluster
    ? async (redis) => {
        const client = new Redis(redis.url);
        await client.config('RESETSTAT');
        return {
          async print(label) {
            const info = await client.info('commandstats');
            client.disconnect();
            const rows = [...info.matchAll(/cmdstat_(\S+):calls=(\d+),usec=(\d+)/g)]
              .map(([, cmd, calls, usec]) => ({ cmd, calls: Number(calls), usec: Number(usec) }))
              .sort((a, b) => b.usec - a.usec);
            const total = rows.reduce((sum, r) => sum + r.usec, 0);
            log(`${label}: Redis CPU ${(total / 1e6).toFixed(2)} s`);
            for (const r of rows.slice(0, 12))
              log(
                `  ${r.cmd.padEnd(14)} ${String(r.calls).padStart(9)} calls ${(r.usec / 1e3).toFixed(0).padStart(7)} ms`,
              );
          },
        };
      }
    : null;

/**
 * Between scenarios: the same pause for both targets as before 2026-12-04 (5 s), then, for
 * Parley, until it shows nobody online, so that the next scenario neither measures the last one's
 * users being announced gone (the presence grace is 4 s, and closing 10,000 sockets takes a while
 * on top) nor finds its own users still online and unannounced.
 */
async function settle(target, servers, ctx) {
  await sleep(smoke ? 500 : 5000);
  if (target !== 'parley') return;
  const token = ctx.users[0].token;
  const t0 = Date.now();
  while ((await api(servers.httpUrl, 'GET', '/api/users/online', null, token)).length > 0) {
    if (Date.now() - t0 > 60_000) throw new Error('users still online 60 s after the scenario');
    await sleep(250);
  }
}

/** Starts a target's private Redis and servers and seeds them; `out` collects its results. */
async function open(target) {
  const redis = await startPrivateRedis(target);
  const servers = await (target === 'parley' ? startParley(redis) : startBaseline(redis)).catch(
    async (err) => {
      await redis.stop();
      throw err;
    },
  );
  const opened = { target, redis, servers, ctx: null, out: {} };
  try {
    opened.ctx = await prepare(target, servers, redis);
  } catch (err) {
    await close(opened);
    throw err;
  }
  return opened;
}

async function close({ servers, redis }) {
  await servers.stop();
  await redis.stop();
}

async function runScenario({ target, redis, servers, ctx, out }, scenario) {
  const stats = commandStats ? await commandStats(redis) : null;
  const base = {
    target,
    scenario,
    gateways: servers.gateways,
    httpUrl: servers.httpUrl,
    users: ctx.users,
  };
  if (scenario === 'dm' || scenario === 'room' || scenario === 'moderate') {
    const p = PARAMS[scenario];
    const cfg = {
      ...base,
      ...p,
      dmRooms: ctx.dmRooms,
      users: ctx.users.slice(0, p.pairs ? p.pairs * 2 : p.members),
    };
    const { result, marks } = await runLoadgen(cfg, servers);
    out[scenario] = withCpu(result.rows, marks);
  } else if (scenario === 'connect') {
    const { result, marks, rss } = await runLoadgen({ ...base, ...PARAMS.connect }, servers);
    const perGateway = result.connections / servers.gateways.length;
    const rssDelta = rss['connect-end'].map((after, i) => after - rss['connect-begin'][i]);
    const cpu = cpuBetween(marks, 'connect-begin', 'connect-end');
    out.connect = {
      ...result,
      serverCpuSec: cpu.total,
      serverCpu: cpu.perProcess,
      rssKbPerConnection: rssDelta.map((d) => Math.round(d / perGateway / 102.4) / 10),
    };
  } else if (scenario === 'history') {
    // The newest page (cached by Parley), then a page further back (read from Redis every time).
    const older = await olderCursor(target, servers, redis, ctx, PARAMS.history.olderDepth);
    const paths =
      target === 'parley'
        ? ['/api/rooms/0/messages?limit=50', `/api/rooms/0/messages?limit=50&before=${older}`]
        : ['/history', `/history?before=${older}`];
    for (const [key, pathName] of [
      ['history', paths[0]],
      ['historyOlder', paths[1]],
    ]) {
      const { result, marks } = await runLoadgen(
        { ...base, ...PARAMS.history, path: pathName },
        servers,
      );
      out[key] = {
        ...result,
        serverCpuSec: cpuBetween(marks, 'history-begin', 'history-end').total,
      };
    }
  } else if (scenario === 'sync') {
    const cursor = await syncCursor(target, servers, redis, PARAMS.sync.behind, ctx);
    const { result, marks } = await runLoadgen({ ...base, ...PARAMS.sync, cursor }, servers);
    out.sync = {
      ...result,
      firstConnectCpuSec: cpuBetween(marks, 'first-begin', 'reconnect-begin').total,
      reconnectCpuSec: cpuBetween(marks, 'reconnect-begin', 'sync-begin').total,
      serverCpuSec: cpuBetween(marks, 'sync-begin', 'sync-end').total,
    };
  }
  if (stats) await stats.print(`${target} ${scenario}`);
  await settle(target, servers, ctx);
}

/** The commit Parley runs from (BENCH_ROOT or this checkout), "+dirty" with local changes. */
function parleyCommit() {
  try {
    const git = (...args) =>
      execFileSync('git', ['-C', parleyRoot, ...args], { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? '+dirty' : ''}`;
  } catch {
    return null;
  }
}

// BENCH_SCHEDULE=sequential runs one stack at a time, every scenario in a row: the earlier
// schedule, kept to check that the paired one does not slow the baseline.
const sequential = process.env.BENCH_SCHEDULE === 'sequential';

/**
 * The default schedule is paired: both stacks are started once, and each scenario runs on one
 * and then at once on the other, so that the machine's drift (the baseline alone served 3,259
 * history pages/s in one run and 5,599 in the next) lands on both sides of a ratio rather than
 * minutes apart. The stack whose turn it is not is frozen: an idle Parley left running beside
 * the baseline had put the baseline's room p99 at 50 msg/s from 43 ms to 106-266 ms.
 */
async function runClassic() {
  const results = {};
  if (sequential) {
    for (const target of targets) {
      log(`— ${target} —`);
      const opened = await open(target);
      try {
        for (const scenario of classic) await runScenario(opened, scenario);
      } finally {
        await close(opened);
      }
      results[target] = opened.out;
    }
    return results;
  }
  const stacks = [];
  try {
    for (const target of targets) {
      log(`— starting ${target} —`);
      const opened = await open(target);
      stacks.push(opened);
      await setFrozen(opened.servers, true);
    }
    for (const scenario of classic) {
      for (const opened of stacks) {
        log(`— ${opened.target} ${scenario} —`);
        await setFrozen(opened.servers, false);
        await runScenario(opened, scenario);
        await setFrozen(opened.servers, true);
      }
    }
  } finally {
    for (const opened of stacks) {
      await setFrozen(opened.servers, false).catch(() => undefined);
      await close(opened);
    }
  }
  for (const opened of stacks) results[opened.target] = opened.out;
  return results;
}

async function main() {
  // `paths` alone runs only the baseline: no Parley build to wait for.
  if (scenarios.some((s) => s !== 'paths')) {
    if (parleyRoot === root) buildIfNeeded(log);
    else checkParleyRoot(); // another checkout: built there, never from here
  }
  const started = Date.now();
  const results = {};
  if (classic.length > 0) Object.assign(results, await runClassic());
  if (scenarios.includes('presence')) {
    log('— parley presence —');
    (results.parley ??= {}).presence = await presence.run(PARAMS.presence);
  }
  if (scenarios.includes('mq')) {
    log('— parley /mq beside raw LPUSH/RPOP —');
    (results.parley ??= {}).mq = await mq.run(PARAMS.mq);
  }
  if (scenarios.includes('memory')) {
    log('— heap per connection, baseline and parley —');
    (results.parley ??= {}).memory = await memory.run(PARAMS.memory);
  }
  if (scenarios.includes('updates')) {
    log('— parley updates: the room with edits and reactions —');
    (results.parley ??= {}).updates = await updates.run(PARAMS.updates);
  }
  if (scenarios.includes('door')) {
    log('— parley line door (DM pairs over TCP) —');
    (results.parley ??= {}).door = await door.run(PARAMS.door);
  }
  if (scenarios.includes('paths')) {
    log('— baseline paths: the room channel against a bus to every process —');
    (results.baseline ??= {}).paths = await paths.run(PARAMS.paths);
  }
  const summary = report(results, { classic, syncBehind: PARAMS.sync.behind });
  if (results.parley?.door) summary.door = door.report(results.parley.door, results.parley.dm);
  if (results.parley?.updates)
    summary.updates = updates.report(results.parley.updates, PARAMS.updates);
  if (results.parley?.mq) summary.mq = mq.report(results.parley.mq);
  if (results.parley?.memory) summary.memory = memory.report(results.parley.memory);
  if (results.baseline?.paths) summary.paths = paths.report(results.baseline.paths);
  if (results.parley?.presence) summary.presence = presence.report(results.parley.presence);
  const versions = {
    node: process.version,
    redis: execFileSync('redis-server', ['--version']).toString().trim(),
  };
  process.stdout.write(
    `${JSON.stringify({
      bench: 'parley',
      date: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        model: os.cpus()[0]?.model,
        memGb: Math.round(os.totalmem() / 2 ** 30),
      },
      versions,
      params: PARAMS,
      parleyRedis: onCluster ? 'cluster (3 masters)' : 'single node',
      parleyRoot,
      parleyCommit: parleyCommit(),
      scenarios,
      summary,
      results,
      durationSec: Math.round((Date.now() - started) / 1000),
    })}\n`,
  );
}

main().catch((err) => {
  log(err.stack ?? String(err));
  process.exit(1);
});
