'use strict';
// The door scenario's load side, run inside bench/loadgen.js (bench/door.js sets it up) with the
// same stepping and counting as `dm`. One line-door connection per user (TOKEN login), users
// alternating between the two doors, so each pair spans both as the dm pairs span both gateways;
// each pair says TALKTO once, then both sides send `MSG <peer> <send time>|<step>:<k>` in turn.
// Latency runs from the send time in the text to the `MSG <from> <text>` line at the peer; a
// command's `OK MSG` is its ack (the door answers in order). The text holds no message body.
const { lineLogin } = require('../chaos/lib/line-client');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @param {object} cfg from bench/door.js
 * @param {{ stepped: Function, tracker: Function }} loadgen bench/loadgen.js's stepping loop
 */
async function drive(cfg, { stepped, tracker }) {
  const n = cfg.users.length;
  const pairs = n / 2;
  const track = tracker();
  /** Per connection: the acks it waits for, oldest first. */
  const pending = cfg.users.map(() => []);
  const onLine = (i) => (line, live) => {
    if (live) {
      // MSG <from> <text>; `start`/`stop` lines are dropped.
      const text = line.slice(line.indexOf(' ', 4) + 1);
      if (line.startsWith('MSG ')) track.deliver(i, { message: text, roomId: i >> 1 });
      return true;
    }
    const ack = pending[i].shift();
    if (!ack) return false; // a command's answer (TOKEN, TALKTO): queued for its caller
    ack({ ok: line.startsWith('OK MSG ') });
    return true;
  };

  const conns = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(100, n) }, async () => {
      while (next < n) {
        const i = next++;
        const port = cfg.doors[i % cfg.doors.length];
        conns[i] = await lineLogin(port, { token: cfg.users[i].token, onLine: onLine(i) });
      }
    }),
  );
  await Promise.all(
    Array.from({ length: pairs }, async (_, p) => {
      const answer = await conns[p * 2].ask(`TALKTO ${cfg.users[p * 2 + 1].username}`, 30_000);
      if (!answer.startsWith('OK TALKTO')) throw new Error(`TALKTO: ${answer}`);
    }),
  );
  await sleep(1000); // the peers' `start` lines and the logins' presence settle

  const rows = await stepped(
    cfg,
    conns,
    track,
    (k) => {
      const pair = k % pairs;
      const from = pair * 2 + (Math.floor(k / pairs) % 2);
      const to = cfg.users[from ^ 1].username;
      return {
        roomId: pair,
        send: (text) => {
          conns[from].send(`MSG ${to} ${text}`);
          return new Promise((resolve) => pending[from].push(resolve));
        },
      };
    },
    () => 1,
  );
  conns.forEach((c) => c.destroy());
  return { rows };
}

module.exports = { drive };
