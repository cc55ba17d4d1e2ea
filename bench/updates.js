'use strict';
// `npm run bench updates`: the room scenario (1,000 members of General over two gateways, stepped
// message rate) with edits and reactions beside the messages, at 20 % of the message rate: half
// of them edits, each by the author of a message it sent a moment before, half reactions by
// another member. Each change targets a message of its own, so the `message.updated` event it
// causes is known by the message's id; its latency runs from the moment the change was sent to
// its arrival at each of the room's sockets, and its loss counts the member sockets that never
// got it. A step holds when messages and changes both have p99 ≤ 250 ms and no loss. Parley
// only: the baseline has no edits or reactions.
//
// Env: BENCH_UPDATES_STEPS (comma list of msg/s), BENCH_STEP_MS, BENCH_UPDATES_SHARE (0.2).
const { summarize } = require('./lib/stats');
const { withParley } = require('./lib/servers');
const { log, pool, api, runLoadgen, cpuBetween, fmt } = require('./lib/harness');

const EMOJI = ['👍', '🎉', '❤️', '😂', '🚀', '👀', '🔥', '✅'];

function params(smoke) {
  const size = (full, small) => (smoke ? small : full);
  return {
    members: size(1000, 40),
    steps:
      process.env.BENCH_UPDATES_STEPS?.split(',').map(Number) ??
      size([25, 50, 75, 100, 150, 200], [25]),
    durationMs: Number(process.env.BENCH_STEP_MS ?? size(4000, 1000)),
    drainMs: 1500,
    stopP99Ms: 250,
    updateShare: Number(process.env.BENCH_UPDATES_SHARE ?? 0.2),
  };
}

/**
 * The load generator's side (bench/loadgen.js runs the room scenario with it): sends the changes
 * and counts their `message.updated` deliveries. Acked messages wait in `changeable` until a
 * change takes them; the newest goes first, as people edit what they have just sent.
 */
function load(cfg) {
  const changeable = [];
  let sentAt = new Map(); // message id → when its change was sent (this step)
  let seen = new Set();
  let m;
  return {
    reset() {
      sentAt = new Map();
      seen = new Set();
      m = { sent: 0, edits: 0, reactions: 0, acksOk: 0, acksFailed: 0 };
      m.expected = m.received = m.duplicates = 0;
      m.latencies = [];
    },
    acked(ack, client) {
      if (ack?.ok) changeable.push({ id: ack.message.id, author: client });
    },
    tick(elapsedMs, rate, clients) {
      const due = Math.floor((elapsedMs / 1000) * rate * cfg.updateShare);
      const acks = [];
      while (m.sent < due && changeable.length > 0) {
        const { id, author } = changeable.pop();
        const now = performance.now();
        const edit = m.sent % 2 === 0;
        const [client, event, payload] = edit
          ? [author, 'message.edit', { roomId: '0', id, message: `${now.toFixed(3)}|edit` }]
          : [
              clients[(m.sent * 7919 + 1) % clients.length],
              'message.react',
              { roomId: '0', id, emoji: EMOJI[m.sent % EMOJI.length], on: true },
            ];
        sentAt.set(id, now);
        m.expected += clients.length;
        m.sent += 1;
        if (edit) m.edits += 1;
        else m.reactions += 1;
        acks.push(
          client.emitWithAck(event, payload).then((ack) => {
            if (ack?.ok) m.acksOk += 1;
            else m.acksFailed += 1;
          }),
        );
      }
      return acks;
    },
    event(receiver, name, payload) {
      if (name !== 'message.updated') return;
      const t = sentAt.get(payload.message.id);
      if (t === undefined) return; // a change from an earlier step
      const key = `${receiver}/${payload.message.id}`;
      if (seen.has(key)) {
        m.duplicates += 1;
        return;
      }
      seen.add(key);
      m.received += 1;
      m.latencies.push(performance.now() - t);
    },
    result() {
      const { latencies, ...counts } = m;
      return {
        ...counts,
        loss: m.expected - m.received,
        perSec: Math.round(m.sent / (cfg.durationMs / 1000)),
        deliveriesPerSec: Math.round(m.received / (cfg.durationMs / 1000)),
        latency: summarize(latencies),
      };
    },
  };
}

