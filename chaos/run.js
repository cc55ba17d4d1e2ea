'use strict';
// npm run chaos: API + three gateways + a private Redis (AOF on) on loopback under steady mixed
// load, while gateways are killed (-9) every ~30 s and restarted, Redis is restarted once and
// paused once. Prints the checks and figures; exits non-zero when a must-be-0 figure is not 0.
// Door users chat through two line-door processes meanwhile, and one door is killed -9 too: its
// users come back through the other door and HISTORY must hold every `OK MSG` (CHAOS_DOOR_PAIRS,
// default 6, at most 50; 0 leaves the doors out).
// CHAOS_DURATION_S (default 180, at most 600) sets the load duration.
const { buildIfNeeded } = require('../scripts/lib/build');
const { runChaos } = require('./lib/run-chaos');

async function main() {
  const durationS = Number(process.env.CHAOS_DURATION_S ?? 180);
  if (!Number.isFinite(durationS) || durationS < 20 || durationS > 600) {
    console.error('chaos: CHAOS_DURATION_S must be a number of seconds from 20 to 600');
    process.exit(2);
  }
  buildIfNeeded();
  const result = await runChaos({
    durationS,
    users: Number(process.env.CHAOS_USERS ?? 12),
    doorPairs: Math.min(50, Number(process.env.CHAOS_DOOR_PAIRS ?? 6)),
  });
  process.stdout.write(`\n${result.table}\n`);
  if (!result.ok) {
    const details = {
      examples: result.figures.examples,
      seqConflicts: result.metrics.seqConflicts.slice(0, 5),
      clientIdConflicts: result.metrics.clientIdConflicts.slice(0, 5),
      ackMismatches: result.metrics.ackMismatches.slice(0, 5),
      refusedSends: result.metrics.refusedSends.slice(0, 5),
      unknownRoomDeliveries: result.metrics.unknownRoomDeliveries.slice(0, 5),
    };
    process.stdout.write(`details: ${JSON.stringify(details)}\nprocess logs: ${result.runDir}\n`);
  }
  process.exit(result.ok ? 0 : 1);
}

main().catch((err) => {
  console.error(`chaos: ${err.stack ?? err.message}`);
  process.exit(1);
});
