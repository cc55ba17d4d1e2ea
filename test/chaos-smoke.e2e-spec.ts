/**
 * The short version of `npm run chaos` (chaos/run.js), same code with short settings: three
 * gateway processes, the API and a private Redis with its append-only file, under mixed load from
 * reliable clients (clientId retries, sync after every reconnect), through one kill -9 of a
 * gateway and one Redis restart. Shows defect #19 of the reference demo (research/seed-api.md §9:
 * fire-and-forget delivery, nothing replayed) and defect #5 (a crashed instance's users stay
 * online) are gone.
 */

interface Figure {
  name: string;
  value: number;
}

interface ChaosResult {
  ok: boolean;
  table: string;
  figures: { mustBeZero: Figure[]; stats: { sendsAcked: number; sendsRest: number } };
  faults: Record<string, number>;
  door: { acked: number; missing: number; kills: number; reconnects: number };
  metrics: {
    reconnects: number;
    involuntaryDisconnects: number;
    unavailableAcks: number;
    unavailableRest: number;
    connectErrors: Record<string, number>;
  };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runChaos } = require('../chaos/lib/run-chaos') as {
  runChaos: (opts: Record<string, unknown>) => Promise<ChaosResult>;
};

describe('chaos smoke (npm run chaos, short)', () => {
  it('defects #19 and #5: through a gateway kill -9, a door kill -9 and a Redis restart nothing acked is lost, duplicated or out of order after sync, and the dead gateway’s users go offline', async () => {
    const lines: string[] = [];
    const result = await runChaos({
      durationS: 20,
      users: 6,
      periodMs: 500,
      drainMs: 15_000,
      schedule: [
        { at: 4, type: 'kill', gateway: 'busiest' },
        { at: 8, type: 'doorKill' },
        { at: 12, type: 'redisRestart', downMs: 1_500 },
      ],
      log: (line: string) => lines.push(line),
    });
    process.stdout.write(`${lines.join('\n')}\n${result.table}\n`);

    expect(result.figures.mustBeZero.filter((f) => f.value !== 0)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.faults).toMatchObject({ kills: 1, gatewayRestarts: 1, redisRestarts: 1 });
    // The faults were felt: clients reconnected, and sends or handshakes met Redis being away.
    expect(result.metrics.involuntaryDisconnects).toBeGreaterThan(0);
    expect(result.metrics.reconnects).toBeGreaterThanOrEqual(result.metrics.involuntaryDisconnects);
    const unavailable =
      result.metrics.unavailableAcks +
      result.metrics.unavailableRest +
      (result.metrics.connectErrors.unavailable ?? 0);
    expect(unavailable).toBeGreaterThan(0);
    expect(result.figures.stats.sendsAcked).toBeGreaterThan(100);
    expect(result.figures.stats.sendsRest).toBeGreaterThan(0);
    // The door case: a door process killed under load, its users back through the other door.
    expect(result.door).toMatchObject({ kills: 1, missing: 0 });
    expect(result.door.acked).toBeGreaterThan(20);
    expect(result.door.reconnects).toBeGreaterThan(0);
  }, 90_000);
});
