import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(__dirname, '..');

interface StepRow {
  sent: number;
  acksOk: number;
  acksFailed: number;
  expected: number;
  received: number;
  loss: number;
  duplicates: number;
}
interface TargetResults {
  dm: StepRow[];
  room: StepRow[];
  moderate: StepRow[];
  connect: { connections: number; rssKbPerConnection: number[] };
  history: { requests: number; ok: number; failed: number };
  historyOlder: { requests: number; ok: number; failed: number };
  sync: {
    clients: number;
    caughtUp: number;
    wrong: number;
    firstConnectEvents: number;
    reconnectEvents: number;
    lateEvents: number;
  };
  door?: StepRow[];
}

/** Something was sent, all of it acked, every delivery arrived once. */
function expectCountedOnce(row: StepRow): void {
  expect(row.sent).toBeGreaterThan(0);
  expect(row.acksOk).toBe(row.sent);
  expect(row.acksFailed).toBe(0);
  expect(row.received).toBe(row.expected);
  expect(row.loss).toBe(0);
  expect(row.duplicates).toBe(0);
}

interface UpdatesRow extends StepRow {
  updates: StepRow & { edits: number; reactions: number };
}

function runBench(
  ...scenarios: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, ['bench/run.js', ...scenarios], {
      cwd: root,
      env: { ...process.env, BENCH_SMOKE: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => res({ code, stdout, stderr }));
  });
}

// The benchmark at a toy size (BENCH_SMOKE=1), so that it cannot rot unnoticed: every scenario
// runs against both targets and counts right. Speed is the benchmark's business, not a test's.
describe('npm run bench (smoke size)', () => {
  jest.setTimeout(180_000);
  let out: { code: number | null; stdout: string; stderr: string };
  let results: Record<'parley' | 'baseline', TargetResults>;

  beforeAll(async () => {
    out = await runBench();
    const json = out.stdout.trim().split('\n').at(-1) ?? '';
    results = (JSON.parse(json) as { results: typeof results }).results;
  });

  it('exits 0 and prints the table and a JSON line with every scenario for both targets', () => {
    expect(out.code).toBe(0);
    for (const scenario of ['dm', 'room', 'moderate']) {
      expect(out.stdout).toContain(`| ${scenario} | parley |`);
      expect(out.stdout).toContain(`| ${scenario} | baseline |`);
    }
    for (const line of [
      'connect',
      'history',
      'history, older pages',
      'sync',
      'sync, the reconnect before it',
      'sync, the first connect',
    ])
      expect(out.stdout).toMatch(new RegExp(`^${line}: Parley ÷ baseline`, 'm'));
    expect(out.stdout).toMatch(/^moderate #1 \(/m);
    expect(out.stdout).toMatch(/^moderate: p50 within 2× and p99 within 1.3× .*: (yes|no)$/m);
    expect(out.stdout).toContain('| door | parley |');
    expect(out.stdout).toMatch(/^door: best step within p99/m);
    expect(Object.keys(results).sort()).toEqual(['baseline', 'parley']);
  });

  it.each(['parley', 'baseline'] as const)('%s: every message acked and delivered once', (t) => {
    for (const scenario of ['dm', 'room', 'moderate'] as const) {
      expectCountedOnce(results[t][scenario][0]);
    }
    // The line door (Parley only): 10 DM pairs over two door processes.
    if (t === 'parley') expectCountedOnce(results.parley.door![0]);
  });

  it.each(['parley', 'baseline'] as const)(
    '%s: all connections open, history pages served, every client caught up, presence events only from Parley',
    (t) => {
      const r = results[t];
      expect(r.connect.connections).toBe(200);
      expect(r.connect.rssKbPerConnection).toHaveLength(2);
      expect(r.history.ok).toBeGreaterThan(0);
      expect(r.history.failed).toBe(0);
      expect(r.historyOlder.ok).toBeGreaterThan(0);
      expect(r.historyOlder.failed).toBe(0);
      expect(r.sync.caughtUp).toBe(r.sync.clients);
      expect(r.sync.wrong).toBe(0);
      // Parley announces users coming online (the baseline nothing): the first connect hears it.
      if (t === 'parley') expect(r.sync.firstConnectEvents).toBeGreaterThan(0);
      else expect(r.sync.firstConnectEvents + r.sync.reconnectEvents + r.sync.lateEvents).toBe(0);
    },
  );
});

// `updates` (on request, Parley only): the room with edits and reactions beside the messages.
describe('npm run bench updates (smoke size)', () => {
  jest.setTimeout(180_000);

  it('sends messages and changes, every one acked and every change delivered once', async () => {
    const out = await runBench('updates');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('Parley only (the baseline has no edits or reactions)');
    const json = JSON.parse(out.stdout.trim().split('\n').at(-1) ?? '') as {
      results: { parley: { updates: UpdatesRow[] } };
    };
    const [row] = json.results.parley.updates;
    expectCountedOnce(row);
    expectCountedOnce(row.updates);
    expect(row.updates.edits).toBeGreaterThan(0);
    expect(row.updates.reactions).toBeGreaterThan(0);
  });
});

// `paths` (on request, baseline only): the room's own channel against a bus to every process.
describe('npm run bench paths (smoke size)', () => {
  jest.setTimeout(180_000);

  it('runs both paths in both shapes, every message acked and delivered once', async () => {
    const out = await runBench('paths');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^paths summary \(.*\): together: .*; apart: /m);
    const json = JSON.parse(out.stdout.trim().split('\n').at(-1) ?? '') as {
      results: {
        baseline: { paths: { runs: { shape: string; path: string; rows: StepRow[] }[] } };
      };
    };
    const runs = json.results.baseline.paths.runs;
    expect(runs.map((r) => `${r.shape} ${r.path}`).sort()).toEqual([
      'apart bus',
      'apart room',
      'together bus',
      'together room',
    ]);
    for (const r of runs) expectCountedOnce(r.rows[0]);
  });
});
