'use strict';
// Starting and stopping what the benchmark measures: a private Redis (one node or a 3-master
// cluster), Parley (the API and two gateways from a repository's dist/), line doors and the
// baseline.
const { fork, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { startRedis, freePort, stopChild } = require('../../scripts/lib/redis-server');
const { startCluster } = require('../../scripts/lib/redis-cluster');
const { root } = require('../../scripts/lib/build');
const { doorAnswers } = require('../../chaos/lib/line-client');

// BENCH_TOPOLOGY=cluster runs Parley on a private 3-master Redis Cluster (the baseline stays on
// one node: its adapter is the same, its data path trivial).
const onCluster = process.env.BENCH_TOPOLOGY === 'cluster';
// BENCH_CPU_PROF=dir writes a V8 CPU profile of every server process into dir.
const cpuProfDir = process.env.BENCH_CPU_PROF;
// BENCH_ROOT=dir runs Parley from another checkout's dist/ (e.g. a `git worktree` of an older
// commit, built there with `npx nest build api && npx nest build gateway`); default this one.
const parleyRoot = process.env.BENCH_ROOT ? path.resolve(process.env.BENCH_ROOT) : root;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Throws unless the checkout in BENCH_ROOT has been built (it is never built from here). */
function checkParleyRoot() {
  for (const app of ['api', 'gateway']) {
    const main = path.join(parleyRoot, 'dist/apps', app, 'main.js');
    if (!fs.existsSync(main))
      throw new Error(
        `${main} is missing: build it (cd ${parleyRoot} && npx nest build api && npx nest build gateway)`,
      );
  }
}

async function httpOk(url) {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false; // not up yet
  }
}

/** Waits until a server answers: `check` is an HTTP URL (200) or a function. */
async function waitReady(check, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await (typeof check === 'function' ? check() : httpOk(check))) return;
    await sleep(100);
  }
  throw new Error(`${typeof check === 'function' ? 'a server' : check} did not become ready`);
}

/**
 * Waits until every url answers; if a server exits first or never gets ready, stops them all and
 * throws (a gateway that died at start used to leave the run, and its siblings, waiting forever).
 */
async function whenReady(children, checks) {
  let onExit;
  const exited = new Promise((_, reject) => {
    onExit = (code, signal) =>
      reject(new Error(`a server process exited (${signal ?? code}) before it was ready`));
    for (const c of children) c.once('exit', onExit);
  });
  try {
    await Promise.race([Promise.all(checks.map((c) => waitReady(c))), exited]);
  } catch (err) {
    await Promise.all(children.map((c) => stopChild(c)));
    throw err;
  } finally {
    for (const c of children) c.off('exit', onExit);
    exited.catch(() => undefined);
  }
}

