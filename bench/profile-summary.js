#!/usr/bin/env node
'use strict';
// Summarises a V8 .cpuprofile (from BENCH_CPU_PROF): self time by package and by function.
//   node bench/profile-summary.js <file.cpuprofile> [top]
const fs = require('node:fs');

const path = require('node:path');

// PROFILE_FROM / PROFILE_TO (seconds since the profile started) limit the window summarised, or
// PROFILE_MARKS=<begin>,<end> names two of the load generator's marks (marks.jsonl, written beside
// the profiles by the bench) of the process whose profile this is; where a name comes back (history
// marks its newest-page and older-page phases alike), the first is taken.
const [file, topArg] = process.argv.slice(2);
const top = Number(topArg ?? 25);
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const [from, to] = process.env.PROFILE_MARKS
  ? markWindow(process.env.PROFILE_MARKS.split(','))
  : [Number(process.env.PROFILE_FROM ?? 0) * 1e6, Number(process.env.PROFILE_TO ?? Infinity) * 1e6];

/** The marks' times relative to the profile's start, in µs. */
function markWindow(names) {
  const pid = Number(/\.(\d+)\.\d+\.\d+\.cpuprofile$/.exec(file)?.[1]);
  const marks = fs
    .readFileSync(path.join(path.dirname(file), 'marks.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((m) => m.pids.includes(pid));
  return names.map((name) => {
    const mark = marks.find((m) => m.name === name);
    if (!mark) throw new Error(`no mark ${name} for process ${pid} in marks.jsonl`);
    return mark.us - profile.startTime;
  });
}
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = profile.timeDeltas;
let clock = 0;
profile.samples.forEach((id, i) => {
  clock += dt[i] ?? 0;
  if (clock >= from && clock <= to) self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0));
});
process.stdout.write(`profile length ${(clock / 1e6).toFixed(1)} s\n`);
// Percentages are of busy time: idle is left out.
const idle = [...self].filter(([id]) => byId.get(id).callFrame.functionName === '(idle)');
idle.forEach(([id]) => self.delete(id));
const total = [...self.values()].reduce((a, b) => a + b, 0);
process.stdout.write(`busy ${(total / 1e6).toFixed(2)} s\n`);

const byFn = new Map();
const byPkg = new Map();
for (const [id, us] of self) {
  const { functionName, url, lineNumber } = byId.get(id).callFrame;
  const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  const pkg = m
    ? m[1]
    : url.includes('dist/apps')
      ? 'parley (dist)'
      : url
        ? url.replace(/^.*\//, '')
        : functionName || '(native)';
  const fn = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '')}:${lineNumber}`;
  byFn.set(fn, (byFn.get(fn) ?? 0) + us);
  byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + us);
}
const print = (title, map) => {
  process.stdout.write(`\n${title}\n`);
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([k, us]) =>
      process.stdout.write(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}\n`),
    );
};
print('self time by package', byPkg);
print('self time by function', byFn);
