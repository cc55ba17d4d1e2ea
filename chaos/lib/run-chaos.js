'use strict';
// The chaos run: API + N gateways + a private Redis (AOF on) under steady mixed load from
// in-process reliable clients, while a scheduler kills gateways (kill -9, then restarts them),
// restarts Redis and pauses it. At the end every client syncs and the run checks what Parley
// guarantees: nothing acked is lost, every member gets every acked message (after sync), nothing
// is stored or shown twice, and every room is in seq order. Door users chat through two line-door
// processes beside them, and one of those is killed too (chaos/lib/door-chaos.js).
const { ChaosClient, jitter, newClientMetrics } = require('./client');
const { startProcesses, sleep } = require('./processes');
const { startDoorLoad, doorFigures } = require('./door-chaos');
const { io } = require('socket.io-client');

const MAX_DURATION_S = 600;

/** Kills every 30 s, Redis restarted in the slot nearest 40 % of the run, paused nearest 70 %. */
function defaultSchedule(durationS) {
  const events = [];
  for (let t = 30; t <= durationS - 25; t += 30) events.push({ at: t, type: 'kill' });
  if (events.length === 0)
    events.push({ at: Math.max(5, Math.round(durationS * 0.25)), type: 'kill' });
  const slots = [];
  for (let t = 15; t <= durationS - 20; t += 30) slots.push(t);
  if (slots.length === 0) slots.push(Math.round(durationS * 0.6));
  const take = (fraction) => {
    slots.sort((a, b) => Math.abs(a - fraction * durationS) - Math.abs(b - fraction * durationS));
    return slots.shift();
  };
  events.push({ at: take(0.4), type: 'redisRestart' });
  const pauseAt = take(0.7);
  if (pauseAt !== undefined) events.push({ at: pauseAt, type: 'redisPause' });
  for (let t = 20; t <= durationS - 20; t += 45) events.push({ at: t + 3, type: 'newDm' });
  events.push({ at: Math.round(durationS * 0.55) + 2, type: 'doorKill' });
  return events.sort((a, b) => a.at - b.at);
}

function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function api(baseUrl, method, path, body, token, { tries = 20 } = {}) {
  let last;
  for (let i = 0; i < tries; i += 1) {
    try {
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(5_000),
      });
      const json = await res.json().catch(() => null);
      if (res.status < 500) return { status: res.status, body: json };
      last = `${res.status}`;
    } catch (err) {
      last = err.message;
    }
    await sleep(jitter(500));
  }
  throw new Error(`${method} ${path} kept failing: ${last}`);
}

function compareIds(a, b) {
  const [am, an] = a.split('-').map(BigInt);
  const [bm, bn] = b.split('-').map(BigInt);
  if (am !== bm) return am < bm ? -1 : 1;
  if (an !== bn) return an < bn ? -1 : 1;
  return 0;
}

/**
 * @param {object} [opts]
 * @param {number} [opts.durationS] load duration (≤ 600)
 * @param {number} [opts.users]
 * @param {number} [opts.gateways]
 * @param {number} [opts.periodMs] mean time between two actions of one client
 * @param {{at: number, type: string}[]} [opts.schedule]
 * @param {number} [opts.restartDelayS] a killed gateway is restarted this long after the kill
 * @param {number} [opts.doorPairs] pairs of door users over two door processes (0: no doors)
 * @param {(line: string) => void} [opts.log]
 */
