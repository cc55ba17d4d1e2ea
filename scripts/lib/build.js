'use strict';
// Builds what is stale: the three Nest apps when dist/ is missing or older than any TypeScript
// source, and the web client (apps/web/dist) when older than its sources, the shared contracts
// or the SDK.
// Shared by `npm start`, the e2e setup (gateways run as real processes from dist/) and the browser
// test setup (the API serves apps/web/dist).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');

function newestMtime(target, filter = (name) => name.endsWith('.ts')) {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of fs.readdirSync(target, { withFileTypes: true })) {
    const p = path.join(target, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p, filter));
    else if (filter(entry.name)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function serverIsStale() {
  const outputs = ['api', 'gateway', 'door'].map((app) =>
    path.join(root, 'dist/apps', app, 'main.js'),
  );
  if (!outputs.every((f) => fs.existsSync(f))) return true;
  const sources = Math.max(
    newestMtime(path.join(root, 'apps/api/src')),
    newestMtime(path.join(root, 'apps/gateway/src')),
    newestMtime(path.join(root, 'apps/door/src')),
    newestMtime(path.join(root, 'libs')),
  );
  return Math.min(...outputs.map((f) => fs.statSync(f).mtimeMs)) <= sources;
}

function webIsStale() {
  const output = path.join(root, 'apps/web/dist/index.html');
  if (!fs.existsSync(output)) return true;
  const any = () => true;
  const sources = Math.max(
    ...['src', 'public', 'index.html', 'vite.config.mts', 'tsconfig.json'].map((p) =>
      newestMtime(path.join(root, 'apps/web', p), any),
    ),
    newestMtime(path.join(root, 'libs/contracts/src')),
    newestMtime(path.join(root, 'libs/client/src')),
  );
  return fs.statSync(output).mtimeMs <= sources;
}

function run(script, env = process.env) {
  const r = spawnSync('npm', ['run', '--silent', script], { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) throw new Error(`${script} failed`);
}

/** @returns {boolean} true when a build ran */
function buildIfNeeded(log = (line) => process.stdout.write(`${line}\n`)) {
  const server = serverIsStale();
  const web = webIsStale();
  if (server) {
    log('building api, gateway and door…');
    run('build:server');
  }
  if (web) {
    log('building the web client…');
    // Under jest NODE_ENV is "test", which would give a development React bundle.
    run('build:web', { ...process.env, NODE_ENV: 'production' });
  }
  return server || web;
}

module.exports = { buildIfNeeded, root };
