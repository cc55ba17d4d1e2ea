'use strict';
// The load generator: a separate process, driven by bench/run.js over IPC. It opens the sockets,
// offers load in steps, and measures delivery (latency from the send time embedded in each text,
// loss, duplicates, order) and its own CPU. Before and after each step it asks the parent to
// sample the servers' CPU, so the two measurements cover the same window.
const http = require('node:http');
const { EioClient } = require('./lib/eio-client');
const { summarize } = require('./lib/stats');
const presence = require('./presence-driver');
const door = require('./door-driver');
const updates = require('./updates');

let markResolve = null;
function mark(name) {
  return new Promise((resolve) => {
    markResolve = resolve;
    process.send({ type: 'mark', name });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** When the last server event of any kind arrived; used to wait out connect-time presence storms. */
let lastEventAt = 0;
let eventCount = 0;
const noteEvent = () => {
  lastEventAt = performance.now();
  eventCount += 1;
};

/**
 * Counts an event without parsing it: where a scenario only waits for quiet, the load generator
 * (which stands for clients on other machines, yet shares the servers' cores) spends no more on
 * each event than that.
 */
const countFrame = () => {
  noteEvent();
  return true;
};

/**
 * Waits until no event has arrived for `quietMs` (Parley announces every user who connects).
 * Quiet is judged by the event count staying put across several turns of the event loop, not by
 * the clock alone: after this process was busy for longer than `quietMs` (handling the storm), a
 * timer fires before the socket data that queued meanwhile is read, so the clock alone declared
 * quiet while 140,000 announcements were still waiting and then timed them as the next phase.
 */
async function quiet(quietMs = 1000, maxMs = 120000) {
  const t0 = performance.now();
  const turns = Math.ceil(quietMs / 100);
  let seen = eventCount;
  let still = 0;
  while (still < turns && performance.now() - t0 < maxMs) {
    await sleep(100);
    if (eventCount === seen) still += 1;
    else [seen, still] = [eventCount, 0];
  }
}

async function openAll(specs, concurrency = 200) {
  const clients = new Array(specs.length);
  let next = 0;
  const worker = async () => {
    while (next < specs.length) {
      const i = next++;
      const { url, ...opts } = specs[i];
      clients[i] = await new EioClient(url, opts).connect();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, worker));
  return clients;
}

/**
 * Shared stepping loop. `members(roomId)` = expected receiver count; `pickSender(k)` returns
 * { client, roomId } (a Socket.IO `message` with an ack) or { roomId, send(text) → a promise
 * of the ack }. Each step offers `rate` messages/s for `durationMs`, then drains. `extra`
 * (optional, bench/updates.js) adds load beside the messages: `reset()` per step, `acked(ack,
 * client)` per message ack, `tick(elapsedMs, rate, clients)` returning ack promises, and
 * `result()`, a measurement that goes into the row and must hold the bar as well.
 */
async function stepped(cfg, clients, track, pickSender, expectedPerMessage, extra = {}) {
  const rows = [];
  for (let s = 0; s < cfg.steps.length; s += 1) {
    const rate = cfg.steps[s];
    track.reset();
    extra.reset?.();
    await mark(`step-${s}-begin`);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let sent = 0;
    let acksOk = 0;
    let acksFailed = 0;
    const ackPromises = [];
    while (performance.now() - t0 < cfg.durationMs) {
      const due = Math.floor(((performance.now() - t0) / 1000) * rate);
      while (sent < due) {
        const { client, roomId, send } = pickSender(sent);
        const key = `${s}:${sent}`;
        const text = `${performance.now().toFixed(3)}|${key}`;
        track.expect(key, expectedPerMessage(roomId));
        const acked = send ? send(text) : client.emitWithAck('message', { roomId, message: text });
        ackPromises.push(
          acked.then((ack) => {
            if (ack && ack.ok) acksOk += 1;
            else acksFailed += 1;
            extra.acked?.(ack, client);
          }),
        );
        sent += 1;
      }
      if (extra.tick) ackPromises.push(...extra.tick(performance.now() - t0, rate, clients));
      await sleep(2);
    }
    await Promise.race([Promise.all(ackPromises), sleep(cfg.drainMs)]);
    await sleep(cfg.drainMs);
    const cpu = process.cpuUsage(cpu0);
    const elapsed = (performance.now() - t0) / 1000;
    await mark(`step-${s}-end`);
    const r = track.result();
    const row = {
      rate,
      sent,
      acksOk,
      acksFailed,
      expected: r.expected,
      received: r.received,
      loss: r.expected - r.received,
      duplicates: r.duplicates,
      outOfOrder: r.outOfOrder,
      deliveriesPerSec: Math.round(r.received / (cfg.durationMs / 1000)),
      latency: summarize(r.latencies),
      loadgenCpuSec: (cpu.user + cpu.system) / 1e6,
      elapsedSec: elapsed,
      ...(extra.result ? { extra: extra.result() } : {}),
    };
    rows.push(row);
    process.send({ type: 'progress', row });
    const held = (r) => r.latency.p99 !== null && r.latency.p99 <= cfg.stopP99Ms && r.loss === 0;
    if (!held(row) || (row.extra && !held(row.extra))) break;
  }
  return rows;
}

function tracker() {
  let expected = new Map();
  let seen = new Set();
  let latencies = [];
  let duplicates = 0;
  let outOfOrder = 0;
  let expectedTotal = 0;
  let received = 0;
  const lastOrder = new Map();
  return {
    reset() {
      expected = new Map();
      seen = new Set();
      latencies = [];
      duplicates = 0;
      outOfOrder = 0;
      expectedTotal = 0;
      received = 0;
      lastOrder.clear();
    },
    expect(key, n) {
      expected.set(key, n);
      expectedTotal += n;
    },
    deliver(receiver, msg) {
      const text = msg.message;
      const bar = text.indexOf('|');
      if (bar < 0) return;
      const key = text.slice(bar + 1);
      if (!expected.has(key)) return; // from an earlier step
      const id = `${receiver}/${key}`;
      if (seen.has(id)) {
        duplicates += 1;
        return;
      }
      seen.add(id);
      received += 1;
      latencies.push(performance.now() - Number(text.slice(0, bar)));
      const order = msg.seq ?? Number(key.slice(key.indexOf(':') + 1));
      const lk = `${receiver}/${msg.roomId}`;
      if ((lastOrder.get(lk) ?? -Infinity) > order) outOfOrder += 1;
      lastOrder.set(lk, order);
    },
    result() {
      return { expected: expectedTotal, received, latencies, duplicates, outOfOrder };
    },
  };
}

/** Sockets round-robin over the gateways; with `cfg.pairsTogether` each pair (2k, 2k+1) shares one. */
function socketSpecs(cfg, track, roomsOf, extra = {}) {
  return cfg.users.map((u, i) => ({
    url: cfg.gateways[(cfg.pairsTogether ? Math.floor(i / 2) : i) % cfg.gateways.length],
    auth: cfg.target === 'parley' ? { token: u.token } : { rooms: roomsOf(i) },
    onEvent: (name, payload) => {
      noteEvent();
      if (name === 'message') track.deliver(i, payload);
      else extra.event?.(i, name, payload);
    },
  }));
}

const scenarios = {
  async dm(cfg) {
    const track = tracker();
    const roomOfUser = (i) => cfg.dmRooms[Math.floor(i / 2)];
    const clients = await openAll(socketSpecs(cfg, track, (i) => [roomOfUser(i)]));
    await quiet();
    const pairs = cfg.dmRooms.length;
    const rows = await stepped(
      cfg,
      clients,
      track,
      (k) => {
        const pair = k % pairs;
        const sender = pair * 2 + (Math.floor(k / pairs) % 2);
        return { client: clients[sender], roomId: cfg.dmRooms[pair] };
      },
      () => 2,
    );
    clients.forEach((c) => c.close());
    return { rows };
  },

  async room(cfg, extra = {}) {
    const track = tracker();
    const clients = await openAll(socketSpecs(cfg, track, () => ['0'], extra));
    await quiet();
    const rows = await stepped(
      cfg,
      clients,
      track,
      (k) => ({ client: clients[(k * 7919) % clients.length], roomId: '0' }),
      () => clients.length,
      extra,
    );
    clients.forEach((c) => c.close());
    return { rows };
  },

  /** DM pairs on the baseline, the room's channel against a bus (bench/paths.js). */
  paths(cfg) {
    return scenarios.dm(cfg);
  },

  /** The room scenario at a moderate, repeated rate (bench/moderate.js). */
  moderate(cfg) {
    return scenarios.room(cfg);
  },

  /** The room scenario with edits and reactions beside the messages (bench/updates.js). */
  updates(cfg) {
    return scenarios.room(cfg, updates.load(cfg));
  },

  async connect(cfg) {
    const specs = [];
    for (let i = 0; i < cfg.connections; i += 1) {
      const u = cfg.users[i % cfg.users.length];
      specs.push({
        url: cfg.gateways[i % cfg.gateways.length],
        auth: cfg.target === 'parley' ? { token: u.token } : { rooms: ['0'] },
        onFrame: countFrame,
      });
    }
    await mark('connect-begin');
    const events0 = eventCount;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const clients = await openAll(specs, 500);
    const connectMs = performance.now() - t0;
    // RSS is read once the servers are done announcing who came online.
    await quiet(2000);
    const settledMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    await mark('connect-end');
    clients.forEach((c) => c.close());
    return {
      connections: clients.length,
      connectMs,
      settledMs,
      // Parley's presence announcements of users coming online; the baseline announces nothing.
      events: eventCount - events0,
      loadgenCpuSec: (cpu.user + cpu.system) / 1e6,
    };
  },

  async history(cfg) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: cfg.concurrency });
    const latencies = [];
    let ok = 0;
    let failed = 0;
    const get = (i) =>
      new Promise((resolve) => {
        const t = performance.now();
        const u = cfg.users[i % cfg.users.length];
        const req = http.get(
          `${cfg.httpUrl}${cfg.path}`,
          { agent, headers: u?.token ? { authorization: `Bearer ${u.token}` } : {} },
          (res) => {
            let bytes = 0;
            res.on('data', (c) => (bytes += c.length));
            res.on('end', () => {
              if (res.statusCode === 200 && bytes > 0) ok += 1;
              else failed += 1;
              latencies.push(performance.now() - t);
              resolve();
            });
          },
        );
        req.on('error', () => {
          failed += 1;
          resolve();
        });
      });
    await mark('history-begin');
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let n = 0;
    await Promise.all(
      Array.from({ length: cfg.concurrency }, async () => {
        while (performance.now() - t0 < cfg.durationMs) await get(n++);
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    await mark('history-end');
    agent.destroy();
    return {
      requests: ok + failed,
      ok,
      failed,
      perSec: Math.round(ok / secs),
      latency: summarize(latencies),
      loadgenCpuSec: (cpu.user + cpu.system) / 1e6,
    };
  },

  /**
   * A reconnect storm, timed in three phases. First every client connects at once for the first
   * time (Parley announces each user coming online; the baseline announces nothing). Then, once the
   * servers are quiet, every connection drops and comes straight back, as when a gateway restarts
   * or a network blips: within the presence grace, so Parley announces nobody. Then every client
   * catches up from the same cursor. `allMs` is the reconnect and the catch-up.
   */
  async sync(cfg) {
    let caughtUp = 0;
    let wrong = 0;
    const specs = cfg.users.slice(0, cfg.clients).map((u, i) => ({
      url: cfg.gateways[i % cfg.gateways.length],
      auth: cfg.target === 'parley' ? { token: u.token } : { rooms: ['0'] },
      onFrame: countFrame,
    }));
    /** Opens every client at once; done when the last announcement arrived. */
    const storm = async () => {
      const [t0, events0] = [performance.now(), eventCount];
      const opened = await openAll(specs, specs.length);
      const connectMs = performance.now() - t0;
      await quiet(500);
      return { opened, ms: Math.max(connectMs, lastEventAt - t0), events: eventCount - events0 };
    };
    await mark('first-begin');
    const cpu0 = process.cpuUsage();
    const first = await storm();
    first.opened.forEach((c) => c.close());
    await mark('reconnect-begin');
    const again = await storm();
    const clients = again.opened;
    const reconnectMs = again.ms;
    await mark('sync-begin');
    const eventsBefore = eventCount;
    const t1 = performance.now();
    await Promise.all(
      clients.map(async (client) => {
        let got = 0;
        let cursor = cfg.cursor;
        for (;;) {
          const ack = await client.emitWithAck('sync', { cursors: { 0: cursor } });
          const room = ack?.rooms?.['0'];
          if (!room) break;
          got += room.messages.length;
          if (room.complete || room.messages.length === 0) break;
          cursor = room.messages[room.messages.length - 1].id;
        }
        if (got === cfg.behind) caughtUp += 1;
        else wrong += 1;
      }),
    );
    const syncMs = performance.now() - t1;
    // Announcements that still arrived while clients caught up: the reconnect had not ended.
    const lateEvents = eventCount - eventsBefore;
    const cpu = process.cpuUsage(cpu0);
    await mark('sync-end');
    clients.forEach((c) => c.close());
    return {
      clients: specs.length,
      caughtUp,
      wrong,
      firstConnectMs: first.ms,
      firstConnectEvents: first.events,
      reconnectMs,
      reconnectEvents: again.events,
      syncMs,
      lateEvents,
      allMs: reconnectMs + syncMs,
      loadgenCpuSec: (cpu.user + cpu.system) / 1e6,
    };
  },

  presence(cfg) {
    return presence.drive(cfg, { mark, log: (line) => process.send({ type: 'log', line }) });
  },

  door(cfg) {
    return door.drive(cfg, { stepped, tracker });
  },
};

process.on('message', (msg) => {
  if (msg.type === 'marked' && markResolve) {
    const r = markResolve;
    markResolve = null;
    r();
  } else if (msg.type === 'run') {
    scenarios[msg.cfg.scenario](msg.cfg).then(
      (result) => process.send({ type: 'result', result }),
      (err) => process.send({ type: 'error', message: err.stack ?? String(err) }),
    );
  }
});
