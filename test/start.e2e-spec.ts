import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { waitFor } from './support/api';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { freePort, ping } = require('../scripts/lib/redis-server') as {
  freePort: () => Promise<number>;
  ping: (port: number) => Promise<boolean>;
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

interface Stack {
  child: ChildProcess;
  output: () => string;
}

function startStack(env: Record<string, string>): Stack {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, LOG_LEVEL: 'warn' };
  delete childEnv.REDIS_URL;
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

describe('npm start with nothing on the local Redis port', () => {
  jest.setTimeout(180_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-start-'));
  let redisPort: number;
  let apiPort: number;
  let stack: Stack | undefined;

  beforeAll(async () => {
    redisPort = await freePort();
    apiPort = await freePortRun();
  });

  afterAll(async () => {
    if (stack) await stopStack(stack);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const env = () => ({
    PORT: String(apiPort),
    PARLEY_LOCAL_REDIS_PORT: String(redisPort),
    PARLEY_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
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

  it('starts a private redis-server with its append-only file in the data dir and gets ready', async () => {
    expect(await ping(redisPort)).toBe(false);
    stack = startStack(env());
    await waitReady(stack);
    expect(stack.output()).toContain('started a private redis-server');
    expect(await ping(redisPort)).toBe(true);
    expect(readdirSync(join(dataDir, 'redis'))).toContain('appendonlydir');
    // Every gateway answers too.
    for (const port of [apiPort + 1, apiPort + 2]) {
      const res = await request(`http://127.0.0.1:${port}`).get('/health/live');
      expect(res.status).toBe(200);
    }
    // HOST=127.0.0.1 binds every process to that address alone: the IPv6 loopback is refused.
    for (const port of [apiPort, apiPort + 1, apiPort + 2]) {
      // (A machine without IPv6 refuses differently; an answer would fail the test either way.)
      await expect(request(`http://[::1]:${port}`).get('/health/live')).rejects.toThrow(
        /ECONNREFUSED|EADDRNOTAVAIL|ENETUNREACH/,
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