/** Starts Redis and Parley, registers the members, runs the stepped load; one row per step. */
async function run(p) {
  return withParley({}, async (servers) => {
    const tag = Date.now().toString(36);
    log(`updates: registering ${p.members} users…`);
    const users = await pool(p.members, 16, async (i) => {
      const r = await api(servers.apiUrl, 'POST', '/api/auth/register', {
        username: `u${tag}_${i}`,
        password: 'password123',
      });
      return { id: r.user.id, token: r.token };
    });
    const cfg = { ...p, target: 'parley', scenario: 'updates', gateways: servers.gateways, users };
    const { result, marks } = await runLoadgen(cfg, servers);
    return result.rows.map(({ extra, ...row }, s) => {
      const cpu = cpuBetween(marks, `step-${s}-begin`, `step-${s}-end`).total;
      log(
        `parley updates rate ${row.rate}: ${extra.perSec} changes/s, p99 ${extra.latency.p99} ms, loss ${extra.loss}`,
      );
      return {
        ...row,
        updates: extra,
        serverCpuSec: cpu,
        cpuUsPerDelivery: (cpu / (row.received + extra.received)) * 1e6,
      };
    });
  });
}

/** Prints the table and the verdict line; returns the summary for the JSON line. */
function report(rows, p) {
  const lines = [
    '',
    `updates (Parley only: the baseline has no edits or reactions): ${p.members} members of one ` +
      `room, edits and reactions at ${p.updateShare * 100} % of the message rate`,
    '| msg/s | changes/s (edits/reactions) | msg p50 / p99 ms | change p50 / p99 / max ms | msg loss | change loss | dup | acks ok/fail | server CPU µs/delivery |',
    `|${' --- |'.repeat(9)}`,
  ];
  for (const r of rows) {
    const u = r.updates;
    lines.push(
      `| ${[
        r.rate,
        `${u.perSec} (${u.edits}/${u.reactions})`,
        `${fmt(r.latency.p50, 1)} / ${fmt(r.latency.p99, 1)}`,
        `${fmt(u.latency.p50, 1)} / ${fmt(u.latency.p99, 1)} / ${fmt(u.latency.max, 1)}`,
        r.loss,
        u.loss,
        r.duplicates + u.duplicates,
        `${r.acksOk + u.acksOk}/${r.acksFailed + u.acksFailed}`,
        fmt(r.cpuUsPerDelivery, 1),
      ].join(' | ')} |`,
    );
  }
  const held = (x) => x.loss === 0 && x.latency.p99 !== null && x.latency.p99 <= 250;
  const best = rows.filter((r) => held(r) && held(r.updates)).at(-1) ?? null;
  lines.push(
    '',
    `updates: best step within p99 ≤ 250 ms and no loss (messages and changes): ${
      best
        ? `${best.rate} msg/s (${best.deliveriesPerSec} deliveries/s, p99 ${best.latency.p99} ms) ` +
          `+ ${best.updates.perSec} changes/s (${best.updates.deliveriesPerSec} deliveries/s, ` +
          `p99 ${best.updates.latency.p99} ms)`
        : 'none'
    }; Parley only (the baseline has no edits or reactions)`,
  );
  process.stdout.write(`${lines.join('\n')}\n\n`);
  return {
    p99BarMs: 250,
    parleyOnly: true,
    best: best && {
      rate: best.rate,
      deliveriesPerSec: best.deliveriesPerSec,
      p99: best.latency.p99,
      updatesPerSec: best.updates.perSec,
      updateDeliveriesPerSec: best.updates.deliveriesPerSec,
      updateP99: best.updates.latency.p99,
      cpuUsPerDelivery: best.cpuUsPerDelivery,
    },
  };
}

module.exports = { params, load, run, report };
