'use strict';
// Connect/disconnect cycles over raw WebSockets (Engine.IO v4 / Socket.IO v5 framing): open,
// authenticate with Socket.IO CONNECT, wait for the server's CONNECT, then leave, half of the time
// cleanly (Socket.IO DISCONNECT, WebSocket close) and half abruptly (TCP reset). Cheap enough on
// the client side to run tens of thousands against one gateway.
const { WebSocket: WsSocket } = require('ws');

function cycle(baseUrl, token, abrupt, timeoutMs = 10_000) {
  return new Promise((resolve) => {
    const ws = new WsSocket(
      `${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`,
      {
        perMessageDeflate: false,
      },
    );
    let done = false;
    const finish = (result) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      ws.terminate();
      finish('timeout');
    }, timeoutMs);
    ws.on('error', (err) => finish(`error: ${err.message}`));
    ws.on('close', () => finish('closed before connect'));
    ws.on('message', (/** @type {Buffer} */ data) => {
      const s = data.toString('utf8');
      if (s[0] === '0') {
        ws.send(`40${JSON.stringify({ token })}`);
      } else if (s.startsWith('40')) {
        if (abrupt) {
          ws.terminate();
        } else {
          ws.send('41');
          ws.close();
        }
        finish('ok');
      } else if (s.startsWith('44')) {
        let message = 'connect_error';
        try {
          message = JSON.parse(s.slice(2)).message;
        } catch {
          // keep the generic one
        }
        ws.terminate();
        finish(message);
      }
    });
  });
}

/**
 * Runs `total` cycles with `concurrency` workers; worker w uses the tokens w, w + concurrency, …
 * in turn, so no user ever has two cycles in flight. Returns the outcome counts.
 */
async function runCycles(baseUrl, tokens, total, concurrency, onProgress) {
  const outcomes = {};
  let next = 0;
  let finished = 0;
  const workers = Array.from({ length: concurrency }, async (_, w) => {
    let turn = 0;
    const mine = tokens.filter((_t, k) => k % concurrency === w);
    for (;;) {
      const i = next;
      next += 1;
      if (i >= total) return;
      const token = mine[turn % mine.length];
      turn += 1;
      const result = await cycle(baseUrl, token, i % 2 === 1);
      outcomes[result] = (outcomes[result] ?? 0) + 1;
      finished += 1;
      if (onProgress && finished % 10_000 === 0) onProgress(finished);
    }
  });
  await Promise.all(workers);
  return outcomes;
}

module.exports = { cycle, runCycles };
