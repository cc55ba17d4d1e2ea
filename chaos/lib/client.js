'use strict';
// A chat client that behaves like a careful real one: every send carries a clientId and is retried
// with the same clientId on an error or a timeout; after every (re)connect it calls `sync` with its
// per-room cursors; it hands messages to the "app" deduplicated by id and in seq order, buffering
// a message that arrives after a gap until `sync` fills the gap. It keeps a log of everything so
// the run can be checked at the end.
const { io } = require('socket.io-client');
const { sleep } = require('./processes');

const ACK_TIMEOUT_MS = 4_000;
const REST_TIMEOUT_MS = 5_000;

function jitter(ms) {
  return ms / 2 + Math.random() * ms;
}

class RoomState {
  constructor(roomId) {
    this.roomId = roomId;
    this.lastSeq = 0;
    this.lastId = '0';
    /** Messages that arrived after a gap, by seq, until the gap is filled. */
    this.pending = new Map();
    /** What the app was given, in order. */
    this.appLog = [];
    this.ids = new Set();
    /** seq → id of delivered messages: a second id for one seq would be a server bug. */
    this.bySeq = new Map();
  }
}

class ChaosClient {
  /**
   * @param {object} o
   * @param {string} o.name
   * @param {{ id: string, username: string, token: string }} o.user
   * @param {string[]} o.rooms room ids the user is a member of
   * @param {string[]} o.urls where to connect, tried in turn (gateways, or the API proxy)
   * @param {string} o.apiUrl
   * @param {string[]} o.transports
   * @param {object} o.metrics shared counters
   * @param {Map<string, object>} o.sends shared registry: clientId → send record
   * @param {boolean} [o.keepLog] keep the app log and send records for checking (default true);
   *   a long soak turns it off so that the load generator's own memory stays flat
   * @param {boolean} [o.clientIds] send with clientIds (default true)
   */
  constructor(o) {
    Object.assign(this, { keepLog: true, clientIds: true }, o);
    this.rooms = new Map(o.rooms.map((r) => [r, new RoomState(r)]));
    this.socket = null;
    this.urlIndex = Math.floor(Math.random() * o.urls.length);
    this.stopped = false;
    this.connects = 0;
    this.sendCounter = 0;
    this.connectedWaiters = [];
    this.syncing = false;
    this.syncAgain = false;
    this.syncTimer = null;
    this.liveOutOfOrder = 0;
    this.typingSeen = 0;
    this.lastLiveSeq = new Map();
  }

  get connected() {
    return Boolean(this.socket?.connected);
  }

  log(line) {
    this.metrics.log?.(`[${this.name}] ${line}`);
  }

  // ---- connection ---------------------------------------------------------------------------

  async start() {
    await this.connectLoop();
  }

  async connectLoop() {
    let failures = 0;
    while (!this.stopped) {
      const url = this.urls[this.urlIndex % this.urls.length];
      try {
        await this.connectOnce(url);
        return;
      } catch (err) {
        failures += 1;
        const reason = String(err?.message ?? err);
        this.metrics.connectErrors[reason] = (this.metrics.connectErrors[reason] ?? 0) + 1;
        // Theirs may be dead: try the next one.
        this.urlIndex += 1;
        await sleep(jitter(Math.min(2_000, 100 * 2 ** Math.min(failures, 5))));
      }
    }
  }

  connectOnce(url) {
    return new Promise((resolve, reject) => {
      const socket = io(url, {
        auth: { token: this.user.token },
        transports: this.transports,
        reconnection: false,
        forceNew: true,
        timeout: 5_000,
      });
      let settled = false;
      socket.once('connect', () => {
        settled = true;
        this.socket = socket;
        this.currentUrl = url;
        this.connects += 1;
        if (this.connects > 1) this.metrics.reconnects += 1;
        this.connectedWaiters.splice(0).forEach((w) => w());
        void this.sync();
        resolve();
      });
      socket.once('connect_error', (err) => {
        if (settled) return;
        settled = true;
        socket.close();
        reject(err);
      });
      socket.on('message', (m) => this.receive(m, 'live'));
      socket.on('typing', () => (this.typingSeen += 1));
      socket.on('show.room', (room) => this.addRoom(room.id));
      socket.on('disconnect', (reason) => {
        if (this.socket !== socket) return;
        this.socket = null;
        if (this.stopped) return;
        this.metrics.disconnects[reason] = (this.metrics.disconnects[reason] ?? 0) + 1;
        this.metrics.involuntaryDisconnects += 1;
        void this.connectLoop();
      });
    });
  }

