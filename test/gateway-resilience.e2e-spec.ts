import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Socket } from 'socket.io-client';
import type { Message as Msg } from '@app/contracts';
import request from 'supertest';
import { TEST_ENV, waitFor } from './support/api';
import {
  collect,
  connectSocket,
  PrivateRedis,
  registerUser,
  Stack,
  startStack,
  TestUser,
  fetchHistory,
} from './support/stack';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const redisServer = require('../scripts/lib/redis-server') as {
  startRedis: (opts: {
    port?: number;
    dir?: string;
    appendonly?: boolean;
  }) => Promise<PrivateRedis>;
  freePort: () => Promise<number>;
};

type Ack =
  | { ok: true; message: Msg }
  | { ok: false; error: { code: string; message: string; retryAfterMs?: number } };

const root = resolve(__dirname, '..');
const NO_ACK = 'no ack within 3 s';

/** Emits with an ack callback; a missing ack is a value (so a test can assert on it), never a hang. */
async function ackOf(socket: Socket, event: string, payload: unknown): Promise<Ack | string> {
  try {
    return (await socket.timeout(3000).emitWithAck(event, payload)) as Ack;
  } catch {
    return NO_ACK;
  }
}

describe('gateways across a Redis restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-gw-resilience-'));
  let stack: Stack;
  let restarted: PrivateRedis | undefined;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    stack = await startStack({ gateways: 2, redis: { dir, appendonly: true } });
    [alice, bob, carol] = await Promise.all(
      ['ralice', 'rbob', 'rcarol'].map((p) => registerUser(stack.api.url, p)),
    );
  });

  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await stack?.close();
    await restarted?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(user: TestUser, gw: number): Promise<Socket> {
    const socket = await connectSocket(stack.gateways[gw].url, user.token, { reconnection: true });
    sockets.push(socket);
    return socket;
  }

  const history = (user: TestUser, roomId: string) =>
    fetchHistory(stack.api.url, user.token, roomId);

  const restPost = (user: TestUser, text: string) =>
    request(stack.api.url)
      .post('/api/rooms/0/messages')
      .set('Authorization', `Bearer ${user.token}`)
      .send({ message: text });

  it('acks "unavailable" while Redis is down, then stores and delivers again on both instances without a restart', async () => {
    const pids = stack.gateways.map((g) => g.child?.pid);
    expect(pids.every((p) => typeof p === 'number')).toBe(true);

    const a0 = await open(alice, 0); // sender on gateway A
    const b1 = await open(bob, 1); // receiver on gateway B
    const c0 = await open(carol, 0); // receiver on gateway A
    const atBob = collect<Msg>(b1, 'message');
    const atCarol = collect<Msg>(c0, 'message');
    const acked: Msg[] = [];

    // Before the outage: sender on A, receiver on B.
    for (let i = 0; i < 5; i += 1) {
      const ack = await ackOf(a0, 'message', {
        roomId: '0',
        message: `before ${i}`,
        clientId: `before-${i}`,
      });
      expect(ack).toMatchObject({ ok: true, message: { message: `before ${i}`, from: alice.id } });
      acked.push((ack as { message: Msg }).message);
    }
    await waitFor(() => acked.every((m) => atBob.some((r) => r.id === m.id)), 5_000);

    await stack.redis.stop();

    // While Redis is down: every send gets an ack, and it is `unavailable` (never ok, never silence),
    // on both instances; a sync cannot read history either.
    const downTexts: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      for (const [socket, name] of [
        [a0, 'A'],
        [b1, 'B'],
      ] as const) {
        const text = `during outage ${name}${i}`;
        downTexts.push(text);
        const ack = await ackOf(socket, 'message', {
          roomId: '0',
          message: text,
          clientId: `down-${name}${i}`,
        });
        expect(ack).toEqual({
          ok: false,
          error: expect.objectContaining({ code: 'unavailable', message: expect.any(String) }),
        });
      }
    }
    const sync = await ackOf(b1, 'sync', { cursors: { '0': acked[0].id } });
    expect(sync).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    for (const g of stack.gateways) {
      expect((await request(g.url).get('/health/live')).status).toBe(200);
      expect((await request(g.url).get('/health/ready')).status).toBe(503);
    }
    // A new connection cannot be authenticated meanwhile: refused as unavailable, not unauthorized.
    await expect(connectSocket(stack.gateways[1].url, carol.token)).rejects.toThrow('unavailable');

    // Redis comes back on the same port with its AOF; nothing is restarted on our side.
    restarted = await redisServer.startRedis({ port: stack.redis.port, dir, appendonly: true });
    await waitFor(
      async () => {
        const res = await Promise.all(
          stack.gateways.map((g) =>
            request(g.url)
              .get('/health/ready')
              .catch(() => null),
          ),
        );
        return res.every((r) => r?.status === 200);
      },
      15_000,
      100,
    );
    await waitFor(() => a0.connected && b1.connected && c0.connected, 15_000);

    // Socket sends succeed again and reach the other instance. The subscribers resubscribe a moment
    // after the command connection is back, so probe (every probe acked ok counts below).
    let probe = 0;
    await waitFor(
      async () => {
        probe += 1;
        const ack = await ackOf(a0, 'message', {
          roomId: '0',
          message: `probe ${probe}`,
          clientId: `probe-${probe}`,
        });
        if (typeof ack === 'string' || !ack.ok) return false;
        acked.push(ack.message);
        await new Promise((r) => setTimeout(r, 200));
        return atBob.some((m) => m.id === ack.message.id);
      },
      20_000,
      100,
    );

    // Once resumed: every message from A reaches B exactly once, and from B reaches A exactly once.
    const after: Msg[] = [];
    for (let i = 0; i < 5; i += 1) {
      const fromA = await ackOf(a0, 'message', { roomId: '0', message: `after A${i}` });
      const fromB = await ackOf(b1, 'message', { roomId: '0', message: `after B${i}` });
      for (const ack of [fromA, fromB]) {
        expect(ack).toMatchObject({ ok: true });
        after.push((ack as { message: Msg }).message);
      }
    }
    acked.push(...after);
    await waitFor(
      () =>
        after.every((m) => atBob.some((r) => r.id === m.id) && atCarol.some((r) => r.id === m.id)),
      5_000,
    );

    // A connection opened after the restart is authenticated and served like the others.
    const late = await open(carol, 1);
    const atLate = collect<Msg>(late, 'message');
    const toLate = await ackOf(a0, 'message', { roomId: '0', message: 'to a new connection' });
    expect(toLate).toMatchObject({ ok: true });
    acked.push((toLate as { message: Msg }).message);
    await waitFor(() => atLate.some((m) => m.message === 'to a new connection'), 5_000);

    // The API's events (Nest Redis transport) reach both instances again.
    let restProbe = 0;
    await waitFor(
      async () => {
        restProbe += 1;
        const res = await restPost(carol, `rest probe ${restProbe}`);
        if (res.status !== 201) return false;
        const id = (res.body as Msg).id;
        acked.push(res.body as Msg);
        await new Promise((r) => setTimeout(r, 200));
        return atBob.some((m) => m.id === id) && atCarol.some((m) => m.id === id);
      },
      20_000,
      100,
    );
    const rest = await restPost(carol, 'rest after the restart').expect(201);
    acked.push(rest.body as Msg);
    await waitFor(
      () =>
        atBob.some((m) => m.id === (rest.body as Msg).id) &&
        atCarol.some((m) => m.id === (rest.body as Msg).id),
      5_000,
    );
    await new Promise((r) => setTimeout(r, 300));
    for (const seen of [atBob, atCarol]) {
      for (const m of [...after, rest.body as Msg]) {
        expect(seen.filter((r) => r.id === m.id)).toHaveLength(1);
      }
      // Live delivery never duplicates, not even across the restart.
      expect(new Set(seen.map((m) => m.id)).size).toBe(seen.length);
    }

    // History: every message acked ok is there exactly once; nothing from the outage; seq gap-free.
    const stored = await history(bob, '0');
    for (const m of acked) {
      expect(stored.filter((s) => s.id === m.id)).toEqual([
        expect.objectContaining({ message: m.message, from: m.from, seq: m.seq }),
      ]);
    }
    expect(stored).toHaveLength(acked.length);
    for (const text of downTexts) expect(stored.some((s) => s.message === text)).toBe(false);
    expect(stored.map((s) => s.seq)).toEqual(stored.map((_, i) => i + 1));

    // A client that missed live messages recovers them from history with `sync`, exactly once.
    const recovered = await ackOf(b1, 'sync', { cursors: { '0': '0' } });
    expect(recovered).toMatchObject({ ok: true });
    const rooms = (recovered as unknown as { rooms: Record<string, { messages: Msg[] }> }).rooms;
    expect(rooms['0'].messages.map((m) => m.id)).toEqual(stored.map((m) => m.id));

    // The gateway processes never exited: the same pids are still serving.
    stack.gateways.forEach((g, i) => {
      expect(g.child?.exitCode).toBeNull();
      expect(g.child?.signalCode).toBeNull();
      expect(g.child?.pid).toBe(pids[i]);
    });
    for (const g of stack.gateways) {
      expect((await request(g.url).get('/health/live')).status).toBe(200);
    }
  }, 60_000);

  it('a gateway started while Redis is unreachable exits non-zero with one clear line', async () => {
    const deadPort = await redisServer.freePort(); // nothing listens there
    const port = await redisServer.freePort();
    const child = spawn(process.execPath, ['dist/apps/gateway/main.js'], {
      cwd: root,
      env: {
        ...process.env,
        ...TEST_ENV,
        REDIS_URL: `redis://127.0.0.1:${deadPort}`,
        PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.resume();
    const exit = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((done) => {
      timer = setTimeout(() => done('timeout'), 20_000);
    });
    const code = await Promise.race([exit, timeout]);
    clearTimeout(timer);
    if (code === 'timeout') child.kill('SIGKILL');

    expect(code).not.toBe('timeout');
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    const lines = stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/redis/i);
    expect(lines[0]).toContain(String(deadPort));
  }, 30_000);
});
