'use strict';
// What every scenario's orchestration shares: logging, REST calls with a bounded concurrency, and
// running the load generator (bench/loadgen.js) in its own process with CPU sampled at its marks.
const { fork } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { sample, diff, rssBytes } = require('./proc');

const log = (line) => process.stderr.write(`[bench] ${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs fn(0..n-1) with at most `concurrency` in flight; results in order. */
async function pool(n, concurrency, fn) {
  const out = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

/** One JSON request; throws on a non-2xx status with `.status` set. */
async function api(url, method, pathname, body, token) {
  const res = await fetch(`${url}${pathname}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) {
    const err = new Error(`${method} ${pathname}: ${res.status} ${text}`);
    err.status = res.status;
    throw err;
  }
  return text ? JSON.parse(text) : null;
}

/**
 * With BENCH_CPU_PROF, each mark's monotonic time (the clock V8 profiles are stamped with) goes to
 * marks.jsonl beside the profiles, so that bench/profile-summary.js can window a server's profile
 * to a phase by name (PROFILE_MARKS=connect-begin,connect-end) instead of by guessed seconds.
 */
function noteMarkForProfiles(cfg, name, pids) {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return;
  const line = {
    target: cfg.target,
    scenario: cfg.scenario,
    name,
    us: Number(process.hrtime.bigint() / 1000n),
    pids: Object.values(pids),
  };
  fs.appendFileSync(path.join(path.resolve(dir), 'marks.jsonl'), `${JSON.stringify(line)}\n`);
}

/** Runs one scenario in a fresh load-generator process; CPU is sampled at its marks. */
function runLoadgen(cfg, servers) {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, '..', 'loadgen.js'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const marks = {};
    const rss = {};
    child.on('message', (msg) => {
      if (msg.type === 'mark') {
        marks[msg.name] = {
          cpu: sample(servers.pids),
          loadgen: sample({ loadgen: child.pid }).loadgen,
        };
        noteMarkForProfiles(cfg, msg.name, servers.pids);
        rss[msg.name] = servers.gatewayPids.map(rssBytes);
        child.send({ type: 'marked' });
      } else if (msg.type === 'progress') {
        const r = msg.row;
        log(
          `${cfg.target} ${cfg.scenario} rate ${r.rate}: ${r.deliveriesPerSec} deliveries/s, p99 ${r.latency.p99} ms, loss ${r.loss}`,
        );
      } else if (msg.type === 'log') {
        log(`${cfg.target} ${cfg.scenario}: ${msg.line}`);
      } else if (msg.type === 'result') {
        child.kill();
        resolve({ result: msg.result, marks, rss });
      } else if (msg.type === 'error') {
        child.kill();
        reject(new Error(msg.message));
      }
    });
    child.on('exit', (code) => {
      if (code) reject(new Error(`load generator exited with ${code}`));
    });
    child.send({ type: 'run', cfg });
  });
}

const cpuBetween = (marks, a, b) => {
  const d = diff(marks[a].cpu, marks[b].cpu);
  return { perProcess: d, total: Object.values(d).reduce((x, y) => x + y, 0) };
};

/** Stepped rows (dm, room, door) with the servers' CPU over each step and per delivery. */
function withCpu(rows, marks) {
  return rows.map((row, s) => {
    const cpu = cpuBetween(marks, `step-${s}-begin`, `step-${s}-end`);
    return {
      ...row,
      serverCpuSec: cpu.total,
      serverCpu: cpu.perProcess,
      cpuUsPerDelivery: row.received ? (cpu.total / row.received) * 1e6 : null,
    };
  });
}

function fmt(n, digits = 0) {
  return n === null || n === undefined || Number.isNaN(n) ? '–' : Number(n).toFixed(digits);
}

module.exports = { log, sleep, pool, api, runLoadgen, cpuBetween, withCpu, fmt };