  waitConnected(timeoutMs) {
    if (this.connected) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.connectedWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** A voluntary reconnect (a reload, a network switch): close, and connect somewhere at random. */
  reconnect() {
    if (!this.socket) return;
    const socket = this.socket;
    this.socket = null;
    socket.disconnect();
    this.metrics.voluntaryReconnects += 1;
    this.urlIndex = Math.floor(Math.random() * this.urls.length);
    void this.connectLoop();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.syncTimer);
    this.socket?.disconnect();
    this.socket = null;
  }

  // ---- receiving ----------------------------------------------------------------------------

  addRoom(roomId) {
    if (this.rooms.has(roomId)) return;
    this.rooms.set(roomId, new RoomState(roomId));
    void this.sync();
  }

  receive(m, source) {
    const r = this.rooms.get(m.roomId);
    if (!r) {
      // Not a room this client knows: either a privacy leak or a room it has not learnt yet.
      this.metrics.unknownRoomDeliveries.push({ client: this.name, roomId: m.roomId, id: m.id });
      return;
    }
    if (source === 'live') {
      const last = this.lastLiveSeq.get(m.roomId) ?? 0;
      if (m.seq < last) this.liveOutOfOrder += 1;
      this.lastLiveSeq.set(m.roomId, Math.max(last, m.seq));
      const send = m.clientId ? this.sends.get(`${m.from}/${m.clientId}`) : undefined;
      if (send && this.keepLog)
        this.metrics.deliveryLatency.push({ at: Date.now(), ms: Date.now() - send.t0 });
    }
    if (r.ids.has(m.id) || m.seq <= r.lastSeq) {
      this.metrics.rawDuplicates += 1;
      const known = r.bySeq.get(m.seq);
      if (known !== undefined && known !== m.id)
        this.metrics.seqConflicts.push({ roomId: m.roomId, seq: m.seq, ids: [known, m.id] });
      return;
    }
    if (m.seq !== r.lastSeq + 1) {
      if (!r.pending.has(m.seq)) r.pending.set(m.seq, m);
      this.metrics.gapsSeen += 1;
      this.scheduleSync();
      return;
    }
    this.deliver(r, m, source);
    for (let next = r.pending.get(r.lastSeq + 1); next; next = r.pending.get(r.lastSeq + 1)) {
      r.pending.delete(next.seq);
      this.deliver(r, next, 'buffered');
    }
  }

  deliver(r, m, source) {
    r.lastSeq = m.seq;
    r.lastId = m.id;
    this.metrics.delivered = (this.metrics.delivered ?? 0) + 1;
    if (!this.keepLog) return;
    r.ids.add(m.id);
    r.bySeq.set(m.seq, m.id);
    r.appLog.push({
      id: m.id,
      seq: m.seq,
      from: m.from,
      clientId: m.clientId,
      text: m.message,
      source,
    });
  }

