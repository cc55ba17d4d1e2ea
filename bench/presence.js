'use strict';
// `npm run bench presence`: how many `user.connected` / `user.disconnected` deliveries one user
// coming or going costs, with presence broadcast to every socket and with presence scoped to who
// can see it (DM partners, members of shared group rooms, sockets that asked with
// `presence.watch`). Parley only: the baseline has no presence.
//
// Each mode gets a fresh Redis and Parley, started with its PRESENCE_BROADCAST_MAX (the gateway
// broadcasts while fewer users than that are online, and scopes beyond): `broadcast` = 1,000,000
// (everyone, the old behaviour), `scoped` = the server's default (1,000; 5,000 are online). Then:
// register the users, give them a social graph (DMs; group rooms when the server has them), open
// one socket per user over the two gateways, wait until the connect storm is quiet, and for the
// measured window reconnect a share of the sockets per minute, spread evenly: close, stay away past
// the gateway's presence grace (4 s, so the user really goes offline), reconnect. Every presence
// frame received by every socket is counted (bench/presence-driver.js).
//
// At full size (5,000 sockets, 60 s) the run takes about 5 minutes, most of it the broadcast
// mode's connect storm (n²/2 = 12.5 million deliveries), so it is not in `npm run bench`'s
// default list. BENCH_SMOKE=1 runs it at a toy size (40 users, both modes, about 30 s).
//
// Env: BENCH_PRESENCE_USERS, BENCH_PRESENCE_MS (measured window), BENCH_PRESENCE_CHURN (share of
// sockets reconnected per minute, default 0.1), BENCH_PRESENCE_MODES (default
// "broadcast,scoped"; against a build without scoped presence, e.g. BENCH_ROOT=<old checkout>,
// `broadcast` alone is the "before").
const { EioClient } = require('./lib/eio-client');
const { withParley } = require('./lib/servers');
const { log, pool, api, runLoadgen, cpuBetween, fmt } = require('./lib/harness');

/** The gateway's grace before a closed last connection is announced offline (PRESENCE_GRACE_MS). */
const PRESENCE_GRACE_MS = 4000;
/** Its sweep runs every second: away for grace + sweep + a margin means offline for sure. */
const DOWN_MS = PRESENCE_GRACE_MS + 2000;

const MODES = {
  broadcast: { label: 'broadcast to everyone', broadcastMax: '1000000' },
  // Full size: the server's default threshold (1,000) with 5,000 online. The toy size sets one
  // below its 40 users, or it would broadcast too.
  scoped: { label: 'scoped', broadcastMax: null, smokeBroadcastMax: '10' },
};

function params(smoke) {
  const size = (full, small) => (smoke ? small : full);
  const env = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
  const modes = (process.env.BENCH_PRESENCE_MODES ?? 'broadcast,scoped').split(',');
  for (const m of modes) if (!MODES[m]) throw new Error(`BENCH_PRESENCE_MODES: unknown mode ${m}`);
  return {
    users: env('BENCH_PRESENCE_USERS', size(5000, 40)),
    durationMs: env('BENCH_PRESENCE_MS', size(60000, 1000)),
    // Share of the sockets reconnected per minute; the toy run reconnects 4 of 40 in 1 s.
    churnPerMinute: env('BENCH_PRESENCE_CHURN', size(0.1, 6)),
    downMs: DOWN_MS,
    // The social graph: DM partners per user on average, group rooms per user and their size,
    // users each socket watches with `presence.watch` (when the server has it).
    dmsPerUser: 5,
    roomsPerUser: 2,
    roomSize: size(50, 10),
    watchPerSocket: size(10, 3),
    modes: modes.map((name) => ({
      name,
      broadcastMax: (smoke ? MODES[name].smokeBroadcastMax : null) ?? MODES[name].broadcastMax,
    })),
  };
}

/** A small seeded PRNG (mulberry32): the same graph in every mode and every run. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Who knows whom, as user indexes: DM pairs, group-room member lists, watch lists. */
function socialGraph(p) {
  const n = p.users;
  const rnd = random(20261204);
  const pick = () => Math.floor(rnd() * n);
  const dmPairs = [];
  const seen = new Set();
  const wanted = Math.min(Math.round((n * p.dmsPerUser) / 2), (n * (n - 1)) / 2);
  while (dmPairs.length < wanted) {
    const a = pick();
    const b = pick();
    const key = Math.min(a, b) * n + Math.max(a, b);
    if (a === b || seen.has(key)) continue;
    seen.add(key);
    dmPairs.push([a, b]);
  }
  const roomCount = Math.max(1, Math.round((n * p.roomsPerUser) / p.roomSize));
  const rooms = Array.from({ length: roomCount }, () => []);
  for (let u = 0; u < n; u += 1) {
    const mine = new Set();
    while (mine.size < Math.min(p.roomsPerUser, roomCount)) mine.add(Math.floor(rnd() * roomCount));
    for (const r of mine) rooms[r].push(u);
  }
  const watch = Array.from({ length: n }, (_, u) => {
    const ids = new Set();
    while (ids.size < Math.min(p.watchPerSocket, n - 1)) {
      const v = pick();
      if (v !== u) ids.add(v);
    }
    return [...ids];
  });
  return { dmPairs, rooms: rooms.filter((m) => m.length > 0), watch };
}

