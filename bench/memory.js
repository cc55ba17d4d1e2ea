'use strict';
// `npm run bench memory` (on request): what one connection costs a gateway, Parley beside the
// baseline server, read from the process itself rather than from RSS (which moves with the
// garbage collector's timing). For each target: open the inspector in its first gateway
// (process._debugProcess, like SIGUSR1), connect `connections` sockets to it, and compare the
// heap after a full GC before and after, per connection; with BENCH_MEMORY_SNAPSHOT=1 also a heap
// snapshot before and after, summed by object kind: what each socket holds.
const { WebSocket: WsSocket } = require('ws');
const { startPrivateRedis, startParley, startBaseline } = require('./lib/servers');
const { log, pool, api, sleep, fmt } = require('./lib/harness');
const { EioClient } = require('./lib/eio-client');

const INSPECTOR_PORT = 9229;

function params(smoke) {
  return { connections: smoke ? 100 : 2000, users: smoke ? 20 : 200, warmup: 50 };
}

/** A Chrome DevTools Protocol session with the process listening on the inspector port. */
async function inspect() {
  for (let i = 0; i < 50; i += 1) {
    try {
      const [target] = await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json/list`)).json();
      const ws = new WsSocket(target.webSocketDebuggerUrl);
      await new Promise((ok, fail) => ws.once('open', ok).once('error', fail));
      let next = 0;
      const waiting = new Map();
      let chunks = [];
      ws.on('message', (raw) => {
        const msg = JSON.parse(raw);
        if (msg.method === 'HeapProfiler.addHeapSnapshotChunk') chunks.push(msg.params.chunk);
        else waiting.get(msg.id)?.(msg.result);
      });
      const call = (method, params = {}) =>
        new Promise((done) => {
          next += 1;
          waiting.set(next, done);
          ws.send(JSON.stringify({ id: next, method, params }));
        });
      return {
        async heapUsed() {
          await call('HeapProfiler.collectGarbage');
          await call('HeapProfiler.collectGarbage');
          const r = await call('Runtime.evaluate', {
            expression: 'process.memoryUsage().heapUsed',
            returnByValue: true,
          });
          return r.result.value;
        },
        /** Self size and count per object kind (V8 type and constructor name). */
        async kinds() {
          await call('HeapProfiler.collectGarbage');
          chunks = [];
          await call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
          const snap = JSON.parse(chunks.join(''));
          const width = snap.snapshot.meta.node_fields.length;
          const types = snap.snapshot.meta.node_types[0];
          const out = new Map();
          for (let i = 0; i < snap.nodes.length; i += width) {
            const name = snap.strings[snap.nodes[i + 1]];
            const key = `${types[snap.nodes[i]]} ${types[snap.nodes[i]] === 'string' ? '' : name.slice(0, 40)}`;
            const k = out.get(key) ?? { count: 0, bytes: 0 };
            k.count += 1;
            k.bytes += snap.nodes[i + 3];
            out.set(key, k);
          }
          return out;
        },
        close: () => ws.close(),
      };
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`no inspector on port ${INSPECTOR_PORT}`);
}

function perConnectionKinds(before, after, n) {
  return [...after]
    .map(([kind, a]) => {
      const b = before.get(kind) ?? { count: 0, bytes: 0 };
      return { kind, count: (a.count - b.count) / n, bytes: (a.bytes - b.bytes) / n };
    })
    .sort((x, y) => y.bytes - x.bytes)
    .slice(0, 12);
}

async function measure(target, p) {
  const redis = await startPrivateRedis(target);
  const servers = await (target === 'parley' ? startParley(redis) : startBaseline(redis));
  try {
    const users =
      target === 'parley'
        ? await pool(p.users, 16, async (i) => {
            const r = await api(servers.apiUrl, 'POST', '/api/auth/register', {
              username: `mem${Date.now().toString(36)}_${i}`,
              password: 'password123',
            });
            return { token: r.token };
          })
        : [];
    const auth = (i) =>
      target === 'parley' ? { token: users[i % users.length].token } : { rooms: ['0'] };
    const url = servers.gateways[0];
    process._debugProcess(servers.gatewayPids[0]);
    const probe = await inspect();
    const clients = [];
    const open = (from, n) =>
      pool(n, 100, async (i) =>
        clients.push(await new EioClient(url, { auth: auth(from + i) }).connect()),
      );
    await open(0, p.warmup); // first-connection allocations (code, caches) stay out of the figure
    await sleep(1500);
    const snapshots = process.env.BENCH_MEMORY_SNAPSHOT === '1';
    const before = await probe.heapUsed();
    const kindsBefore = snapshots ? await probe.kinds() : null;
    await open(p.warmup, p.connections);
    await sleep(3000); // presence announcements settle
    const after = await probe.heapUsed();
    const kinds = snapshots
      ? perConnectionKinds(kindsBefore, await probe.kinds(), p.connections)
      : null;
    probe.close();
    clients.forEach((c) => c.close());
    return { heapBytesPerConnection: (after - before) / p.connections, kinds };
  } finally {
    await servers.stop();
    await redis.stop();
  }
}

async function run(p) {
  const out = {};
  for (const target of ['baseline', 'parley']) {
    log(`memory: ${target}, ${p.connections} connections on one gateway…`);
    out[target] = await measure(target, p);
  }
  return out;
}

function report(r) {
  const kb = (b) => fmt(b / 1024, 2);
  const lines = [
    `memory: heap per connection after GC, one gateway: Parley ${kb(r.parley.heapBytesPerConnection)} KB, baseline ${kb(r.baseline.heapBytesPerConnection)} KB, ratio ${fmt(r.parley.heapBytesPerConnection / r.baseline.heapBytesPerConnection, 2)}`,
  ];
  for (const target of ['parley', 'baseline'])
    for (const k of r[target].kinds ?? [])
      lines.push(
        `  ${target} ${fmt(k.bytes, 0).padStart(6)} B ${fmt(k.count, 2).padStart(6)} × ${k.kind}`,
      );
  process.stdout.write(`${lines.join('\n')}\n`);
  return { heapRatio: r.parley.heapBytesPerConnection / r.baseline.heapBytesPerConnection };
}

module.exports = { params, run, report };
