#!/usr/bin/env node
'use strict';
// `npm start`: the whole local stack on one machine. The API (and web client) on PORT (3000),
// GATEWAYS gateway processes on the next ports (2: 3001, 3002), all reachable on one origin through
// the API's /socket.io proxy, and the line door after them. Everything listens on 127.0.0.1 unless
// HOST says otherwise: the demo accounts have a published password. Redis: REDIS_URL if set, else
// a private redis-server of its own with its append-only file in .data/redis (never whatever
// happens to answer on 6379). The processes' JSON logs go to .data/logs/; the terminal gets
// warnings and errors, and one banner once everything answers.
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { startRedis, redisServerPath } = require('./lib/redis-server');
const { buildIfNeeded } = require('./lib/build');

const root = path.resolve(__dirname, '..');
const env = process.env;
const apiPort = Number(env.PORT ?? 3000);
const gatewayCount = Number(env.GATEWAYS ?? 2);
const host = env.HOST ?? '127.0.0.1';
const dataDir = path.resolve(root, env.PARLEY_DATA_DIR ?? '.data');
const logDir = path.join(dataDir, 'logs');
const READY_TIMEOUT_MS = 120_000;
const WARN = 40; // pino's level number for "warn"

const children = [];
let privateRedis = null;
let stopping = false;

function log(line) {
  process.stdout.write(`[start] ${line}\n`);
}

function fail(line) {
  process.stderr.write(`[start] ${line}\n`);
  process.exit(1);
}

const shown = (p) => (p.startsWith(root) ? path.relative(root, p) : p);

/** A stable secret in .data/ so that sessions survive restarts of the local stack. */
function localSessionSecret() {
  const file = path.join(dataDir, 'session-secret');
  if (!fs.existsSync(file))
    fs.writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  return fs.readFileSync(file, 'utf8').trim();
}

/** REDIS_URL, or a redis-server of our own on a free loopback port over .data/redis. */
async function resolveRedis() {
  if (env.REDIS_URL) return { url: env.REDIS_URL, label: 'REDIS_URL' };
  if (!redisServerPath()) {
    fail(
      'redis-server is not installed: install it (apt-get install redis-server, brew install redis) ' +
        'or point REDIS_URL at a Redis of your own',
    );
  }
  const dir = path.join(dataDir, 'redis');
  fs.mkdirSync(dir, { recursive: true });
  const pidFile = path.join(dir, 'redis.pid');
  const stale = readPid(pidFile);
  // Two servers on one append-only file would corrupt it.
  if (stale && isAlive(stale)) {
    fail(
      `the redis-server of an earlier npm start still runs (pid ${stale}, data in ${shown(dir)}): ` +
        `stop it (kill ${stale}) and start again`,
    );
  }
  const port = env.PARLEY_REDIS_PORT ? Number(env.PARLEY_REDIS_PORT) : undefined;
  privateRedis = await startRedis({
    port,
    dir,
    appendonly: true,
    extraArgs: ['--pidfile', pidFile],
  });
  return {
    url: privateRedis.url,
    label: `private redis-server on 127.0.0.1:${privateRedis.port}, data in ${shown(dir)}`,
  };
}

function readPid(file) {
  try {
    return Number(fs.readFileSync(file, 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

/** A live redis-server with this pid (where /proc tells the name: pids are reused after a reboot). */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (err.code !== 'EPERM') return false;
  }
  const comm = `/proc/${pid}/comm`;
  return !fs.existsSync(comm) || fs.readFileSync(comm, 'utf8').includes('redis');
}

/**
 * One process of the stack. Its output goes to .data/logs/<name>.log as written; the terminal
 * gets its warnings and errors as one short line each, and any line that is not a JSON log (a
 * failed start says why in one plain line).
 */
function run(name, script, extraEnv) {
  const file = fs.createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [script], {
    cwd: root,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const follow = (stream, out) => {
    let rest = '';
    stream.on('data', (chunk) => {
      file.write(chunk);
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop();
      for (const line of lines) {
        const short = terminalLine(line);
        if (short) out.write(`[${name}] ${short}\n`);
      }
    });
  };
  follow(child.stdout, process.stdout);
  follow(child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    file.end();
    if (stopping) return;
    log(`${name} exited (${signal ?? code}); its log: ${shown(path.join(logDir, `${name}.log`))}`);
    void shutdown(1);
  });
  children.push(child);
}

/** What the terminal shows of one output line: null for routine JSON logs. */
function terminalLine(line) {
  if (!line.trim()) return null;
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof entry !== 'object' || entry === null || typeof entry.level !== 'number') return line;
  if (entry.level < WARN) return null;
  // A failed readiness probe is start.js's own polling while the stack comes up (or a load
  // balancer's later): the wait reports it if it never turns ready.
  if (/^\/(api\/)?health\//.test(entry.req?.url ?? '')) return null;
  const level = entry.level >= 50 ? 'error' : 'warn';
  const context = entry.context ? `${entry.context}: ` : '';
  return `${level} ${context}${entry.msg ?? entry.err?.message ?? ''}`;
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  await Promise.all(
    children.map(
      (c) =>
        new Promise((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
          c.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          c.kill('SIGTERM');
        }),
    ),
  );
  if (privateRedis) await privateRedis.stop();
  process.exit(code);
}

/** Where this machine reaches a process bound to `host`. */
function localAddress() {
  return ['0.0.0.0', '::', ''].includes(host) ? '127.0.0.1' : host;
}

async function httpReady(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

function tcpOpen(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: localAddress() });
    socket.setTimeout(2_000, () => socket.destroy());
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('close', () => resolve(false));
    socket.once('error', () => resolve(false));
  });
}

