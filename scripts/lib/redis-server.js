'use strict';
// Starts a private redis-server for tests, benchmarks and `npm start`. It never touches a Redis
// it did not start: every caller gets its own process on its own loopback port.
const { spawn, spawnSync } = require('node:child_process');
const net = require('node:net');

function redisServerPath() {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const bin = found.stdout.trim();
  return found.status === 0 && bin ? bin : null;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function ping(port, host = '127.0.0.1', timeoutMs = 500) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host });
    let done = false;
    const finish = (ok) => {
      if (done) return;
      done = true;
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => finish(false));
    sock.on('error', () => finish(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (buf) => finish(buf.toString().startsWith('+PONG')));
  });
}

async function waitForPing(port, child, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    if (await ping(port)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/**
 * @param {{ port?: number, dir?: string, appendonly?: boolean, extraArgs?: string[] }} [opts]
 */
async function startRedis(opts = {}) {
  const bin = redisServerPath();
  if (!bin) throw new Error('redis-server not found: install it (apt-get install redis-server)');
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const port = opts.port ?? (await freePort());
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      opts.appendonly ? 'yes' : 'no',
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
      // The unit specs take a database each (16 is Redis's default count).
      '--databases',
      '64',
      ...(opts.dir ? ['--dir', opts.dir] : []),
      ...(opts.extraArgs ?? []),
    ];
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    if (await waitForPing(port, child)) {
      return {
        port,
        url: `redis://127.0.0.1:${port}`,
        pid: child.pid,
        child,
        stop: () => stopChild(child),
      };
    }
    await stopChild(child);
    if (opts.port) break;
  }
  throw new Error('could not start a private redis-server');
}

function stopChild(child, signal = 'SIGTERM') {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

module.exports = { startRedis, redisServerPath, freePort, ping, stopChild };
