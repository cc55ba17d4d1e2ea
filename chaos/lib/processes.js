'use strict';
// The whole Parley on loopback for chaos and soak runs: a private redis-server (append-only file
// on, in its own directory), N gateway processes, the API process and M line doors, all from dist/. Every
// process is started here and only these are ever signalled.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startRedis, freePort, stopChild } = require('../../scripts/lib/redis-server');
const { root } = require('../../scripts/lib/build');
const { doorAnswers } = require('./line-client');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function httpOk(url, timeoutMs = 1000) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

async function waitUntil(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`${what} not ready within ${timeoutMs} ms`);
}

/** A Node process from dist/ whose output goes to a log file. */
class NodeProcess {
  constructor(name, script, port, env, logDir) {
    this.name = name;
    this.script = script;
    this.port = port;
    this.env = env;
    this.logFile = path.join(logDir, `${name}.log`);
    this.child = null;
    this.starts = 0;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid() {
    return this.child?.pid;
  }

  get up() {
    return Boolean(this.child && this.child.exitCode === null && this.child.signalCode === null);
  }

  /** @param {string | (() => Promise<boolean>)} ready an HTTP path, or a check */
  async start(ready) {
    const out = fs.openSync(this.logFile, 'a');
    fs.writeSync(out, `--- start ${new Date().toISOString()}\n`);
    const child = spawn(process.execPath, [this.script], {
      cwd: root,
      env: { ...process.env, ...this.env, PORT: String(this.port) },
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    this.child = child;
    this.starts += 1;
    await waitUntil(
      async () => {
        if (child.exitCode !== null) {
          const tail = fs.readFileSync(this.logFile, 'utf8').split('\n').slice(-5).join('\n');
          throw new Error(`${this.name} exited (${child.exitCode}):\n${tail}`);
        }
        return typeof ready === 'function' ? ready() : httpOk(`${this.url}${ready}`);
      },
      30_000,
      this.name,
    );
  }

  /** Resolves once the process is gone. */
  stop(signal = 'SIGTERM') {
    if (!this.up) return Promise.resolve();
    return stopChild(this.child, signal);
  }
}

/**
 * @param {{ gateways?: number, doors?: number, env?: Record<string,string>,
 *   log?: (line: string) => void }} opts
 */
async function startProcesses(opts = {}) {
  const log = opts.log ?? (() => undefined);
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-chaos-'));
  const redisDir = path.join(runDir, 'redis');
  fs.mkdirSync(redisDir);
  let redis = await startRedis({ dir: redisDir, appendonly: true });
  const redisPort = redis.port;
  const env = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    SESSION_SECRET: 'chaos-secret-0123456789abcdef',
    BCRYPT_COST: '4',
    DEMO_DATA: 'false',
    LIMIT_AUTH_PER_MINUTE: '1000000',
    LIMIT_LOGIN_FAILURES: '1000000',
    LIMIT_MESSAGES_PER_MINUTE: '1000000',
    LIMIT_EVENTS_PER_SECOND: '100000',
    REDIS_URL: redis.url,
    ...opts.env,
  };
  const gateways = [];
  for (let i = 0; i < (opts.gateways ?? 3); i += 1) {
    gateways.push(
      new NodeProcess(
        `gateway${i + 1}`,
        'dist/apps/gateway/main.js',
        await freePort(),
        env,
        runDir,
      ),
    );
  }
  await Promise.all(gateways.map((g) => g.start('/health/ready')));
  const api = new NodeProcess(
    'api',
    'dist/apps/api/main.js',
    await freePort(),
    { ...env, GATEWAY_URLS: gateways.map((g) => g.url).join(',') },
    runDir,
  );
  const doors = [];
  for (let i = 0; i < (opts.doors ?? 0); i += 1) {
    const port = await freePort();
    const doorEnv = { DOOR_PORT: String(port), DOOR_HOST: '127.0.0.1', GATEWAY_ID: `door${i + 1}` };
    doors.push(
      new NodeProcess(
        `door${i + 1}`,
        'dist/apps/door/main.js',
        port,
        { ...env, ...doorEnv },
        runDir,
      ),
    );
  }
  const doorReady = (d) => () => doorAnswers(d.port);
  await Promise.all([api.start('/api/health/ready'), ...doors.map((d) => d.start(doorReady(d)))]);
  log(
    `stack up: redis :${redisPort} (AOF in ${redisDir}), api ${api.url}, gateways ${gateways
      .map((g) => g.port)
      .join(
        ', ',
      )}${doors.length ? `, doors ${doors.map((d) => d.port).join(', ')}` : ''}; logs in ${runDir}`,
  );

  const stack = {
    runDir,
    api,
    gateways,
    doors,
    get redis() {
      return redis;
    },
    redisUrl: redis.url,
    /** SIGKILL: a crash. */
    killGateway: (i) => gateways[i].stop('SIGKILL'),
    startGateway: (i) => gateways[i].start('/health/ready'),
    killDoor: (i) => doors[i].stop('SIGKILL'),
    startDoor: (i) => doors[i].start(doorReady(doors[i])),
    /** SIGTERM (Redis writes and fsyncs its AOF), down for `downMs`, then up on the same port and dir. */
    async restartRedis(downMs) {
      await redis.stop();
      await sleep(downMs);
      redis = await startRedis({ port: redisPort, dir: redisDir, appendonly: true });
    },
    /** SIGSTOP for `ms`, then SIGCONT: Redis hangs without closing a connection. */
    async pauseRedis(ms) {
      process.kill(redis.pid, 'SIGSTOP');
      try {
        await sleep(ms);
      } finally {
        process.kill(redis.pid, 'SIGCONT');
      }
    },
    pids() {
      return {
        api: api.pid,
        ...Object.fromEntries([...gateways, ...doors].map((g) => [g.name, g.pid])),
        redis: redis.pid,
      };
    },
    async stop() {
      await api.stop('SIGTERM');
      await Promise.all([...gateways, ...doors].map((g) => g.stop('SIGKILL')));
      await redis.stop();
    },
    /** Deletes the logs and Redis files (kept when a run fails, for a look). */
    removeRunDir() {
      fs.rmSync(runDir, { recursive: true, force: true });
    },
  };
  return stack;
}

module.exports = { startProcesses, httpOk, waitUntil, sleep };
