'use strict';
// `npm run bench paths` (on request): the two ways a socket-sent message can reach the other
// gateways, measured on the baseline server (bench/baseline-server.js, no Parley build needed).
// `room`: `io.to(room).emit` through the sharded adapter, one channel per room, so only the
// processes with local members of the room hear it (what Parley does for `message`). `bus`
// (BASELINE_FANOUT=bus): one sharded channel (SPUBLISH) that every process subscribes to; each
// process decodes every message and emits it to its own sockets of the room.
// Four baseline processes on a private Redis, 1,000 sockets in 500 two-member rooms, the `dm`
// load (each message to both members) stepped over the offered rates. Shape `together`: a room's
// two members on the same process (rooms round-robin over the four), so a message is heard by one
// process through its room's channel and by all five through the bus. Shape `apart`: the members
// on two processes (two hear it against five). A fifth process holds no sockets, as a gateway whose
// users are all elsewhere: it hears every message through the bus and none through the rooms'
// channels, and its CPU is what the bus costs each further gateway, free of the load generator's
// wake-ups (which dominate the four busy processes' CPU at these rates). Server CPU (the four),
// the idle process's and Redis's come from /proc over each step, per delivered message; on a
// shared machine that is the figure to trust.
//
// Env: BENCH_PATHS_STEPS (comma list), BENCH_STEP_MS, BENCH_PATHS_SHAPES (together,apart),
// BENCH_PATHS_ROUNDS (repetitions of each shape, the two paths' order alternating; default 1).
const os = require('node:os');
const { startPrivateRedis, startBaseline } = require('./lib/servers');
const { log, runLoadgen, withCpu, fmt } = require('./lib/harness');

const PATHS = ['room', 'bus'];
const PROCESSES = 4; // with sockets; one more without

function params(smoke) {
  const size = (full, small) => (smoke ? small : full);
  const list = (name) => process.env[name]?.split(',');
  return {
    pairs: size(500, 10),
    steps: list('BENCH_PATHS_STEPS')?.map(Number) ?? size([1000, 2000, 4000], [50]),
    durationMs: Number(process.env.BENCH_STEP_MS ?? size(4000, 1000)),
    drainMs: 1000,
    // Every step runs unless a path collapses: the comparison wants the same steps for both.
    stopP99Ms: 2000,
    shapes: list('BENCH_PATHS_SHAPES') ?? ['together', 'apart'],
    rounds: Number(process.env.BENCH_PATHS_ROUNDS ?? 1),
  };
}

/** One path, one shape: fresh Redis, four baseline processes and an idle one, the dm load. */
async function measure(path, shape, p) {
  const redis = await startPrivateRedis('baseline');
  try {
    const servers = await startBaseline(redis, {
      processes: PROCESSES + 1,
      env: { BASELINE_FANOUT: path },
    });
    try {
      const cfg = {
        target: 'baseline',
        scenario: 'paths',
        gateways: servers.gateways.slice(0, PROCESSES),
        users: Array.from({ length: p.pairs * 2 }, () => ({})),
        dmRooms: Array.from({ length: p.pairs }, (_, i) => `dm${i}`),
        pairsTogether: shape === 'together',
        steps: p.steps,
        durationMs: p.durationMs,
        drainMs: p.drainMs,
        stopP99Ms: p.stopP99Ms,
      };
      const { result, marks } = await runLoadgen(cfg, servers);
      return withCpu(result.rows, marks).map((r) => {
        const redisSec = r.serverCpu.redis;
        const idleSec = r.serverCpu[`base${PROCESSES + 1}`];
        const busySec = r.serverCpuSec - redisSec - idleSec;
        const per = (sec) => (messages ? (sec / messages) * 1e6 : null);
        const messages = r.received / 2; // each message reaches both members' sockets
        return {
          path,
          shape,
          rate: r.rate,
          sent: r.sent,
          acksOk: r.acksOk,
          acksFailed: r.acksFailed,
          expected: r.expected,
          received: r.received,
          loss: r.loss,
          duplicates: r.duplicates,
          deliveredPerSec: Math.round(messages / (p.durationMs / 1000)),
          latency: r.latency,
          serverCpuSec: busySec,
          idleCpuSec: idleSec,
          redisCpuSec: redisSec,
          cpuByProcess: r.serverCpu, // which processes did the work (base5: the idle one)
          serverUsPerMessage: per(busySec),
          idleUsPerMessage: per(idleSec),
          redisUsPerMessage: per(redisSec),
        };
      });
    } finally {
      await servers.stop();
    }
  } finally {
    await redis.stop();
  }
}