async function runChaos(opts = {}) {
  const durationS = Math.min(MAX_DURATION_S, opts.durationS ?? 180);
  const userCount = opts.users ?? 12;
  const periodMs = opts.periodMs ?? 1_000;
  const restartDelayS = opts.restartDelayS ?? 5;
  const schedule = opts.schedule ?? defaultSchedule(durationS);
  const log = opts.log ?? ((line) => process.stdout.write(`${line}\n`));
  const started = Date.now();
  const t = () => ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  const say = (line) => log(`${t()}s  ${line}`);

  const stack = await startProcesses({
    gateways: opts.gateways ?? 3,
    doors: opts.doorPairs === 0 ? 0 : 2,
    env: { HISTORY_MAX_PER_ROOM: '1000000', DOOR_CONNECTIONS_PER_IP: '1000', ...opts.env },
    log: say,
  });
  const gatewayUrls = stack.gateways.map((g) => g.url);
  const metrics = newClientMetrics();
  const faults = { kills: 0, gatewayRestarts: 0, redisRestarts: 0, redisPauses: 0, newDms: 0 };
  const windows = [];
  const sends = new Map();
  const clients = [];
  const ghosts = [];
  let lastGhostKillAt = 0;
  let passed = false;
  let doorLoad = null;
  const doorKills = [];

  try {
    // ---- users, rooms, clients --------------------------------------------------------------
    const tag = Math.random().toString(36).slice(2, 7);
    const register = async (username) => {
      const res = await api(stack.api.url, 'POST', '/api/auth/register', {
        username,
        password: 'password123',
      });
      if (res.status !== 201)
        throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`);
      return { ...res.body.user, token: res.body.token };
    };
    const users = [];
    for (let i = 0; i < userCount + (opts.ghosts === false ? 0 : stack.gateways.length); i += 1)
      users.push(await register(`chaos${tag}${i}`));
    const ghostUsers = users.splice(userCount);
    const dm = async (a, b) => {
      const res = await api(stack.api.url, 'POST', '/api/rooms/dm', { userId: b.id }, a.token);
      if (res.status !== 201 && res.status !== 200)
        throw new Error(`dm: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.id;
    };
    const roomsOf = new Map(users.map((u) => [u.id, ['0']]));
    const pairs = new Set();
    const addDm = async (a, b) => {
      const id = await dm(a, b);
      pairs.add(id);
      roomsOf.get(a.id).push(id);
      roomsOf.get(b.id).push(id);
      return id;
    };
    for (let i = 0; i < users.length; i += 1) {
      await addDm(users[i], users[(i + 1) % users.length]);
      if (i % 2 === 0 && users.length > 4) await addDm(users[i], users[(i + 3) % users.length]);
    }
    // Later DMs, opened mid-run: pairs not used yet.
    const laterPairs = [];
    for (let i = 0; i < users.length; i += 1) {
      const a = users[i];
      const b = users[(i + 5) % users.length];
      const id = [a.id, b.id].sort((x, y) => Number(x) - Number(y)).join(':');
      if (a !== b && !pairs.has(id) && !laterPairs.some((p) => p.id === id))
        laterPairs.push({ a, b, id });
    }

    const makeClient = (user, name, urls, transports) =>
      new ChaosClient({
        name,
        user,
        rooms: [...roomsOf.get(user.id)],
        urls,
        apiUrl: stack.api.url,
        transports,
        metrics,
        sends,
      });
    users.forEach((u, i) => {
      clients.push(makeClient(u, `c${i}`, gatewayUrls, ['websocket']));
      // A third of the users have a second tab, through the API's /socket.io proxy.
      if (i % 3 === 0) {
        const transports = i % 2 === 0 ? ['polling', 'websocket'] : ['websocket'];
        clients.push(makeClient(u, `c${i}p`, [stack.api.url], transports));
      }
    });
    await Promise.all(clients.map((c) => c.start()));
    // Ghosts: one user per gateway with one socket that never reconnects, to check that a dead
    // gateway's users are reported offline (defect #5 of the reference demo).
    for (const [k, user] of ghostUsers.entries()) {
      const socket = io(gatewayUrls[k], {
        auth: { token: user.token },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      await new Promise((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      ghosts.push({ user, gateway: k, socket, dead: false });
    }
    say(
      `${users.length} users, ${clients.length} clients (${clients.length - users.length} via the API proxy), ${pairs.size} DMs, ${ghosts.length} ghosts; load for ${durationS}s`,
    );

    // ---- load ---------------------------------------------------------------------------------
    const loadStart = Date.now();
    const loadEnd = loadStart + durationS * 1000;
    const drainMs = opts.drainMs ?? 45_000;
    const sendDeadline = loadEnd + drainMs;
    if (stack.doors.length > 0)
      doorLoad = await startDoorLoad({
        stack,
        pairs: opts.doorPairs ?? 4,
        register: (name) => register(`${name}${tag}`),
        loadEnd,
        durationMs: durationS * 1000,
        say,
      });
    const loops = clients.map(async (c) => {
      await sleep(Math.random() * periodMs);
      while (Date.now() < loadEnd) {
        const rooms = [...c.rooms.keys()];
        const roomId = rooms[Math.floor(Math.random() * rooms.length)];
        const roll = Math.random();
        if (roll < 0.72) await c.send(roomId, 'socket', sendDeadline);
        else if (roll < 0.86) await c.send(roomId, 'rest', sendDeadline);
        else if (roll < 0.975) c.typing(roomId);
        else c.reconnect();
        await sleep(jitter(periodMs));
      }
    });

    // ---- faults ------------------------------------------------------------------------------
    const scheduler = (async () => {
      for (const event of schedule) {
        const wait = loadStart + event.at * 1000 - Date.now();
        if (wait > 0) await sleep(wait);
        if (Date.now() >= loadEnd) break;
        const from = Date.now();
        if (event.type === 'kill') {
          const up = stack.gateways.map((g, i) => (g.up ? i : -1)).filter((i) => i >= 0);
          const direct = (k) =>
            clients.filter((c) => c.connected && c.currentUrl === gatewayUrls[k]).length;
          const i =
            event.gateway === 'busiest'
              ? up.reduce((best, k) => (direct(k) > direct(best) ? k : best), up[0])
              : (event.gateway ?? up[Math.floor(Math.random() * up.length)]);
          await stack.killGateway(i);
          faults.kills += 1;
          for (const g of ghosts) {
            if (g.gateway === i && !g.dead) {
              g.dead = true;
              lastGhostKillAt = Date.now();
            }
          }
          say(`kill -9 ${stack.gateways[i].name}`);
          await sleep(restartDelayS * 1000);
          await stack.startGateway(i);
          faults.gatewayRestarts += 1;
          say(`${stack.gateways[i].name} restarted (pid ${stack.gateways[i].pid})`);
          windows.push({ type: 'kill', from, to: Date.now() + 3_000 });
        } else if (event.type === 'doorKill') {
          // Not awaited: the restart comes later, the next event on time.
          doorKills.push(
            doorLoad?.killDoor(event.door ?? 0, restartDelayS * 1000).then(() => {
              windows.push({ type: 'doorKill', from, to: Date.now() + 3_000 });
            }),
          );
        } else if (event.type === 'redisRestart') {
          say('Redis: SIGTERM');
          await stack.restartRedis(event.downMs ?? 2_000);
          faults.redisRestarts += 1;
          say(`Redis: up again on the same port and AOF (pid ${stack.redis.pid})`);
          windows.push({ type: 'redisRestart', from, to: Date.now() + 5_000 });
        } else if (event.type === 'redisPause') {
          const ms = event.ms ?? 5_000;
          say(`Redis: SIGSTOP for ${ms / 1000}s`);
          await stack.pauseRedis(ms);
          faults.redisPauses += 1;
          say('Redis: SIGCONT');
          windows.push({ type: 'redisPause', from, to: Date.now() + 3_000 });
        } else if (event.type === 'newDm') {
          const next = laterPairs.shift();
          if (!next) continue;
          await addDm(next.a, next.b);
          faults.newDms += 1;
          say(`new DM ${next.id} opened over REST`);
        }
      }
    })();

    const progress = setInterval(() => {
      const acked = [...sends.values()].filter((s) => s.acked).length;
      say(
        `${acked} acked, ${sends.size - acked} in flight, reconnects ${metrics.reconnects}, unavailable ${metrics.unavailableAcks}+${metrics.unavailableRest}`,
      );
    }, 15_000);
    await Promise.all(loops);
    await scheduler;
    await Promise.all(doorKills);
    clearInterval(progress);
    say(`load stopped; ${[...sends.values()].filter((s) => !s.acked).length} sends still retrying`);

    // ---- final sync -------------------------------------------------------------------------
    // Sends that were in flight keep retrying (same clientId) until acked or the drain deadline.
    const deadline = Date.now() + drainMs;
    while (
      Date.now() < deadline &&
      [...sends.values()].some((s) => !s.acked && Date.now() < sendDeadline)
    ) {
      await sleep(200);
    }
    const finalSync = await Promise.all(
      clients.map(async (c) => {
        if (!(await c.waitConnected(30_000))) return false;
        const rooms = await api(stack.api.url, 'GET', '/api/rooms', null, c.user.token);
        if (rooms.status !== 200) return false; // e.g. the session is gone
        for (const r of rooms.body) c.addRoom(r.id);
        for (let i = 0; i < 40; i += 1) {
          if (await c.sync()) return true;
          await sleep(250);
        }
        return false;
      }),
    );
    say(`final sync done (${finalSync.filter(Boolean).length}/${clients.length} clients complete)`);

    // ---- presence after crashes (defect #5): dead gateways' users go offline -----------------
    let presenceWrong = null;
    if (ghosts.length > 0) {
      const settleAt = lastGhostKillAt + 20_000;
      if (settleAt > Date.now()) await sleep(settleAt - Date.now());
      const expected = new Set([
        ...users.map((u) => u.id),
        ...ghosts.filter((g) => !g.dead).map((g) => g.user.id),
      ]);
      const deadline2 = Date.now() + 15_000;
      for (;;) {
        const res = await api(stack.api.url, 'GET', '/api/users/online', null, users[0].token);
        const online = new Set(Array.isArray(res.body) ? res.body.map((u) => u.id) : []);
        // Door users are online through the doors (the door case checks them by HISTORY).
        const stale = [...online].filter((id) => !expected.has(id) && !doorLoad?.userIds.has(id));
        const missing = [...expected].filter((id) => !online.has(id));
        presenceWrong = { stale, missing };
        if ((stale.length === 0 && missing.length === 0) || Date.now() > deadline2) break;
        await sleep(500);
      }
    }

    // ---- history and checks ------------------------------------------------------------------
    const memberTokens = new Map([['0', users[0].token]]);
    for (const u of users)
      for (const r of roomsOf.get(u.id)) if (!memberTokens.has(r)) memberTokens.set(r, u.token);
    const history = new Map();
    let unreadable = 0;
    for (const [roomId, token] of memberTokens) {
      const all = [];
      let before = null;
      for (;;) {
        const q = before ? `?limit=100&before=${encodeURIComponent(before)}` : '?limit=100';
        const res = await api(
          stack.api.url,
          'GET',
          `/api/rooms/${encodeURIComponent(roomId)}/messages${q}`,
          null,
          token,
        );
        if (res.status !== 200) {
          unreadable += 1;
          break;
        }
        all.unshift(...res.body.messages);
        before = res.body.nextBefore;
        if (!before) break;
      }
      history.set(roomId, all);
    }

    const door = doorLoad && (await doorLoad.finish());
    if (door) say(`door: HISTORY of ${door.pairs} pairs read`);
    const figures = check({
      users,
      clients,
      roomsOf,
      history,
      sends,
      metrics,
      finalSync,
      presenceWrong,
      unreadable,
    });
    const latency = latencyFigures(metrics, windows);
    if (door) figures.mustBeZero.push(...doorFigures(door).mustBeZero);
    const result = {
      door,
      ok: figures.mustBeZero.every((f) => f.value === 0),
      durationS,
      figures,
      latency,
      faults,
      windows,
      metrics,
      runDir: stack.runDir,
      elapsedS: (Date.now() - started) / 1000,
    };
    result.table = formatTable(result);
    passed = result.ok;
    return result;
  } finally {
    clients.forEach((c) => c.stop());
    doorLoad?.stop();
    ghosts.forEach((g) => g.socket.close());
    await stack.stop();
    if (passed) stack.removeRunDir();
  }
}

function check({
  users,
  clients,
  roomsOf,
  history,
  sends,
  metrics,
  finalSync,
  presenceWrong,
  unreadable,
}) {
  const members = new Map();
  for (const u of users)
    for (const r of roomsOf.get(u.id)) members.set(r, [...(members.get(r) ?? []), u.id]);
  members.set(
    '0',
    users.map((u) => u.id),
  );

  const acked = [...sends.values()].filter((s) => s.acked);
  const historyById = new Map();
  let historyOrder = 0;
  let historyDuplicates = 0;
  for (const [, messages] of history) {
    const seenCid = new Set();
    const seenText = new Set();
    messages.forEach((m, i) => {
      historyById.set(`${m.roomId}/${m.id}`, m); // ids are unique within a room only
      if (m.seq !== i + 1 || (i > 0 && compareIds(messages[i - 1].id, m.id) >= 0))
        historyOrder += 1;
      // One logical send is one clientId and one text (each text names its send): either twice
      // is a send stored twice.
      const key = `${m.from}/${m.clientId}`;
      if ((m.clientId && seenCid.has(key)) || seenText.has(m.message)) historyDuplicates += 1;
      if (m.clientId) seenCid.add(key);
      seenText.add(m.message);
    });
  }

  let missingFromHistory = 0;
  const examples = { missing: [], undelivered: [] };
  for (const s of acked) {
    const h = historyById.get(`${s.roomId}/${s.acked.id}`);
    if (
      !h ||
      h.message !== s.text ||
      h.from !== s.from ||
      h.seq !== s.acked.seq ||
      h.clientId !== s.clientId
    ) {
      missingFromHistory += 1;
      if (examples.missing.length < 10)
        examples.missing.push({
          sent: {
            roomId: s.roomId,
            clientId: s.clientId,
            via: s.via,
            t0: s.t0,
            ackAt: s.ackAt,
            attempts: s.attempts,
          },
          ack: s.acked,
          stored: h ?? null,
        });
    }
  }

  let undelivered = 0;
  const undeliveredMessages = new Set();
  let appDuplicates = 0;
  let appOutOfOrder = 0;
  let phantoms = 0;
  let deliveries = 0;
  let liveDeliveries = 0;
  for (const c of clients) {
    for (const r of c.rooms.values()) {
      const ids = new Set();
      const logical = new Set();
      r.appLog.forEach((m, i) => {
        deliveries += 1;
        if (m.source === 'live') liveDeliveries += 1;
        if (ids.has(m.id)) appDuplicates += 1;
        ids.add(m.id);
        if (logical.has(m.text) || (m.clientId && logical.has(`${m.from}/${m.clientId}`)))
          appDuplicates += 1;
        logical.add(m.text);
        if (m.clientId) logical.add(`${m.from}/${m.clientId}`);
        const prev = r.appLog[i - 1];
        if ((prev ? prev.seq + 1 : 1) !== m.seq || (prev && compareIds(prev.id, m.id) >= 0))
          appOutOfOrder += 1;
        if (!historyById.has(`${r.roomId}/${m.id}`)) phantoms += 1;
      });
      if (r.pending.size > 0) appOutOfOrder += r.pending.size; // still waiting for a gap to fill
    }
    for (const s of acked) {
      if (!(members.get(s.roomId) ?? []).includes(c.user.id)) continue;
      if (!c.rooms.get(s.roomId)?.ids.has(s.acked.id)) {
        undelivered += 1;
        if (examples.undelivered.length < 10)
          examples.undelivered.push({ client: c.name, roomId: s.roomId, id: s.acked.id });
        undeliveredMessages.add(`${s.roomId}/${s.acked.id}`);
      }
    }
  }
  const leaks = metrics.unknownRoomDeliveries.filter((d) => {
    const c = clients.find((x) => x.name === d.client);
    return c && !(members.get(d.roomId) ?? []).includes(c.user.id);
  }).length;

  const stats = {
    sendsAcked: acked.length,
    sendsSocket: acked.filter((s) => s.via === 'socket').length,
    sendsRest: acked.filter((s) => s.via === 'rest').length,
    storedMessages: historyById.size,
    deliveries,
    liveShare: deliveries ? liveDeliveries / deliveries : 0,
    undeliveredDistinct: undeliveredMessages.size,
  };
  const mustBeZero = [
    {
      name: 'acked messages missing from history (or stored differently)',
      value: missingFromHistory,
    },
    { name: 'acked messages never delivered to a member after its final sync', value: undelivered },
    {
      name: 'duplicates delivered to the app after dedupe by id (same id, or same clientId)',
      value: appDuplicates,
    },
    {
      name: 'duplicates stored for one clientId (exactly-once storage)',
      value: historyDuplicates + metrics.clientIdConflicts.length,
    },
    {
      name: 'out-of-order per room (app view and history: seq 1..n, ids rising)',
      value: appOutOfOrder + historyOrder,
    },
    { name: 'one seq with two ids', value: metrics.seqConflicts.length },
    { name: 'acks whose message differs from what was sent', value: metrics.ackMismatches.length },
    { name: 'messages shown that are not in history', value: phantoms },
    { name: 'messages delivered to a non-member', value: leaks },
    {
      name: 'sends refused for good (4xx / non-retryable error ack)',
      value: metrics.refusedSends.length,
    },
    {
      name: 'sends never acked (still failing at the end of the drain)',
      value: sends.size - acked.length,
    },
    {
      name: 'clients whose final sync did not complete',
      value: finalSync.filter((ok) => !ok).length,
    },
    { name: 'rooms whose history could not be read', value: unreadable },
    {
      name: 'wrong presence after settling (dead gateways’ users online, live ones not)',
      value: presenceWrong ? presenceWrong.stale.length + presenceWrong.missing.length : 0,
    },
  ];
  return { mustBeZero, stats, examples };
}

function latencyFigures(metrics, windows) {
  const outside = (from, to) => !windows.some((w) => from <= w.to && to >= w.from);
  const socket = metrics.sendLatency.filter((s) => s.via === 'socket');
  const rest = metrics.sendLatency.filter((s) => s.via === 'rest');
  const calm = (list) => list.filter((s) => outside(s.t0, s.at)).map((s) => s.at - s.t0);
  const all = (list) => list.map((s) => s.at - s.t0);
  const delivery = metrics.deliveryLatency;
  return {
    socketCalm: {
      n: calm(socket).length,
      p50: percentile(calm(socket), 50),
      p99: percentile(calm(socket), 99),
    },
    restCalm: {
      n: calm(rest).length,
      p50: percentile(calm(rest), 50),
      p99: percentile(calm(rest), 99),
    },
    deliveryCalm: (() => {
      const v = delivery.filter((d) => outside(d.at - d.ms, d.at)).map((d) => d.ms);
      return { n: v.length, p50: percentile(v, 50), p99: percentile(v, 99) };
    })(),
    socketAll: { p99: percentile(all(socket), 99), max: percentile(all(socket), 100) },
    restAll: { p99: percentile(all(rest), 99), max: percentile(all(rest), 100) },
  };
}

function formatTable(r) {
  const lines = [];
  const ms = (v) => (v === null || v === undefined ? '–' : `${Math.round(v)} ms`);
  const row = (name, value, mark = '') =>
    lines.push(`| ${name.padEnd(78)} | ${String(value).padStart(20)} | ${mark.padEnd(4)} |`);
  const rule = () => lines.push(`|${'-'.repeat(80)}|${'-'.repeat(22)}|${'-'.repeat(6)}|`);
  lines.push(`Parley chaos run: ${r.durationS}s of load, ${r.elapsedS.toFixed(0)}s in all`);
  rule();
  row('must be 0', 'value', '');
  rule();
  for (const f of r.figures.mustBeZero) row(f.name, f.value, f.value === 0 ? 'ok' : 'FAIL');
  rule();
  const s = r.figures.stats;
  const m = r.metrics;
  const l = r.latency;
  row('messages acked (socket / REST)', `${s.sendsSocket} / ${s.sendsRest}`);
  row('messages stored (all rooms)', s.storedMessages);
  row(
    'deliveries to the app (share that arrived live, not via sync)',
    `${s.deliveries} (${(s.liveShare * 100).toFixed(1)}%)`,
  );
  row(
    'gateway kills (kill -9) / gateway restarts',
    `${r.faults.kills} / ${r.faults.gatewayRestarts}`,
  );
  row(
    'Redis restarts (SIGTERM, AOF) / Redis pauses (SIGSTOP 5 s)',
    `${r.faults.redisRestarts} / ${r.faults.redisPauses}`,
  );
  row('DMs opened during the run', r.faults.newDms);
  row(
    'reconnects (of which voluntary) / connections lost to faults',
    `${m.reconnects} (${m.voluntaryReconnects}) / ${m.involuntaryDisconnects}`,
  );
  row(
    '`unavailable` acks (socket) / 503 answers (REST)',
    `${m.unavailableAcks} / ${m.unavailableRest}`,
  );
  row('send retries (same clientId) / ack timeouts', `${m.retries} / ${m.ackTimeouts}`);
  row(
    'seq gaps seen live (filled by sync) / duplicates dropped by id',
    `${m.gapsSeen} / ${m.rawDuplicates}`,
  );
  row(
    'connect errors',
    Object.entries(m.connectErrors)
      .map(([k, v]) => `${k}:${v}`)
      .join(' ') || 0,
  );
  if (r.door) for (const [name, value] of doorFigures(r.door).rows) row(name, value);
  row(
    `socket send → ack outside fault windows: p50 / p99 (n=${l.socketCalm.n})`,
    `${ms(l.socketCalm.p50)} / ${ms(l.socketCalm.p99)}`,
  );
  row(
    `REST post → 201 outside fault windows: p50 / p99 (n=${l.restCalm.n})`,
    `${ms(l.restCalm.p50)} / ${ms(l.restCalm.p99)}`,
  );
  row(
    `send → live delivery outside fault windows: p50 / p99`,
    `${ms(l.deliveryCalm.p50)} / ${ms(l.deliveryCalm.p99)}`,
  );
  row(
    'socket send → ack over the whole run: p99 / max',
    `${ms(l.socketAll.p99)} / ${ms(l.socketAll.max)}`,
  );
  rule();
  lines.push(r.ok ? 'RESULT: ok (every must-be-0 figure is 0)' : 'RESULT: FAIL');
  return lines.join('\n');
}

module.exports = { runChaos, defaultSchedule, api, percentile };
