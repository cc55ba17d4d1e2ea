'use strict';
// The `moderate` scenario: latency when the load is moderate, not saturating. 50 members of one
// room over the two gateways, 1,000 msg/s offered (50,000 deliveries/s), the same step repeated
// (three times by default) so that every repetition is judged, not the best. The goal (issue 17):
// Parley's p50 within 2× and p99 within 1.3× of the baseline's in every repetition. Write
// batching must not cost latency when there is nothing to batch.
//
// Env: BENCH_MODERATE_RATE (msg/s), BENCH_MODERATE_REPS, BENCH_STEP_MS.
const { fmt } = require('./lib/harness');

const P50_BAR = 2;
const P99_BAR = 1.3;

function params(smoke) {
  const size = (full, small) => (smoke ? small : full);
  const rate = Number(process.env.BENCH_MODERATE_RATE ?? size(1000, 100));
  const reps = Number(process.env.BENCH_MODERATE_REPS ?? size(3, 1));
  return {
    members: size(50, 10),
    steps: Array(reps).fill(rate),
    durationMs: Number(process.env.BENCH_STEP_MS ?? size(4000, 1000)),
    drainMs: 1000,
    // Every repetition runs, whatever its latency: none is skipped for being slow.
    stopP99Ms: 1e9,
  };
}

/** One line per repetition and the verdict; `rows` are the stepped rows of each target. */
function report(baselineRows = [], parleyRows = []) {
  const lines = [];
  const reps = [];
  parleyRows.forEach((p, i) => {
    const b = baselineRows[i];
    if (!b) return;
    const p50 = p.latency.p50 / b.latency.p50;
    const p99 = p.latency.p99 / b.latency.p99;
    const cpu = p.cpuUsPerDelivery / b.cpuUsPerDelivery;
    reps.push({ p50Ratio: p50, p99Ratio: p99, cpuPerDeliveryRatio: cpu, loss: p.loss + b.loss });
    lines.push(
      `moderate #${i + 1} (${p.rate} msg/s, ${p.deliveriesPerSec} deliveries/s): p50 Parley ${fmt(p.latency.p50, 1)} / baseline ${fmt(b.latency.p50, 1)} ms (${fmt(p50, 2)}×), ` +
        `p99 ${fmt(p.latency.p99, 1)} / ${fmt(b.latency.p99, 1)} ms (${fmt(p99, 2)}×), CPU per delivery ${fmt(cpu, 2)}×, loss ${p.loss}/${b.loss}`,
    );
  });
  if (reps.length === 0) return { lines, summary: null };
  const held = reps.every((r) => r.p50Ratio <= P50_BAR && r.p99Ratio <= P99_BAR && r.loss === 0);
  lines.push(
    `moderate: p50 within ${P50_BAR}× and p99 within ${P99_BAR}× of the baseline in every repetition: ${held ? 'yes' : 'no'}`,
  );
  return { lines, summary: { reps, held } };
}

module.exports = { params, report };
