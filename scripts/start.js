#!/usr/bin/env node
'use strict';
// `npm start`: the whole local stack on one machine. The API (and web client) on PORT (3000),
// GATEWAYS gateway processes on the next ports (2: 3001, 3002), all reachable on one origin through
// the API's /socket.io proxy. Redis: REDIS_URL if set; else the local one on 127.0.0.1:6379; else
// a private redis-server with its append-only file in .data/, so messages survive restarts.
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { startRedis, ping, redisServerPath } = require('./lib/redis-server');
const { buildIfNeeded } = require('./lib/build');

const root = path.resolve(__dirname, '..');
const env = process.env;
const apiPort = Number(env.PORT ?? 3000);
const gatewayCount = Number(env.GATEWAYS ?? 2);
const dataDir = path.resolve(root, env.PARLEY_DATA_DIR ?? '.data');
// Where to look for (and, failing that, start) the local Redis. Tests point it elsewhere.
const localRedisPort = Number(env.PARLEY_LOCAL_REDIS_PORT ?? 6379);

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

/** A stable secret in .data/ so that sessions survive restarts of the local stack. */
function localSessionSecret() {
  const file = path.join(dataDir, 'session-secret');
  if (!fs.existsSync(file))
    fs.writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  return fs.readFileSync(file, 'utf8').trim();
}

async function resolveRedis() {
  if (env.REDIS_URL) return env.REDIS_URL;
  if (await ping(localRedisPort)) {
    log(`using the local Redis on 127.0.0.1:${localRedisPort}`);
    return `redis://127.0.0.1:${localRedisPort}`;
  }
  if (!redisServerPath()) {
    fail(
      `no Redis answers on 127.0.0.1:${localRedisPort} and redis-server is not installed: ` +
        'install it (apt-get install redis-server) or set REDIS_URL',
    );
  }
  const dir = path.join(dataDir, 'redis');
  fs.mkdirSync(dir, { recursive: true });
  try {
    privateRedis = await startRedis({ port: localRedisPort, dir, appendonly: true });
  } catch {
    privateRedis = await startRedis({ dir, appendonly: true });
  }
  log(
    `no Redis on 127.0.0.1:${localRedisPort}: started a private redis-server on port ${privateRedis.port} (data in ${dir.startsWith(root) ? path.relative(root, dir) : dir}, append-only file on)`,
  );
  return privateRedis.url;
}

function run(name, script, extraEnv) {
  const child = spawn(process.execPath, [script], {
    cwd: root,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = (stream, out) => {
    let rest = '';
    stream.on('data', (chunk) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop();
      for (const line of lines) out.write(`[${name}] ${line}\n`);
    });
  };
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    log(`${name} exited (${signal ?? code}); stopping the stack`);
    void shutdown(1);
  });
  children.push(child);
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

async function main() {
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    buildIfNeeded(log);
  } catch (err) {
    fail(err.message);
  }
  const redisUrl = await resolveRedis();
  const gatewayPorts = Array.from({ length: gatewayCount }, (_, i) => apiPort + 1 + i);
  const shared = {
    REDIS_URL: redisUrl,
    SESSION_SECRET: env.SESSION_SECRET ?? localSessionSecret(),
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  gatewayPorts.forEach((port, i) =>
    run(`gw${i + 1}`, 'dist/apps/gateway/main.js', {
      ...shared,
      PORT: String(port),
      GATEWAY_ID: `gw${i + 1}`,
    }),
  );
  // The line door (plain TCP) on the port after the last gateway.
  const doorPort = Number(env.DOOR_PORT ?? apiPort + gatewayCount + 1);
  run('door', 'dist/apps/door/main.js', { ...shared, DOOR_PORT: String(doorPort) });
  run('api', 'dist/apps/api/main.js', {
    ...shared,
    PORT: String(apiPort),
    GATEWAY_URLS: env.GATEWAY_URLS ?? gatewayPorts.map((p) => `http://127.0.0.1:${p}`).join(','),
  });
  log(
    `API and web client on http://localhost:${apiPort} (gateways on ${gatewayPorts.join(', ')}); Ctrl+C stops`,
  );
  log(`line door: nc localhost ${doorPort} (then HELP)`);
}

main().catch((err) => {
  process.stderr.write(`[start] ${err.message}\n`);
  void shutdown(1);
});