async function run(p) {
  const runs = [];
  const load = [os.loadavg()];
  for (const shape of p.shapes) {
    for (let round = 0; round < p.rounds; round += 1) {
      // Alternate which path goes first, so drift on the machine does not favour one.
      for (const path of round % 2 ? [...PATHS].reverse() : PATHS) {
        log(`paths: ${shape}, ${path} (round ${round + 1}), load average ${os.loadavg()[0]}`);
        runs.push({ shape, path, round, rows: await measure(path, shape, p) });
        load.push(os.loadavg());
      }
    }
  }
  return { processes: PROCESSES, pairs: p.pairs, runs, loadAverage: load };
}

const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/** Per shape and rate: each path's CPU per message (mean over rounds), and bus ÷ room. */
function ratios(r) {
  const out = [];
  for (const shape of [...new Set(r.runs.map((x) => x.shape))]) {
    const rows = r.runs.filter((x) => x.shape === shape).flatMap((x) => x.rows);
    for (const rate of [...new Set(rows.map((x) => x.rate))]) {
      const both = (key) => {
        const of = (path) =>
          mean(rows.filter((x) => x.path === path && x.rate === rate).map((x) => x[key]));
        const v = { room: of('room'), bus: of('bus') };
        return { ...v, ratio: v.room && v.bus ? v.bus / v.room : null };
      };
      out.push({
        shape,
        rate,
        server: both('serverUsPerMessage'),
        idle: both('idleUsPerMessage'),
        redis: both('redisUsPerMessage'),
      });
    }
  }
  return out;
}

function report(r) {
  const lines = [
    '',
    `paths: ${r.processes} baseline processes with ${r.pairs * 2} sockets in ${r.pairs} two-member rooms, and one idle`,
  ];
  const row = (cells) => lines.push(`| ${cells.join(' | ')} |`);
  row([
    'shape',
    'path',
    'offered msg/s',
    'delivered msg/s',
    'loss',
    'p50 ms',
    'p99 ms',
    'server CPU µs/msg',
    'idle process µs/msg',
    'Redis CPU µs/msg',
  ]);
  row(Array(10).fill('---'));
  for (const run of r.runs)
    for (const x of run.rows)
      row([
        x.shape,
        x.path,
        x.rate,
        x.deliveredPerSec,
        x.loss,
        fmt(x.latency.p50, 1),
        fmt(x.latency.p99, 1),
        fmt(x.serverUsPerMessage, 1),
        fmt(x.idleUsPerMessage, 1),
        fmt(x.redisUsPerMessage, 1),
      ]);
  const ratioRows = ratios(r);
  const pair = (v, digits = 0) => `${fmt(v.bus, digits)} vs ${fmt(v.room, digits)} µs`;
  lines.push('');
  for (const x of ratioRows)
    lines.push(
      `paths ${x.shape} ${x.rate} msg/s, bus ÷ room: server CPU per message ${fmt(x.server.ratio, 2)} ` +
        `(${pair(x.server)}), Redis ${fmt(x.redis.ratio, 2)} (${pair(x.redis, 1)}); ` +
        `the idle process ${pair(x.idle, 1)}`,
    );
  const loads = r.loadAverage.map((l) => l[0]);
  const range = `${fmt(Math.min(...loads), 1)}–${fmt(Math.max(...loads), 1)}`;
  const says = (shape) => {
    const xs = ratioRows.filter((x) => x.shape === shape);
    if (xs.length === 0) return null;
    const list = (f) => xs.map(f).join(' / ');
    return (
      `${shape}: server CPU per message bus ÷ room ${list((x) => fmt(x.server.ratio, 2))}, ` +
      `Redis ${list((x) => fmt(x.redis.ratio, 2))}, idle process ${list((x) => fmt(x.idle.bus, 1))} ` +
      `µs per message on the bus`
    );
  };
  const rates = [...new Set(ratioRows.map((x) => x.rate.toLocaleString('en')))].join(' / ');
  lines.push(
    `paths summary (${new Date().toISOString().slice(0, 10)}, load average ${range}, at ${rates} msg/s): ` +
      `${['together', 'apart'].map(says).filter(Boolean).join('; ')}`,
    '',
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  return { ratios: ratioRows, loadAverage: range };
}

module.exports = { params, run, report };
