'use strict';
// Private Redis Cluster (N masters, no replicas) and Sentinel (master, replica, sentinel) groups
// on loopback ports, for the topology test suites and the benchmark. No Docker.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { freePort, ping, redisServerPath, stopChild } = require('./redis-server');

function redisCli(args) {
  return spawnSync('redis-cli', args, { encoding: 'utf8' });
}

async function waitFor(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function spawnRedis(args) {
  const bin = redisServerPath();
  if (!bin) throw new Error('redis-server not found: install it (apt-get install redis-server)');
  return spawn(bin, args, { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** A cluster of `masters` nodes with all 16384 slots assigned. */
async function startCluster({ masters = 3 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-cluster-'));
  const nodes = [];
  for (let i = 0; i < masters; i += 1) {
    const port = await freePort();
    const child = spawnRedis([
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      `nodes-${port}.conf`,
      '--cluster-node-timeout',
      '2000',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--loglevel',
      'warning',
    ]);
    nodes.push({ host: '127.0.0.1', port, child });
  }
  await Promise.all(nodes.map((n) => waitFor(() => ping(n.port), 10000, `cluster node ${n.port}`)));
  const create = redisCli([
    '--cluster',
    'create',
    ...nodes.map((n) => `127.0.0.1:${n.port}`),
    '--cluster-replicas',
    '0',
    '--cluster-yes',
  ]);
  if (create.status !== 0)
    throw new Error(`redis-cli --cluster create failed: ${create.stderr || create.stdout}`);
  await waitFor(
    () =>
      nodes.every((n) =>
        /cluster_state:ok/.test(redisCli(['-p', String(n.port), 'cluster', 'info']).stdout),
      ),
    20000,
    'cluster_state:ok',
  );
  return {
    nodes: nodes.map(({ host, port }) => ({ host, port })),
    nodesEnv: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    url: `redis://127.0.0.1:${nodes[0].port}`,
    pids: nodes.map((n) => n.child.pid),
    stop: async () => {
      await Promise.all(nodes.map((n) => stopChild(n.child)));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A master, one replica and one sentinel watching them as `name`. */
async function startSentinel({ name = 'parley' } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-sentinel-'));
  const [masterPort, replicaPort, sentinelPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const common = [
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--loglevel',
    'warning',
  ];
  const master = spawnRedis([
    '--port',
    String(masterPort),
    '--dir',
    dir,
    '--dbfilename',
    'm.rdb',
    ...common,
  ]);
  const replica = spawnRedis([
    '--port',
    String(replicaPort),
    '--dir',
    dir,
    '--dbfilename',
    'r.rdb',
    '--replicaof',
    '127.0.0.1',
    String(masterPort),
    ...common,
  ]);
  await waitFor(() => ping(masterPort), 10000, 'sentinel master');
  await waitFor(() => ping(replicaPort), 10000, 'sentinel replica');
  await waitFor(
    () =>
      /master_link_status:up/.test(
        redisCli(['-p', String(replicaPort), 'info', 'replication']).stdout,
      ),
    15000,
    'the replica to sync',
  );
  const conf = path.join(dir, 'sentinel.conf');
  fs.writeFileSync(
    conf,
    [
      `port ${sentinelPort}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
      `sentinel down-after-milliseconds ${name} 1000`,
      `sentinel failover-timeout ${name} 5000`,
      `sentinel parallel-syncs ${name} 1`,
      '',
    ].join('\n'),
  );
  const sentinel = spawnRedis([conf, '--sentinel', '--loglevel', 'warning']);
  await waitFor(() => ping(sentinelPort), 10000, 'sentinel');
  const procs = { master, replica, sentinel };
  return {
    name,
    masterPort,
    replicaPort,
    sentinelPort,
    sentinelsEnv: `127.0.0.1:${sentinelPort}`,
    url: `redis://127.0.0.1:${masterPort}`,
    procs,
    /** Port of the master the sentinel currently names. */
    currentMaster: () => {
      const r = redisCli(['-p', String(sentinelPort), 'sentinel', 'get-master-addr-by-name', name]);
      return Number(r.stdout.trim().split('\n')[1]);
    },
    stop: async () => {
      await Promise.all(Object.values(procs).map((c) => stopChild(c)));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { startCluster, startSentinel };