/** Registers the users and creates the graph's DMs and (when the server has them) group rooms. */
async function materialize(servers, p, graph) {
  const url = servers.apiUrl;
  const run = Date.now().toString(36);
  let t = Date.now();
  const users = await pool(p.users, 32, async (i) => {
    const r = await api(url, 'POST', '/api/auth/register', {
      username: `p${run}_${i}`,
      password: 'password123',
    });
    return { id: r.user.id, token: r.token };
  });
  log(`presence: ${p.users} users registered in ${fmt((Date.now() - t) / 1000, 1)} s`);
  t = Date.now();
  await pool(graph.dmPairs.length, 32, (k) => {
    const [a, b] = graph.dmPairs[k];
    return api(url, 'POST', '/api/rooms/dm', { userId: users[b].id }, users[a].token);
  });
  log(`presence: ${graph.dmPairs.length} DMs opened in ${fmt((Date.now() - t) / 1000, 1)} s`);
  // Group rooms: POST /api/rooms answers 404 on a server without them; then DMs only.
  t = Date.now();
  let rooms = graph.rooms;
  try {
    await createRoom(url, users, rooms[0], 0, run);
  } catch (err) {
    if (err.status !== 404) throw err;
    log('presence: the server has no group rooms (POST /api/rooms: 404); DMs only');
    rooms = [];
  }
  if (rooms.length > 0) {
    await pool(rooms.length - 1, 8, (k) => createRoom(url, users, rooms[k + 1], k + 1, run));
    const joins = rooms.reduce((sum, m) => sum + m.length - 1, 0);
    log(
      `presence: ${rooms.length} group rooms, ${joins} joins in ${fmt((Date.now() - t) / 1000, 1)} s`,
    );
  }
  return { users, rooms };
}

/** Creates a public room by its first member; the others join it. */
async function createRoom(url, users, members, k, run) {
  const room = await api(
    url,
    'POST',
    '/api/rooms',
    { name: `p${run}-${k}`, kind: 'public' },
    users[members[0]].token,
  );
  const id = encodeURIComponent(room.id);
  await pool(members.length - 1, 4, (j) =>
    api(url, 'POST', `/api/rooms/${id}/join`, {}, users[members[j + 1]].token),
  );
}

/** DM partners and group-room co-members of each user (the watchers are added by the driver). */
function partnersOf(n, dmPairs, rooms) {
  const sets = Array.from({ length: n }, () => new Set());
  for (const [a, b] of dmPairs) {
    sets[a].add(b);
    sets[b].add(a);
  }
  for (const members of rooms)
    for (const u of members) for (const v of members) if (u !== v) sets[u].add(v);
  return sets.map((s) => [...s]);
}

/** Whether the server answers `presence.watch` (a server without it never acks). */
async function watchSupported(gateway, user) {
  const client = await new EioClient(gateway, { auth: { token: user.token } }).connect();
  try {
    const ack = await Promise.race([
      client.emitWithAck('presence.watch', { userIds: [] }),
      new Promise((r) => setTimeout(() => r(null), 2000)),
    ]);
    return Boolean(ack?.ok);
  } finally {
    client.close();
  }
}

async function runMode(p, graph, mode) {
  const env = mode.broadcastMax ? { PRESENCE_BROADCAST_MAX: mode.broadcastMax } : {};
  log(
    `presence ${mode.name}: PRESENCE_BROADCAST_MAX=${mode.broadcastMax ?? '(server default)'}, ${p.users} users`,
  );
  return withParley(env, async (servers) => {
    const { users, rooms } = await materialize(servers, p, graph);
    const watch = await watchSupported(servers.gateways[0], users[0]);
    if (!watch) log('presence: the server does not answer presence.watch; no watch lists');
    const cfg = {
      target: 'parley',
      scenario: 'presence',
      mode: mode.name,
      gateways: servers.gateways,
      users,
      partners: partnersOf(p.users, graph.dmPairs, rooms),
      watch: watch ? graph.watch : null,
      durationMs: p.durationMs,
      churnPerMinute: p.churnPerMinute,
      downMs: p.downMs,
    };
    const { result, marks } = await runLoadgen(cfg, servers);
    const storm = cpuBetween(marks, 'connect-begin', 'connect-end');
    const window = cpuBetween(marks, 'churn-begin', 'churn-end');
    return {
      mode: mode.name,
      presenceBroadcastMax: mode.broadcastMax,
      groupRooms: rooms.length,
      dmRooms: graph.dmPairs.length,
      watch,
      ...result,
      connectPhase: { ...result.connectPhase, serverCpuSec: storm.total },
      window: {
        ...result.window,
        serverCpuSec: window.total,
        serverCpu: window.perProcess,
        serverCpuMsPerChurn: result.window.disconnects
          ? (window.total / result.window.disconnects) * 1000
          : null,
      },
    };
  });
}

