'use strict';
// The benchmark's baseline: a minimal Socket.IO server with the same Redis adapter Parley uses
// (sharded on Redis ≥ 7), no auth, no persistence, no validation. Rooms come from the handshake.
// `sync` and GET /history read a Redis stream directly, as the cheapest possible equivalents.
const http = require('node:http');
const { Server } = require('socket.io');
const { createShardedAdapter } = require('@socket.io/redis-adapter');
const Redis = require('ioredis');

const port = Number(process.argv[2]);
const redisUrl = process.argv[3];

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
  io.on('connection', (socket) => {
    const rooms = socket.handshake.auth?.rooms ?? [];
    void socket.join(rooms.map((r) => `room:${r}`));
    socket.on('message', (payload, ack) => {
      io.to(`room:${payload.roomId}`).emit('message', payload);
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

main().catch((err) => {
  console.error(`baseline: ${err.message}`);
  process.exit(1);
});

// Exit normally on SIGTERM so that --cpu-prof can write its profile.
process.on('SIGTERM', () => process.exit(0));
