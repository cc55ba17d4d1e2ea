'use strict';
// Builds both apps when dist/ is missing or older than any TypeScript source. Shared by
// `npm start` and the e2e setup, which run the gateways as real processes from dist/.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** @returns {boolean} true when a build ran */
function buildIfNeeded(log = (line) => process.stdout.write(`${line}\n`)) {
  const outputs = ['api', 'gateway'].map((app) => path.join(root, 'dist/apps', app, 'main.js'));
  const built = outputs.every((f) => fs.existsSync(f));
  const sources = Math.max(
    newestMtime(path.join(root, 'apps/api/src')),
    newestMtime(path.join(root, 'apps/gateway/src')),
    newestMtime(path.join(root, 'libs')),
  );
  if (built && Math.min(...outputs.map((f) => fs.statSync(f).mtimeMs)) > sources) return false;
  log('building api and gateway…');
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
  return true;
}

module.exports = { buildIfNeeded, root };