async function run(p) {
  const graph = socialGraph(p);
  const out = {};
  for (const mode of p.modes) out[mode.name] = await runMode(p, graph, mode);
  return out;
}

/** Prints the modes side by side; returns the summary for the JSON line. */
function report(results) {
  const modes = Object.values(results);
  const lines = [''];
  const row = (cells) => lines.push(`| ${cells.join(' | ')} |`);
  const first = modes[0];
  row([
    `presence: ${first.sockets} sockets, ${fmt(first.window.churnPerMinute * 100)} %/min reconnected for ${fmt(first.window.durationMs / 1000)} s`,
    ...modes.map(
      (m) => `${m.mode} (PRESENCE_BROADCAST_MAX=${m.presenceBroadcastMax ?? 'default'})`,
    ),
  ]);
  row(Array(modes.length + 1).fill('---'));
  const line = (label, f) => row([label, ...modes.map(f)]);
  line('social graph', (m) =>
    [
      `${m.dmRooms} DMs`,
      m.groupRooms ? `${m.groupRooms} group rooms` : 'no group rooms',
      m.watch ? `${m.window.watchPerSocket} watched per socket` : 'no presence.watch',
    ].join(', '),
  );
  line('audience per user (graph + watchers)', (m) => fmt(m.audienceMean, 1));
  line(
    'connects / disconnects in the window',
    (m) => `${m.window.connects} / ${m.window.disconnects}`,
  );
  line(
    'announced (seen by ≥ 1 socket) connected / disconnected',
    (m) => `${m.window.announced.connected} / ${m.window.announced.disconnected}`,
  );
  line('`user.connected` deliveries', (m) => m.window.deliveries.connected);
  line('`user.disconnected` deliveries', (m) => m.window.deliveries.disconnected);
  line('**deliveries per connect**', (m) => `**${fmt(m.window.perConnect, 1)}**`);
  line('deliveries per disconnect', (m) => fmt(m.window.perDisconnect, 1));
  line(
    'audience reached / expected (missed)',
    (m) =>
      `${m.window.audience.reached} / ${m.window.audience.expected} (${m.window.audience.missed})`,
  );
  line(
    'server CPU s in the window (ms per reconnect)',
    (m) => `${fmt(m.window.serverCpuSec, 1)} (${fmt(m.window.serverCpuMsPerChurn, 1)})`,
  );
  line(
    'connect storm: deliveries, quiet after',
    (m) => `${m.connectPhase.deliveries} in ${fmt(m.connectPhase.quietMs / 1000, 1)} s`,
  );
  line('connect storm: server CPU s', (m) => fmt(m.connectPhase.serverCpuSec, 1));
  const b = results.broadcast;
  const s = results.scoped;
  const summary = Object.fromEntries(
    modes.map((m) => [
      m.mode,
      {
        perConnect: m.window.perConnect,
        perDisconnect: m.window.perDisconnect,
        missed: m.window.audience.missed,
        serverCpuMsPerChurn: m.window.serverCpuMsPerChurn,
        connectStormDeliveries: m.connectPhase.deliveries,
      },
    ]),
  );
  if (b && s) {
    summary.perConnectRatio = s.window.perConnect / b.window.perConnect;
    lines.push(
      '',
      `presence: deliveries per connect ${fmt(b.window.perConnect, 1)} broadcast → ${fmt(s.window.perConnect, 1)} scoped ` +
        `(÷ ${fmt(1 / summary.perConnectRatio, 1)}), per disconnect ${fmt(b.window.perDisconnect, 1)} → ${fmt(s.window.perDisconnect, 1)}; ` +
        `server CPU per reconnect ${fmt(b.window.serverCpuMsPerChurn, 1)} → ${fmt(s.window.serverCpuMsPerChurn, 1)} ms`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
  return summary;
}

module.exports = { params, run, report };
