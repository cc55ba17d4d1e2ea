'use strict';
// `npm run bench door`: DM traffic through the line door, beside the Socket.IO `dm` scenario of
// the same run (bench/run.js adds `dm` when only `door` is asked for, and prints the door's rows
// in its table). A fresh Redis and Parley (API + two gateways) plus two door processes; 1,000
// users (500 pairs) register over REST and log in on the doors with `TOKEN`, alternating between
// them, so each pair spans both doors as the dm pairs span both gateways. Each pair says TALKTO
// once; then the load steps the message rate like `dm` (bench/door-driver.js, inside the load
// generator's process): latency from the send time in the text to the `MSG` line at the peer,
// loss, acks (`OK MSG`), and server CPU per delivery from /proc over every server process (Redis,
// API, gateways, doors). Parley only: the baseline has no door.
//
// Env: BENCH_DOOR_PAIRS, BENCH_DOOR_STEPS (comma list), BENCH_STEP_MS.
const { withParley, startDoors } = require('./lib/servers');
const { log, pool, api, runLoadgen, withCpu, fmt } = require('./lib/harness');

/** The bar the figure is read at, as for `dm`. */
const P99_MS = 50;

function params(smoke) {
  const size = (full, small) => (smoke ? small : full);
  return {
    pairs: Number(process.env.BENCH_DOOR_PAIRS ?? size(500, 10)),
    steps:
      process.env.BENCH_DOOR_STEPS?.split(',').map(Number) ??
      size([500, 1000, 2000, 3000, 4000, 6000], [50]),
    durationMs: Number(process.env.BENCH_STEP_MS ?? size(4000, 1000)),
    drainMs: 1000,
    stopP99Ms: 250,
  };
}

async function run(p) {
  return withParley({}, async (servers, redis) => {
    const doors = await startDoors(redis);
    try {
      const tag = Date.now().toString(36);
      const users = await pool(p.pairs * 2, 16, async (i) => {
        const username = `d${tag}_${i}`;
        const r = await api(servers.apiUrl, 'POST', '/api/auth/register', {
          username,
          password: 'password123',
        });
        return { username, token: r.token };
      });
      log(`door: ${users.length} users registered; doors on ${doors.ports.join(', ')}`);
      const procs = { pids: { ...servers.pids, ...doors.pids }, gatewayPids: [] };
      const cfg = { target: 'parley', scenario: 'door', doors: doors.ports, users, ...p };
      const { result, marks } = await runLoadgen(cfg, procs);
      return withCpu(result.rows, marks);
    } finally {
      await doors.stop();
    }
  });
}

/** The best step that held the bar: zero loss and p99 within P99_MS. */
function best(rows = []) {
  const ok = rows.filter((r) => r.loss === 0 && r.latency.p99 !== null && r.latency.p99 <= P99_MS);
  return ok.at(-1) ?? null;
}

/** A dm message is two deliveries (the sender's socket gets it too), a door message one. */
const figure = (r) =>
  r && {
    rate: r.rate,
    deliveriesPerSec: r.deliveriesPerSec,
    p99: r.latency.p99,
    cpuUsPerDelivery: r.cpuUsPerDelivery,
    cpuUsPerMessage: (r.serverCpuSec / r.sent) * 1e6,
  };

/** The summary line beside the same run's Socket.IO dm (Parley); returns the JSON summary. */
function report(rows, dmRows = []) {
  const d = figure(best(rows));
  const s = figure(best(dmRows));
  const says = (f) =>
    f
      ? `${f.rate} msg/s (p99 ${f.p99} ms, server CPU ${fmt(f.cpuUsPerMessage)} µs per message)`
      : 'none';
  process.stdout.write(
    `door: best step within p99 ≤ ${P99_MS} ms and no loss: door (TCP lines) ${says(d)}, ` +
      `Socket.IO dm ${says(s)}\n\n`,
  );
  return { p99BarMs: P99_MS, door: d, dm: s };
}

module.exports = { params, run, report };