/** Resolves once every process answers (the API's readiness includes Redis and the demo data). */
async function waitUntilReady(checks) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let pending = checks;
  while (pending.length > 0) {
    if (stopping) return false;
    if (Date.now() > deadline) {
      log(`not ready after ${READY_TIMEOUT_MS / 1000} s; the logs are in ${shown(logDir)}`);
      return false;
    }
    const results = await Promise.all(pending.map((check) => check()));
    pending = pending.filter((_, i) => !results[i]);
    if (pending.length > 0) await new Promise((r) => setTimeout(r, 250));
  }
  return true;
}

function banner({ gatewayPorts, doorPort, redis }) {
  const address = localAddress();
  const web = `http://${address === '127.0.0.1' ? 'localhost' : address}:${apiPort}`;
  const rows = [
    ['Web client and API', `${web}   (API docs: ${web}/api/docs)`],
    ['Gateways', `${gatewayPorts.join(', ')} (the API forwards /socket.io to them)`],
    ['Line door', `nc ${address} ${doorPort}   (then HELP)`],
    ['Listening on', host === '127.0.0.1' ? '127.0.0.1 only (HOST=0.0.0.0 for others)' : host],
    ['Redis', redis.label],
    ['Logs', `${shown(logDir)}/`],
  ];
  if (!['false', 'off', '0'].includes((env.DEMO_DATA ?? '').toLowerCase()))
    rows.splice(1, 0, ['Demo logins', 'Pablo, Joe, Mary, Alex; password password123']);
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `  ${k.padEnd(width)}   ${v}`);
  process.stdout.write(`\nParley is ready.\n\n${lines.join('\n')}\n\nCtrl+C stops everything.\n\n`);
}

async function main() {
  fs.mkdirSync(logDir, { recursive: true });
  try {
    buildIfNeeded(log);
  } catch (err) {
    fail(err.message);
  }
  const redis = await resolveRedis();
  const gatewayPorts = Array.from({ length: gatewayCount }, (_, i) => apiPort + 1 + i);
  const shared = {
    REDIS_URL: redis.url,
    SESSION_SECRET: env.SESSION_SECRET ?? localSessionSecret(),
    HOST: host,
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  log('starting…');
  const base = `http://${localAddress()}`;
  gatewayPorts.forEach((port, i) =>
    run(`gw${i + 1}`, 'dist/apps/gateway/main.js', {
      ...shared,
      PORT: String(port),
      GATEWAY_ID: `gw${i + 1}`,
    }),
  );
  // The line door (plain TCP) on the port after the last gateway.
  const doorPort = Number(env.DOOR_PORT ?? apiPort + gatewayCount + 1);
  run('door', 'dist/apps/door/main.js', {
    ...shared,
    DOOR_PORT: String(doorPort),
    DOOR_HOST: env.DOOR_HOST ?? host,
  });
  run('api', 'dist/apps/api/main.js', {
    ...shared,
    PORT: String(apiPort),
    GATEWAY_URLS: env.GATEWAY_URLS ?? gatewayPorts.map((p) => `${base}:${p}`).join(','),
  });
  const ready = await waitUntilReady([
    () => httpReady(`${base}:${apiPort}/api/health/ready`),
    ...gatewayPorts.map((port) => () => httpReady(`${base}:${port}/health/ready`)),
    () => tcpOpen(doorPort),
  ]);
  if (ready) banner({ gatewayPorts, doorPort, redis });
}

main().catch((err) => {
  process.stderr.write(`[start] ${err.message}\n`);
  void shutdown(1);
});
