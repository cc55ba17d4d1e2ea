#!/usr/bin/env node
// Parley echo bot: reads one room through a room feed (a queue under /mq) and answers every
// message of someone else with "echo: <text>". Plain fetch, no SDK, no dependencies (Node 18+).
//
//   PARLEY_URL=http://localhost:3000 PARLEY_TOKEN=prl_… PARLEY_ROOM=0 node bot.mjs
//
// The token needs the scopes queues, messages:read, messages:write and rooms:read.

const base = (process.env.PARLEY_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const token = process.env.PARLEY_TOKEN;
const room = process.env.PARLEY_ROOM ?? '0';
const queue = process.env.PARLEY_QUEUE ?? 'echo-bot';
/** Seconds a taken message stays ours; unacked (the bot died mid-way), it comes back. */
const lease = Number(process.env.PARLEY_LEASE ?? 30);
/** How long to wait before asking again when the queue is empty. */
const idleMs = Number(process.env.PARLEY_IDLE_MS ?? 500);

if (!token) {
  console.error('echo-bot: set PARLEY_TOKEN to an API token (see README)');
  process.exit(2);
}

const roomPath = `/api/rooms/${encodeURIComponent(room)}`;
let running = true;
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => (running = false));

async function call(method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
  };
}

function expect(res, ...ok) {
  if (!ok.includes(res.status)) {
    throw new Error(
      `unexpected ${res.status}: ${typeof res.body === 'string' ? res.body : JSON.stringify(res.body)}`,
    );
  }
  return res.body;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const me = expect(await call('GET', '/api/me'), 200);
  // 201: a new feed; 409: it already feeds this queue (a restart). Either way, it runs.
  expect(await call('POST', `${roomPath}/feeds`, { queue }), 201, 409);
  console.log(`echo-bot: ${me.username} reads room ${room} through queue ${queue}`);

  while (running) {
    const got = await call('GET', `/mq/q/${queue}?lease=${lease}`);
    if (got.status === 404) {
      await sleep(idleMs);
      continue;
    }
    const { key, value } = expect(got, 200);
    const item = JSON.parse(value);
    if (item.type === 'message' && item.message.from !== me.id && !item.message.deleted) {
      // clientId: a message redelivered after a crash is answered once, not twice.
      const reply = {
        message: `echo: ${item.message.message}`,
        clientId: `echo-${item.message.id}`,
      };
      expect(await call('POST', `${roomPath}/messages`, reply), 201);
    }
    // Done with it (answered, or nothing to answer: our own messages, edits, reactions).
    expect(await call('DELETE', `/mq/q/${queue}/${encodeURIComponent(key)}`), 204, 404);
  }
  console.log('echo-bot: stopped');
}

main().catch((err) => {
  console.error(`echo-bot: ${err.message}`);
  process.exit(1);
});