function startNode(script, env, args = []) {
  const nodeArgs = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(cpuProfDir)] : [];
  return spawn(process.execPath, [...nodeArgs, script, ...args], {
    cwd: parleyRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

function redisPids(redis) {
  if (!redis.pids) return { redis: redis.pid };
  return Object.fromEntries(redis.pids.map((pid, i) => [`redis${i + 1}`, pid]));
}

async function startPrivateRedis(target) {
  if (!(onCluster && target === 'parley')) return startRedis();
  const cluster = await startCluster();
  return { ...cluster, clusterNodes: cluster.nodesEnv };
}

/** The servers' environment; `extraEnv` is added to (and overrides) the benchmark's settings. */
function parleyEnv(redis, extraEnv = {}) {
  return {
    ...(redis.clusterNodes ? { REDIS_CLUSTER_NODES: redis.clusterNodes } : {}),
    NODE_ENV: 'production',
    SESSION_SECRET: 'bench-secret-0123456789abcdef',
    REDIS_URL: redis.url,
    LOG_LEVEL: 'warn',
    DEMO_DATA: 'off',
    BCRYPT_COST: '4',
    LIMIT_EVENTS_PER_SECOND: '1000000',
    LIMIT_MESSAGES_PER_MINUTE: '100000000',
    LIMIT_AUTH_PER_MINUTE: '1000000',
    LIMIT_LOGIN_FAILURES: '1000000',
    LIMIT_READS_PER_MINUTE: '1000000',
    ...extraEnv,
  };
}

/** The API and two gateways; `extraEnv` is added to (and overrides) the benchmark's settings. */
async function startParley(redis, extraEnv = {}) {
  const env = parleyEnv(redis, extraEnv);
  const ports = [await freePort(), await freePort(), await freePort()];
  const gws = ports.slice(1).map((port, i) =>
    startNode('dist/apps/gateway/main.js', {
      ...env,
      PORT: String(port),
      GATEWAY_ID: `bench${i + 1}`,
    }),
  );
  const api = startNode('dist/apps/api/main.js', { ...env, PORT: String(ports[0]) });
  const apiUrl = `http://127.0.0.1:${ports[0]}`;
  const gateways = ports.slice(1).map((p) => `http://127.0.0.1:${p}`);
  const readyUrls = [`${apiUrl}/api/health/ready`, ...gateways.map((g) => `${g}/health/ready`)];
  await whenReady([api, ...gws], readyUrls);
  return {
    readyUrls,
    apiUrl,
    gateways,
    httpUrl: apiUrl,
    pids: { ...redisPids(redis), api: api.pid, gw1: gws[0].pid, gw2: gws[1].pid },
    gatewayPids: [gws[0].pid, gws[1].pid],
    stop: () => Promise.all([api, ...gws].map((c) => stopChild(c))),
  };
}

/** `count` line doors (dist/apps/door) on the same Redis, any number of connections per address. */
async function startDoors(redis, extraEnv = {}, count = 2) {
  const env = parleyEnv(redis, { DOOR_CONNECTIONS_PER_IP: '1000000', ...extraEnv });
  const ports = [];
  for (let i = 0; i < count; i += 1) ports.push(await freePort());
  const doors = ports.map((port, i) =>
    startNode('dist/apps/door/main.js', {
      ...env,
      DOOR_PORT: String(port),
      DOOR_HOST: '127.0.0.1',
      GATEWAY_ID: `benchdoor${i + 1}`,
    }),
  );
  await whenReady(
    doors,
    ports.map((port) => () => doorAnswers(port)),
  );
  return {
    ports,
    pids: Object.fromEntries(doors.map((d, i) => [`door${i + 1}`, d.pid])),
    stop: () => Promise.all(doors.map((c) => stopChild(c))),
  };
}

/** `processes` baseline servers (two by default); `env` is added to their environment. */
async function startBaseline(redis, { processes = 2, env = {} } = {}) {
  const ports = [];
  for (let i = 0; i < processes; i += 1) ports.push(await freePort());
  const procs = ports.map((p) =>
    fork(path.join(__dirname, '..', 'baseline-server.js'), [String(p), redis.url], {
      env: { ...process.env, ...env },
      execArgv: cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(cpuProfDir)] : [],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    }),
  );
  const gateways = ports.map((p) => `http://127.0.0.1:${p}`);
  await whenReady(procs, gateways);
  return {
    readyUrls: gateways,
    gateways,
    httpUrl: gateways[0],
    pids: {
      redis: redis.pid,
      ...Object.fromEntries(procs.map((c, i) => [`base${i + 1}`, c.pid])),
    },
    gatewayPids: procs.map((c) => c.pid),
    stop: () => Promise.all(procs.map((c) => stopChild(c))),
  };
}

/**
 * Freezes (SIGSTOP) or thaws (SIGCONT) every process of a started stack, its Redis included, so
 * that a stack waiting for its turn uses no CPU at all: no timers, no garbage collection. Its
 * servers first and its Redis last, so that no server runs while its Redis is frozen; the reverse
 * on the way back, and a thawed stack answers its health checks before it is measured.
 */
async function setFrozen(servers, frozen) {
  const names = Object.keys(servers.pids).sort(
    (a, b) => Number(a.startsWith('redis')) - Number(b.startsWith('redis')),
  );
  for (const name of frozen ? names : names.reverse())
    process.kill(servers.pids[name], frozen ? 'SIGSTOP' : 'SIGCONT');
  if (!frozen) await Promise.all(servers.readyUrls.map((url) => waitReady(url)));
}

/** Starts Redis and Parley (with `extraEnv`), runs `fn(servers, redis)`, then stops both. */
async function withParley(extraEnv, fn) {
  const redis = await startPrivateRedis('parley');
  const servers = await startParley(redis, extraEnv).catch(async (err) => {
    await redis.stop();
    throw err;
  });
  try {
    return await fn(servers, redis);
  } finally {
    await servers.stop();
    await redis.stop();
  }
}

module.exports = {
  onCluster,
  parleyRoot,
  checkParleyRoot,
  startPrivateRedis,
  startParley,
  startBaseline,
  startDoors,
  withParley,
  setFrozen,
};