  scheduleSync() {
    if (this.syncTimer) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = null;
      void this.sync();
    }, 150);
  }

  /** `sync` with the per-room cursors until every room is complete. False if it could not finish. */
  async sync() {
    if (this.syncing) {
      this.syncAgain = true;
      return false;
    }
    this.syncing = true;
    try {
      for (let round = 0; round < 1000; round += 1) {
        this.syncAgain = false;
        const socket = this.socket;
        if (!socket?.connected) return false;
        const cursors = Object.fromEntries(
          [...this.rooms.values()].map((r) => [r.roomId, r.lastId]),
        );
        let ack;
        try {
          ack = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('sync', { cursors });
        } catch {
          this.metrics.syncFailures += 1;
          await sleep(jitter(500));
          continue;
        }
        if (!ack?.ok) {
          this.metrics.syncFailures += 1;
          if (ack?.error?.code === 'unavailable') this.metrics.unavailableAcks += 1;
          await sleep(jitter(500));
          continue;
        }
        let incomplete = false;
        for (const [roomId, result] of Object.entries(ack.rooms)) {
          for (const m of result.messages) this.receive(m, 'sync');
          if (!result.complete) incomplete = true;
          if (!this.rooms.has(roomId))
            this.metrics.unknownRoomDeliveries.push({ client: this.name, roomId });
        }
        if (!incomplete && !this.syncAgain) return true;
      }
      return false;
    } finally {
      this.syncing = false;
    }
  }

  // ---- sending ------------------------------------------------------------------------------

  /** Sends until acked (retrying with the same clientId) or `deadline` passes. */
  async send(roomId, via, deadline) {
    this.sendCounter += 1;
    const clientId = `${this.name}-${this.sendCounter}`;
    const record = {
      client: this.name,
      from: this.user.id,
      roomId,
      clientId,
      text: `chaos ${clientId} <b>&amp;</b> ✓`,
      via,
      t0: Date.now(),
      attempts: 0,
      acked: null,
      ackAt: 0,
      ackIds: new Set(),
    };
    if (this.keepLog) this.sends.set(`${record.from}/${clientId}`, record);
    while (!record.acked && Date.now() < deadline) {
      record.attempts += 1;
      if (record.attempts > 1) this.metrics.retries += 1;
      const result =
        via === 'rest' ? await this.restAttempt(record) : await this.socketAttempt(record);
      if (result.ok) {
        this.acked(record, result.message);
        break;
      }
      await sleep(
        result.waitMs ?? jitter(Math.min(2_000, 150 * 2 ** Math.min(record.attempts, 4))),
      );
    }
    return record;
  }

  acked(record, message) {
    record.ackIds.add(message.id);
    if (record.ackIds.size > 1) this.metrics.clientIdConflicts.push(record.clientId);
    if (record.acked) return;
    record.acked = message;
    record.ackAt = Date.now();
    this.metrics.acked = (this.metrics.acked ?? 0) + 1;
    if (!this.clientIds) return;
    if (
      message.from !== record.from ||
      message.message !== record.text ||
      message.roomId !== record.roomId ||
      message.clientId !== record.clientId
    ) {
      this.metrics.ackMismatches.push({ clientId: record.clientId, message });
    }
    if (this.keepLog)
      this.metrics.sendLatency.push({ via: record.via, t0: record.t0, at: record.ackAt });
  }

  async socketAttempt(record) {
    if (!(await this.waitConnected(5_000))) return { ok: false };
    const socket = this.socket;
    if (!socket) return { ok: false };
    let ack;
    try {
      ack = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('message', {
        roomId: record.roomId,
        message: record.text,
        clientId: this.clientIds ? record.clientId : undefined,
      });
    } catch {
      this.metrics.ackTimeouts += 1;
      return { ok: false, waitMs: 50 };
    }
    if (ack?.ok) return { ok: true, message: ack.message };
    const code = ack?.error?.code ?? 'malformed';
    this.metrics.errorAcks[code] = (this.metrics.errorAcks[code] ?? 0) + 1;
    if (code === 'unavailable') this.metrics.unavailableAcks += 1;
    if (code === 'rate_limited') return { ok: false, waitMs: ack.error.retryAfterMs ?? 500 };
    if (!['unavailable', 'internal', 'closed'].includes(code))
      this.metrics.refusedSends.push({ clientId: record.clientId, error: ack?.error });
    return { ok: false };
  }

  async restAttempt(record) {
    try {
      const res = await fetch(
        `${this.apiUrl}/api/rooms/${encodeURIComponent(record.roomId)}/messages`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${this.user.token}`,
          },
          body: JSON.stringify({
            message: record.text,
            clientId: this.clientIds ? record.clientId : undefined,
          }),
          signal: AbortSignal.timeout(REST_TIMEOUT_MS),
        },
      );
      const body = await res.json().catch(() => null);
      if (res.status === 201 || res.status === 200) return { ok: true, message: body };
      this.metrics.restErrors[res.status] = (this.metrics.restErrors[res.status] ?? 0) + 1;
      if (res.status === 503) this.metrics.unavailableRest += 1;
      if (res.status === 429)
        return { ok: false, waitMs: Number(res.headers.get('retry-after') ?? 1) * 1000 };
      if (res.status < 500)
        this.metrics.refusedSends.push({ clientId: record.clientId, status: res.status, body });
      return { ok: false };
    } catch (err) {
      const key = err?.name === 'TimeoutError' ? 'timeout' : 'network';
      this.metrics.restErrors[key] = (this.metrics.restErrors[key] ?? 0) + 1;
      return { ok: false };
    }
  }

  typing(roomId) {
    if (!this.connected) return;
    this.socket.emit('typing', { roomId, typing: true });
    setTimeout(() => this.socket?.emit('typing', { roomId, typing: false }), 800).unref();
  }
}

/** The counters every ChaosClient of one run writes into (chaos and soak alike). */
function newClientMetrics() {
  return {
    reconnects: 0,
    voluntaryReconnects: 0,
    involuntaryDisconnects: 0,
    retries: 0,
    ackTimeouts: 0,
    unavailableAcks: 0,
    unavailableRest: 0,
    syncFailures: 0,
    rawDuplicates: 0,
    gapsSeen: 0,
    connectErrors: {},
    disconnects: {},
    errorAcks: {},
    restErrors: {},
    seqConflicts: [],
    clientIdConflicts: [],
    ackMismatches: [],
    refusedSends: [],
    unknownRoomDeliveries: [],
    sendLatency: [],
    deliveryLatency: [],
  };
}

module.exports = { ChaosClient, RoomState, jitter, newClientMetrics };
