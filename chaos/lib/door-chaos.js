'use strict';
// The chaos run's door case: pairs of users chat over the line door through two door processes
// (pair k: its first user on door k % 2, the second on the other) for the whole load, one
// `TALKTO` per pair and then `MSG` both ways. A `doorKill` event kill -9s a door process; its
// users reconnect through the other one (`TOKEN` login) and carry on, and the dead door is
// restarted a few seconds later. At the end `HISTORY` of every pair must hold every message that
// was acked with `OK MSG`, with its seq and text (chaos/lib/door-crash.js, shared with the door
// e2e). Each side sends at most `perSender` messages, so a pair stays within HISTORY's 100.
const { lineLogin } = require('./line-client');
const { sendLoop, history, compareHistory, sleep } = require('./door-crash');

/**
 * Registers the users and starts the load; returns the handle the run drives.
 * @param {object} o
 * @param {{ doors: { up: boolean, port: number, name: string, pid?: number }[],
 *   killDoor: (i: number) => Promise<void>, startDoor: (i: number) => Promise<void> }} o.stack
 * @param {(name: string) => Promise<{ username: string, token: string }>} o.register
 * @param {number} o.pairs
 * @param {number} o.loadEnd ms timestamp: no MSG is started after it
 * @param {number} o.durationMs
 * @param {number} [o.perSender]
 * @param {(line: string) => void} o.say
 */
async function startDoorLoad(o) {
  const perSender = o.perSender ?? 45;
  const pauseMs = Math.max(50, o.durationMs / perSender);
  const stats = { reconnects: 0, kills: 0, restarts: 0, loginRetries: 0 };
  const users = [];
  for (let i = 0; i < o.pairs * 2; i += 1) users.push(await o.register(`door${i}`));
  const sides = users.map((user, i) => ({
    user,
    peer: users[i ^ 1],
    home: (Math.floor(i / 2) + (i % 2)) % 2,
    talks: i % 2 === 0,
    acked: [],
    unanswered: 0,
    client: null,
    logins: 0,
  }));

  /** A logged-in client, through the side's own door while it is up, else the other one. */
  const connect = async (side) => {
    for (;;) {
      const order = [side.home, 1 - side.home].filter((d) => o.stack.doors[d].up);
      for (const d of order) {
        const client = await lineLogin(o.stack.doors[d].port, { token: side.user.token }).catch(
          () => null,
        );
        if (!client) continue;
        if (side.logins > 0) stats.reconnects += 1;
        side.logins += 1;
        return client;
      }
      stats.loginRetries += 1;
      await sleep(200);
    }
  };

  const loops = sides.map(async (side) => {
    await sleep(Math.random() * pauseMs);
    while (Date.now() < o.loadEnd && side.acked.length < perSender) {
      if (!side.client || side.client.closed) side.client = await connect(side);
      if (side.talks) {
        const answer = await side.client
          .ask(`TALKTO ${side.peer.username}`, 30_000)
          .catch(() => '');
        if (answer === `OK TALKTO ${side.peer.username}`) side.talks = false;
        else if (!side.client.closed) await sleep(200);
        continue;
      }
      side.unanswered += await sendLoop(side.client, {
        from: side.user.username,
        to: side.peer.username,
        max: perSender,
        acked: side.acked,
        pauseMs,
        timeoutMs: 30_000,
        stop: () => Date.now() >= o.loadEnd,
      });
    }
  });
  o.say(`door: ${o.pairs} pairs over ${o.stack.doors.map((d) => d.name).join(' and ')}`);

  return {
    userIds: new Set(users.map((u) => u.id)),
    /** kill -9 of door `i`; restarted after `restartDelayMs`. */
    async killDoor(i, restartDelayMs) {
      await o.stack.killDoor(i);
      stats.kills += 1;
      o.say(`kill -9 ${o.stack.doors[i].name}`);
      await sleep(restartDelayMs);
      await o.stack.startDoor(i);
      stats.restarts += 1;
      o.say(`${o.stack.doors[i].name} restarted (pid ${o.stack.doors[i].pid})`);
    },
    /** Ends the load and reads every pair's HISTORY. */
    async finish() {
      await Promise.all(loops);
      const totals = { acked: 0, missing: 0, unanswered: 0, outOfOrder: 0, unreadable: 0 };
      for (let p = 0; p < o.pairs; p += 1) {
        const [a, b] = [sides[p * 2], sides[p * 2 + 1]];
        const client = a.client && !a.client.closed ? a.client : await connect(a);
        a.client = client;
        const h = await history(client, b.user.username).catch(() => ({ ok: false, messages: [] }));
        const acked = new Map([
          [a.user.username, a.acked],
          [b.user.username, b.acked],
        ]);
        const d = compareHistory(h.messages, acked);
        if (!h.ok) totals.unreadable += 1;
        totals.acked += d.acked;
        totals.missing += h.ok ? d.missing : d.acked;
        totals.unanswered += Math.max(0, d.unanswered);
        totals.outOfOrder += d.outOfOrder;
      }
      sides.forEach((s) => s.client?.destroy());
      return { pairs: o.pairs, ...totals, ...stats };
    },
    stop() {
      sides.forEach((s) => s.client?.destroy());
    },
  };
}

/** The door case's must-be-0 figures and table rows. */
function doorFigures(d) {
  return {
    mustBeZero: [
      { name: 'door: messages acked with OK MSG missing from HISTORY', value: d.missing },
      { name: 'door: HISTORY out of seq order', value: d.outOfOrder },
      { name: 'door: pairs whose HISTORY could not be read', value: d.unreadable },
    ],
    rows: [
      [
        `door: MSG acked in ${d.pairs} pairs / unanswered sends found stored`,
        `${d.acked} / ${d.unanswered}`,
      ],
      [
        'door kills (kill -9) / restarts / door re-logins after a lost connection',
        `${d.kills} / ${d.restarts} / ${d.reconnects}`,
      ],
    ],
  };
}

module.exports = { startDoorLoad, doorFigures };
