import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { io, Socket } from 'socket.io-client';
import type { Message } from '@app/contracts';
import request from 'supertest';
import { startApi, TestApi, TEST_ENV, waitFor } from './api';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const redisServer = require('../../scripts/lib/redis-server') as {
  startRedis: (opts?: {
    port?: number;
    dir?: string;
    appendonly?: boolean;
  }) => Promise<PrivateRedis>;
  freePort: () => Promise<number>;
};

/** A free loopback port, for a process a test starts beside the stack (an API replica, a door). */
export const freePort = (): Promise<number> => redisServer.freePort();

export interface PrivateRedis {
  port: number;
  url: string;
  stop: () => Promise<void>;
  /** Set when the stack runs on a Redis Cluster (REDIS_CLUSTER_NODES). */
  clusterNodes?: string;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const redisCluster = require('../../scripts/lib/redis-cluster') as {
  startCluster: () => Promise<{
    nodes: { port: number }[];
    nodesEnv: string;
    url: string;
    stop: () => Promise<void>;
  }>;
};

async function startClusterAsRedis(): Promise<PrivateRedis> {
  const c = await redisCluster.startCluster();
  return { port: c.nodes[0].port, url: c.url, stop: c.stop, clusterNodes: c.nodesEnv };
}

const root = resolve(__dirname, '../..');

/**
 * A Parley app as a real process from dist/ (the e2e global setup builds it): `script` is what it
 * runs, `ready` says when it answers.
 */
export abstract class AppProcess {
  child?: ChildProcess;
  output = '';

  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  protected abstract readonly script: string;
  protected abstract ready(): Promise<boolean>;

  async start(): Promise<void> {
    this.output = '';
    const child = spawn(process.execPath, [this.script], {
      cwd: root,
      env: { ...process.env, ...this.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (c: Buffer) => (this.output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (this.output += c.toString()));
    this.child = child;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${this.script} exited:\n${this.output}`);
        return this.ready();
      },
      20_000,
      50,
    );
  }

  /** SIGKILL simulates a crash; SIGTERM a clean shutdown. Resolves once the process is gone. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((done) => {
      child.once('exit', () => done());
      child.kill(signal);
    });
  }
}

/** One gateway process. */
export class GatewayProcess extends AppProcess {
  protected readonly script = 'dist/apps/gateway/main.js';

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  protected async ready(): Promise<boolean> {
    const res = await request(this.url)
      .get('/health/ready')
      .catch(() => null);
    return res?.status === 200;
  }

  /** Gauge value of authenticated sockets on this gateway, from its /metrics. */
  async connections(): Promise<number> {
    const res = await request(this.url).get('/metrics');
    const match = /^parley_gateway_connections (\d+)/m.exec(res.text);
    return match ? Number(match[1]) : NaN;
  }
}

export interface Stack {
  redis: PrivateRedis;
  api: TestApi;
  gateways: GatewayProcess[];
  env: Record<string, string>;
  /** Restarts Redis on the same port (data kept only with `appendonly`). */
  close: () => Promise<void>;
}

/**
 * A whole Parley on loopback: its own redis-server (so pub/sub traffic of one suite never reaches
 * another), N gateway processes and the API in-process (proxying /socket.io to the gateways).
 */
export async function startStack(
  opts: {
    gateways?: number;
    env?: Record<string, string>;
    redis?: { dir?: string; appendonly?: boolean };
  } = {},
): Promise<Stack> {
  // `npm run test:cluster` runs the same suites on a 3-master Redis Cluster.
  const cluster = process.env.PARLEY_TEST_TOPOLOGY === 'cluster' && !opts.redis;
  const redis = cluster ? await startClusterAsRedis() : await redisServer.startRedis(opts.redis);
  const env: Record<string, string> = {
    ...TEST_ENV,
    REDIS_URL: redis.url,
    ...(redis.clusterNodes ? { REDIS_CLUSTER_NODES: redis.clusterNodes } : {}),
    ...opts.env,
  };
  const gateways: GatewayProcess[] = [];
  for (let i = 0; i < (opts.gateways ?? 2); i += 1) {
    gateways.push(new GatewayProcess(await freePort(), { ...env, GATEWAY_ID: `gw${i + 1}` }));
  }
  await Promise.all(gateways.map((g) => g.start()));
  const api = await startApi(
    { ...env, GATEWAY_URLS: gateways.map((g) => g.url).join(',') },
    { redisUrl: redis.url, flush: !cluster },
  );
  return {
    redis,
    api,
    gateways,
    env,
    close: async () => {
      await api.close();
      await Promise.all(gateways.map((g) => g.stop('SIGKILL')));
      await redis.stop();
    },
  };
}

export interface TestUser {
  id: string;
  username: string;
  token: string;
}

let userCounter = 0;

/** Registers a fresh user through the API. */
export async function registerUser(apiUrl: string, prefix = 'u'): Promise<TestUser> {
  userCounter += 1;
  const username = `${prefix}${Date.now().toString(36)}${userCounter}`;
  const res = await request(apiUrl)
    .post('/api/auth/register')
    .send({ username, password: 'password123' });
  if (res.status !== 201)
    throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.user.id, username, token: res.body.token };
}

/** A socket.io-client connected with the token, straight to WebSocket. Resolves once connected. */
export async function connectSocket(
  url: string,
  token: string | undefined,
  opts: Record<string, unknown> = {},
): Promise<Socket> {
  const socket = io(url, {
    auth: token ? { token } : undefined,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...opts,
  });
  await new Promise<void>((done, fail) => {
    socket.once('connect', () => done());
    socket.once('connect_error', (err) => fail(err));
  });
  return socket;
}

/** Collects every payload of `event` on a socket. */
export function collect<T = unknown>(socket: Socket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T) => seen.push(payload));
  return seen;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A room's whole history through REST, oldest first (pages of 100 until `nextBefore` is null). */
export async function fetchHistory(
  apiUrl: string,
  token: string,
  roomId: string,
): Promise<Message[]> {
  const all: Message[] = [];
  let before: string | null = null;
  for (let page = 0; page < 200; page += 1) {
    const res = await request(apiUrl)
      .get(`/api/rooms/${encodeURIComponent(roomId)}/messages`)
      .query(before ? { before, limit: 100 } : { limit: 100 })
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    const body = res.body as { messages: Message[]; nextBefore: string | null };
    all.unshift(...body.messages);
    before = body.nextBefore;
    if (!before) return all;
  }
  throw new Error('history has more pages than expected');
}
