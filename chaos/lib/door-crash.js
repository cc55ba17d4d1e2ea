'use strict';
// A door process killed (-9) under load must lose nothing that was acked with `OK MSG`: the
// pieces shared by the chaos run's door case (chaos/lib/door-chaos.js) and the door e2e
// (test/door/door-crash.e2e-spec.ts). Senders loop `MSG <peer> <text>` and record every
// `OK MSG <seq>`; afterwards `HISTORY <peer> 100` must hold each of them, same seq, same text.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Answers worth another try (the door said so), not failures. */
const RETRY = /^ERR (rate_limited|unavailable)\b/;

/**
 * Sends `MSG to <from> message <i>` until `max` are acked, `stop()` holds or the connection ends
 * (closed, or no answer within `timeoutMs`: the client is destroyed then, since a late answer
 * would be taken for the next command's). Each `OK MSG <seq>` goes into `acked`.
 * @param {{ ask: (line: string, timeoutMs?: number) => Promise<string>, closed: boolean,
 *   destroy: () => void }} client
 * @param {{ from: string, to: string, max: number, acked: { seq: number, text: string }[],
 *   pauseMs?: number, timeoutMs?: number, stop?: () => boolean }} o
 * @returns {Promise<number>} how many sends got no answer (0 or 1: the one in flight at the end)
 */
async function sendLoop(client, o) {
  const stop = o.stop ?? (() => false);
  while (!client.closed && o.acked.length < o.max && !stop()) {
    const text = `${o.from} message ${o.acked.length}`;
    const answer = await client.ask(`MSG ${o.to} ${text}`, o.timeoutMs).catch(() => null);
    const ok = answer && /^OK MSG (\d+)$/.exec(answer);
    if (ok) o.acked.push({ seq: Number(ok[1]), text });
    else if (answer === null) {
      client.destroy();
      return 1;
    } else if (RETRY.test(answer)) await sleep(100);
    else throw new Error(`MSG ${o.to}: unexpected answer ${answer}`);
    if (o.pauseMs) await sleep(o.pauseMs * (0.5 + Math.random()));
  }
  return 0;
}

/**
 * `HISTORY <peer> <n>` as a list, oldest first.
 * @returns {Promise<{ ok: boolean, messages: { seq: number, from: string, text: string }[] }>}
 */
async function history(client, peer, n = 100) {
  const lines = await client.command(`HISTORY ${peer} ${n}`, 30_000);
  const last = lines.pop();
  const messages = lines.map((line) => {
    const [, seq, from, , ...text] = line.split(' ');
    return { seq: Number(seq), from, text: text.join(' ') };
  });
  return { ok: last === `OK HISTORY ${messages.length}`, messages };
}

/**
 * What HISTORY shows against what was acked, per sender: acked messages missing (or stored with
 * another seq or text), stored ones nobody got an answer for, and seqs out of order.
 * @param {{ seq: number, from: string, text: string }[]} stored
 * @param {Map<string, { seq: number, text: string }[]>} ackedBySender
 */
function compareHistory(stored, ackedBySender) {
  const bySeq = new Map(stored.map((m) => [m.seq, m]));
  let missing = 0;
  let acked = 0;
  for (const [from, list] of ackedBySender) {
    for (const a of list) {
      acked += 1;
      const m = bySeq.get(a.seq);
      if (!m || m.from !== from || m.text !== a.text) missing += 1;
    }
  }
  const seqs = stored.map((m) => m.seq);
  const outOfOrder = seqs.filter((s, i) => i > 0 && s <= seqs[i - 1]).length;
  return {
    acked,
    stored: stored.length,
    missing,
    unanswered: stored.length - (acked - missing),
    outOfOrder,
  };
}

module.exports = { sendLoop, history, compareHistory, sleep };
