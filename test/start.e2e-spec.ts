import { ChildProcess, spawn } from 'node:child_process';
import Redis from 'ioredis';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { waitFor } from './support/api';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { freePort, ping, startRedis } = require('../scripts/lib/redis-server') as {
  freePort: () => Promise<number>;
  ping: (port: number) => Promise<boolean>;
  startRedis: () => Promise<{ port: number; url: string; stop: () => Promise<void> }>;
};

const root = resolve(__dirname, '..');

function portFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const srv = createServer();
    srv.once('error', () => res(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
  });
}

/** A base port with the two following ones free too (API + two gateways). */
async function freePortRun(): Promise<number> {
  for (;;) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    if ((await portFree(base)) && (await portFree(base + 1)) && (await portFree(base + 2)))
      return base;
  }
}

/** Connections a Redis has accepted so far (this call's own included). */
async function connectionsReceived(url: string): Promise<number> {
  const redis = new Redis(url);
  try {
    const info = await redis.info('stats');
    return Number(/total_connections_received:(\d+)/.exec(info)?.[1]);
  } finally {
    redis.disconnect();
  }
}

interface Stack {
  child: ChildProcess;
  output: () => string;
}

function startStack(env: Record<string, string>): Stack {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const name of ['REDIS_URL', 'HOST', 'LOG_LEVEL', 'NODE_ENV']) delete childEnv[name];
  const child = spawn(process.execPath, ['scripts/start.js'], { cwd: root, env: childEnv });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  return { child, output: () => out };
}

function stopStack(stack: Stack): Promise<number | null> {
  return new Promise((res) => {
    if (stack.child.exitCode !== null) return res(stack.child.exitCode);
    stack.child.once('exit', (code) => res(code));
    stack.child.kill('SIGTERM');
  });
}

describe('npm start', () => {
  jest.setTimeout(180_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-start-'));
  let redisPort: number;
  let apiPort: number;
  let stack: Stack | undefined;
  /** Stands in for a Redis the machine already runs (on 6379, which tests never touch). */
  let machineRedis: { port: number; url: string; stop: () => Promise<void> };
  let machineConnectionsBefore: number;

  beforeAll(async () => {
    redisPort = await freePort();
    apiPort = await freePortRun();
    machineRedis = await startRedis();
    machineConnectionsBefore = await connectionsReceived(machineRedis.url);
  });

  afterAll(async () => {
    if (stack) await stopStack(stack);
    await machineRedis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const env = () => ({
    PORT: String(apiPort),
    PARLEY_REDIS_PORT: String(redisPort),
    PARLEY_DATA_DIR: dataDir,
    // Where start.js used to look for "the local Redis" before starting its own: a machine's
    // Redis there got the demo users in its db 0. Nothing may look there any more.
    PARLEY_LOCAL_REDIS_PORT: String(machineRedis.port),
  });
  const api = () => `http://127.0.0.1:${apiPort}`;

  async function waitReady(s: Stack) {
    await waitFor(
      async () => {
        if (s.child.exitCode !== null) throw new Error(`stack exited:\n${s.output()}`);
        const res = await request(api())
          .get('/api/health/ready')
          .catch(() => null);
        return res?.status === 200;
      },
      150_000,
      250,
    );
  }

  it('prints its banner only once the API is ready, and no JSON logs', async () => {
    expect(await ping(redisPort)).toBe(false);
    stack = startStack(env());
    const s = stack;
    // The first moment the URL shows, the API must already answer ready.
    await waitFor(
      () => {
        if (s.child.exitCode !== null) throw new Error(`stack exited:\n${s.output()}`);
        return s.output().includes(`http://localhost:${apiPort}`);
      },
      150_000,
      20,
    );
    const ready = await request(api()).get('/api/health/ready');
    expect(ready.status).toBe(200);
    const out = s.output();
    expect(out).toContain('Parley is ready');
    expect(out).toMatch(/Demo logins\s+Pablo, Joe, Mary, Alex; password password123/);
    expect(out).toContain('Ctrl+C stops everything');
    expect(out.split('\n').filter((line) => /^\[\w+\] \{/.test(line))).toEqual([]);
    // The JSON logs are in the data dir instead.
    const apiLog = readFileSync(join(dataDir, 'logs', 'api.log'), 'utf8');
    expect(apiLog).toMatch(/^\{"level":30,/m);
  });

  it("runs its own redis-server over the data dir and leaves the machine's Redis alone", async () => {
    expect(stack!.output()).toContain(`private redis-server on 127.0.0.1:${redisPort}`);
    expect(await ping(redisPort)).toBe(true);
    expect(readdirSync(join(dataDir, 'redis'))).toContain('appendonlydir');
    const machine = new Redis(machineRedis.url);
    try {
      expect(await machine.dbsize()).toBe(0);
    } finally {
      machine.disconnect();
    }
    // Only this test's own two connections (before, and the DBSIZE above) ever reached it.
    expect(await connectionsReceived(machineRedis.url)).toBe(machineConnectionsBefore + 2);
  });

  it('listens on 127.0.0.1 alone by default', async () => {
    for (const port of [apiPort + 1, apiPort + 2]) {
      const res = await request(`http://127.0.0.1:${port}`).get('/health/live');
      expect(res.status).toBe(200);
    }
    const lan = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal);
    for (const port of [apiPort, apiPort + 1, apiPort + 2, apiPort + 3]) {
      // (A machine without IPv6 refuses differently; an answer would fail the test either way.)
      await expect(request(`http://[::1]:${port}`).get('/health/live')).rejects.toThrow(
        /ECONNREFUSED|EADDRNOTAVAIL|ENETUNREACH/,
      );
      if (lan)
        await expect(request(`http://${lan.address}:${port}`).get('/health/live')).rejects.toThrow(
          /ECONNREFUSED/,
        );
    }
  });

  it('keeps messages across a restart of the whole stack', async () => {
    const login = await request(api())
      .post('/api/auth/login')
      .send({ username: 'Pablo', password: 'password123' })
      .expect(200);
    const token = login.body.token as string;
    const text = `survives a restart ${Date.now()}`;
    await request(api())
      .post('/api/rooms/0/messages')
      .set('Authorization', `Bearer ${token}`)
      .send({ message: text })
      .expect(201);

    expect(await stopStack(stack!)).toBe(0);
    // The private Redis went down with the stack.
    await waitFor(async () => !(await ping(redisPort)), 10_000);

    stack = startStack(env());
    await waitReady(stack);
    const again = await request(api())
      .post('/api/auth/login')
      .send({ username: 'Pablo', password: 'password123' })
      .expect(200);
    const page = await request(api())
      .get('/api/rooms/0/messages')
      .set('Authorization', `Bearer ${again.body.token as string}`)
      .expect(200);
    const texts = (page.body.messages as { message: string }[]).map((m) => m.message);
    expect(texts.filter((t) => t === text)).toHaveLength(1);
    // Demo data was not seeded a second time: five General texts plus ours.
    expect(texts).toHaveLength(6);
  });
});
