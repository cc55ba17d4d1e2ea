'use strict';
// The benchmark's baseline: a minimal Socket.IO server with the same Redis adapter Parley uses
// (sharded on Redis ≥ 7), no auth, no persistence, no validation. Rooms come from the handshake.
// `sync` and GET /history read a Redis stream directly, as the cheapest possible equivalents.
// BASELINE_FANOUT=bus (bench/paths.js) sends messages to the other processes through one sharded
// channel that every process subscribes to, instead of the room's own channel (`room`, default).
const http = require('node:http');
const { Server } = require('socket.io');
const { createShardedAdapter } = require('@socket.io/redis-adapter');
const Redis = require('ioredis');

const port = Number(process.argv[2]);
const redisUrl = process.argv[3];
const fanout = process.env.BASELINE_FANOUT ?? 'room';
const BUS = 'bench:bus';

async function main() {
  const pub = new Redis(redisUrl);
  const sub = pub.duplicate();
  const data = new Redis(redisUrl);
  for (const c of [pub, sub, data]) c.on('error', () => undefined);
  const toMessage = (roomId, [id, f]) => ({ id, roomId, from: f[1], message: f[3] });

  // `/history?before=<id>`: the page before that entry (older pages), else the newest page.
  const history = async (res, before) => {
    const entries = await data.xrevrange(
      'bench:stream',
      before ? `(${before}` : '+',
      '-',
      'COUNT',
      51,
    );
    const messages = entries.slice(0, 50).reverse();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ messages: messages.map((e) => toMessage('0', e)) }));
  };
  const server = http.createServer((req, res) => {
    if (req.url.startsWith('/history')) {
      const before = new URL(req.url, 'http://x').searchParams.get('before');
      history(res, before).catch(() => res.writeHead(503).end());
      return;
    }
    res.end('ok');
  });
  const io = new Server(server, { perMessageDeflate: false, transports: ['websocket'] });
  io.adapter(createShardedAdapter(pub, sub, { subscriptionMode: 'dynamic' }));
  const toRoom =
    fanout === 'bus'
      ? await busFanout(io, pub)
      : (room, payload) => io.to(room).emit('message', payload);
  io.on('connection', (socket) => {
    const rooms = socket.handshake.auth?.rooms ?? [];
    void socket.join(rooms.map((r) => `room:${r}`));
    socket.on('message', (payload, ack) => {
      toRoom(`room:${payload.roomId}`, payload);
      if (typeof ack === 'function') ack({ ok: true });
    });
    socket.on('sync', async (payload, ack) => {
      const out = {};
      for (const [roomId, cursor] of Object.entries(payload.cursors)) {
        const entries = await data.xrange('bench:stream', `(${cursor}`, '+', 'COUNT', 500);
        out[roomId] = { messages: entries.map((e) => toMessage(roomId, e)), complete: true };
      }
      ack({ ok: true, rooms: out });
    });
  });
  server.listen(port, '127.0.0.1', () => process.send?.({ ready: true }));
}

/**
 * The bus: every process hears every message and emits it to its own sockets of the room. As the
 * adapter does, the sender publishes one JSON message with SPUBLISH (the adapter's command and
 * encoding) and emits to its local sockets once Redis has answered; a process drops its own echo
 * by uid. Only the number of processes that hear a message differs from `room`.
 */
async function busFanout(io, pub) {
  const uid = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  const bus = pub.duplicate();
  bus.on('error', () => undefined);
  bus.on('smessage', (_channel, raw) => {
    const m = JSON.parse(raw);
    if (m.uid !== uid) io.local.to(m.room).emit('message', m.payload);
  });
  await bus.ssubscribe(BUS);
  return (room, payload) => {
    void pub
      .spublish(BUS, JSON.stringify({ uid, room, payload }))
      .catch(() => undefined)
      .then(() => io.local.to(room).emit('message', payload));
  };
}

main().catch((err) => {
  console.error(`baseline: ${err.message}`);
  process.exit(1);
});

// Exit normally on SIGTERM so that --cpu-prof can write its profile.
process.on('SIGTERM', () => process.exit(0));
