'use strict';
// The table and the ratio lines `npm run bench` prints for the classic scenarios, and the summary
// that goes into its JSON line.
const { fmt } = require('./harness');
const moderate = require('../moderate');

/** The best step that held the bar: zero loss and p99 within `p99Ms`. */
function best(rows = [], p99Ms) {
  const ok = rows.filter((r) => r.loss === 0 && r.latency.p99 !== null && r.latency.p99 <= p99Ms);
  return ok.length ? ok[ok.length - 1] : null;
}

function report(results, { classic, syncBehind }) {
  const lines = [];
  const row = (cells) => lines.push(`| ${cells.join(' | ')} |`);
  lines.push('');
  if (['dm', 'room', 'moderate'].some((s) => classic.includes(s))) {
    row([
      'scenario',
      'target',
      'offered msg/s',
      'deliveries/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'loss',
      'dup',
      'ooo',
      'acks ok/fail',
      'server CPU µs/delivery',
      'loadgen CPU s',
    ]);
    row(Array(13).fill('---'));
  }
  for (const scenario of ['dm', 'room', 'moderate', 'door']) {
    for (const target of ['baseline', 'parley']) {
      for (const r of results[target]?.[scenario] ?? []) {
        row([
          scenario,
          target,
          r.rate,
          r.deliveriesPerSec,
          fmt(r.latency.p50, 1),
          fmt(r.latency.p99, 1),
          fmt(r.latency.max, 1),
          r.loss,
          r.duplicates,
          r.outOfOrder,
          `${r.acksOk}/${r.acksFailed}`,
          fmt(r.cpuUsPerDelivery, 1),
          fmt(r.loadgenCpuSec, 1),
        ]);
      }
    }
  }
  lines.push('');
  const summary = {};
  for (const [scenario, p99] of [
    ['dm', 50],
    ['room', 250],
  ]) {
    const b = best(results.baseline?.[scenario], p99);
    const p = best(results.parley?.[scenario], p99);
    if (!b && !p) continue;
    summary[scenario] = {
      p99BarMs: p99,
      parley: p && {
        rate: p.rate,
        deliveriesPerSec: p.deliveriesPerSec,
        p99: p.latency.p99,
        cpuUsPerDelivery: p.cpuUsPerDelivery,
      },
      baseline: b && {
        rate: b.rate,
        deliveriesPerSec: b.deliveriesPerSec,
        p99: b.latency.p99,
        cpuUsPerDelivery: b.cpuUsPerDelivery,
      },
      throughputRatio: p && b ? p.deliveriesPerSec / b.deliveriesPerSec : null,
      cpuPerDeliveryRatio: p && b ? p.cpuUsPerDelivery / b.cpuUsPerDelivery : null,
    };
    lines.push(
      `${scenario}: best step within p99 ≤ ${p99} ms and no loss: Parley ${p ? `${p.rate} msg/s (${p.deliveriesPerSec} deliveries/s, p99 ${p.latency.p99} ms)` : 'none'}, ` +
        `baseline ${b ? `${b.rate} msg/s (${b.deliveriesPerSec} deliveries/s, p99 ${b.latency.p99} ms)` : 'none'}; ` +
        `Parley ÷ baseline throughput ${fmt(summary[scenario].throughputRatio, 2)}, CPU per delivery ${fmt(summary[scenario].cpuPerDeliveryRatio, 2)}`,
    );
  }
  const mod = moderate.report(results.baseline?.moderate, results.parley?.moderate);
  if (mod.summary) summary.moderate = mod.summary;
  lines.push(...mod.lines);
  for (const target of ['baseline', 'parley']) {
    const c = results[target]?.connect;
    if (c)
      lines.push(
        `connect ${target}: ${c.connections} connections in ${fmt(c.connectMs / 1000, 1)} s (quiet after ${fmt(c.settledMs / 1000, 1)} s; server CPU ${fmt(c.serverCpuSec, 2)} s, load generator ${fmt(c.loadgenCpuSec, 2)} s, ${c.events ?? 0} events received), RSS per connection per gateway ${c.rssKbPerConnection.join(' / ')} KB`,
      );
    for (const [key, what] of [
      ['history', 'newest'],
      ['historyOlder', 'older'],
    ]) {
      const h = results[target]?.[key];
      if (h)
        lines.push(
          `history ${target}: ${h.perSec} ${what} pages/s of 50, p99 ${h.latency.p99} ms, failed ${h.failed}`,
        );
    }
    const s = results[target]?.sync;
    if (s)
      lines.push(
        `sync ${target}: ${s.clients} clients connected for the first time in ${fmt(s.firstConnectMs / 1000, 2)} s (server CPU ${fmt(s.firstConnectCpuSec, 2)} s, ${s.firstConnectEvents} events received), dropped and reconnected in ${fmt(s.reconnectMs / 1000, 2)} s (server CPU ${fmt(s.reconnectCpuSec, 2)} s, ${s.reconnectEvents} events), then ${s.caughtUp} caught up (${syncBehind} behind) in ${fmt(s.syncMs / 1000, 2)} s (server CPU ${fmt(s.serverCpuSec, 2)} s), wrong ${s.wrong}, ${s.lateEvents} events still arriving during the catch-up`,
      );
  }
  for (const name of ['connect', 'history', 'historyOlder', 'sync']) {
    const p = results.parley?.[name];
    const b = results.baseline?.[name];
    if (!p || !b) continue;
    const ratio =
      name === 'connect'
        ? b.connectMs / p.connectMs
        : name.startsWith('history')
          ? p.perSec / b.perSec
          : b.syncMs / p.syncMs;
    summary[name] = { parley: p, baseline: b, speedRatio: ratio };
    const label = name === 'historyOlder' ? 'history, older pages' : name;
    lines.push(`${label}: Parley ÷ baseline speed ${fmt(ratio, 2)}`);
    if (name === 'sync') {
      summary.reconnect = {
        speedRatio: b.reconnectMs / p.reconnectMs,
        allInRatio: b.allMs / p.allMs,
      };
      summary.firstConnect = { speedRatio: b.firstConnectMs / p.firstConnectMs };
      lines.push(
        `sync, the reconnect before it: Parley ÷ baseline speed ${fmt(summary.reconnect.speedRatio, 2)} (reconnect and catch-up ${fmt(summary.reconnect.allInRatio, 2)})`,
        `sync, the first connect: Parley ÷ baseline speed ${fmt(summary.firstConnect.speedRatio, 2)} (Parley announces every user coming online, the baseline nobody)`,
      );
    }
  }
  if (lines.some((l) => l !== '')) process.stdout.write(`${lines.join('\n')}\n\n`);
  return summary;
}

module.exports = { report };
