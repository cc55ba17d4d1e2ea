import type { Socket } from 'socket.io-client';
import { io as ioV3, Socket as SocketV3 } from 'socket.io-client-v3';
import type { Message as Msg } from '@app/contracts';
import request from 'supertest';
import { waitFor } from './support/api';
import { userView } from './support/http';
import { collect, connectSocket, registerUser, sleep, Stack, startStack } from './support/stack';

/**
 * The reference demo's browser client: socket.io-client 3, same origin (the API's /socket.io
 * proxy), cookie auth only, default transports (polling first, then the WebSocket upgrade), no
 * ack callbacks, and a CONNECT packet that is often sent twice on one Engine.IO connection.
 */

interface Presence {
  id: string;
  username: string;
  online: boolean;
}

/** Longer than the gateway's reconnect grace: a spurious `user.disconnected` would show by then. */
const QUIET_MS = 6_000;

describe('reference client (socket.io-client 3) through the API proxy', () => {
  let stack: Stack;
  const v3Sockets: SocketV3[] = [];
  const v4Sockets: Socket[] = [];
  let observer: Socket;
  let connectedSeen: Presence[];
  let disconnectedSeen: Presence[];

  beforeAll(async () => {
    stack = await startStack({ gateways: 2 });
    const watcher = await registerUser(stack.api.url, 'watch');
    observer = await connectSocket(stack.gateways[1].url, watcher.token);
    v4Sockets.push(observer);
    connectedSeen = collect<Presence>(observer, 'user.connected');
    disconnectedSeen = collect<Presence>(observer, 'user.disconnected');
  });

  afterAll(async () => {
    v3Sockets.forEach((s) => s.close());
    v4Sockets.forEach((s) => s.disconnect());
    await stack.close();
  });

  /** Logs in like the demo's login form (POST /login) and returns the user and its cookie. */
  async function demoLogin(prefix: string) {
    const username = `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
    const res = await request(stack.api.url)
      .post('/login')
      .send({ username, password: 'password123' });
    expect([200, 201]).toContain(res.status);
    const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    const sid = setCookie.map((c) => c.split(';')[0]).find((c) => c.startsWith('parley.sid='));
    expect(sid).toBeDefined();
    return { user: res.body as { id: string; username: string }, cookie: sid as string };
  }

  /**
   * `io()` as the demo calls it, with its cookie. `doubleConnect` makes the client send its
   * CONNECT packet a second time as soon as the Engine.IO connection opens, while the first one is
   * still unanswered: v3's `socket.connect()` sends another CONNECT whenever the manager is open and
   * the socket is not connected yet (build/socket.js `connect()` → `onopen()`).
   */
  function demoSocket(cookie: string, doubleConnect = false, transports?: string[]) {
    const socket = ioV3(stack.api.url, {
      extraHeaders: { cookie },
      reconnection: false,
      forceNew: true,
      ...(transports ? { transports } : {}),
    });
    v3Sockets.push(socket);
    const events = { connect: 0, disconnect: [] as string[], connectError: [] as string[] };
    socket.on('connect', () => (events.connect += 1));
    socket.on('disconnect', (reason: string) => events.disconnect.push(reason));
    socket.on('connect_error', (err: Error) => events.connectError.push(err.message));
    let extraConnects = 0;
    if (doubleConnect) {
      socket.io.on('open', () => {
        // The first CONNECT is out and unanswered: this sends a second one on the same connection.
        if (!socket.connected) extraConnects += 1;
        socket.connect();
      });
    }
    return { socket, events, extraConnects: () => extraConnects };
  }

  async function connected(socket: SocketV3, events: { connect: number }) {
    await waitFor(() => events.connect > 0 && socket.connected, 10_000);
  }

  async function upgraded(socket: SocketV3) {
    const engine = () =>
      (socket.io as unknown as { engine: { transport: { name: string } } }).engine;
    await waitFor(() => engine().transport.name === 'websocket', 10_000);
  }

  async function totalConnections() {
    const counts = await Promise.all(stack.gateways.map((g) => g.connections()));
    return counts.reduce((a, b) => a + b, 0);
  }

  it('connects with the cookie on polling, upgrades, and gets its own ack-less message back once', async () => {
    const { user, cookie } = await demoLogin('ref');
    const { socket, events } = demoSocket(cookie);
    const transports: string[] = [];
    socket.io.on('open', () =>
      transports.push(
        (socket.io as unknown as { engine: { transport: { name: string } } }).engine.transport.name,
      ),
    );
    const received = collect<Msg>(socket as unknown as Socket, 'message');
    await connected(socket, events);
    expect(transports[0]).toBe('polling');
    await upgraded(socket);

    socket.emit('room.join', '0');
    const text = `hello from the demo ${Date.now()}`;
    socket.emit('message', { roomId: '0', message: text, from: user.id, date: Date.now() / 1000 });
    await waitFor(() => received.some((m) => m.message === text), 5_000);
    await sleep(300);

    const mine = received.filter((m) => m.message === text);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ roomId: '0', from: user.id });
    expect(+mine[0].from).toBe(+user.id);
    expect(events.disconnect).toEqual([]);
  });

  // Over polling the repeat goes out in a later request, after the first CONNECT was handled; over
  // WebSocket both frames usually arrive together, while the first handshake is still running.
  it.each([
    ['polling, then upgrade', undefined],
    ['WebSocket only', ['websocket']],
  ])(
    'treats a CONNECT sent twice on one Engine.IO connection as one socket (%s)',
    async (_name, transports) => {
      const peer = await demoLogin('peer');
      const peerClient = demoSocket(peer.cookie);
      const peerGot = collect<Msg>(peerClient.socket as unknown as Socket, 'message');
      await connected(peerClient.socket, peerClient.events);
      const baseline = await totalConnections();

      const before = { connected: connectedSeen.length, disconnected: disconnectedSeen.length };
      const { user, cookie } = await demoLogin('twice');
      const client = demoSocket(cookie, true, transports);
      const got = collect<Msg>(client.socket as unknown as Socket, 'message');
      await connected(client.socket, client.events);
      expect(client.extraConnects()).toBe(1);
      await upgraded(client.socket);

      // One server-side socket for the client, however many CONNECTs it sent.
      await waitFor(async () => (await totalConnections()) === baseline + 1, 5_000).catch(
        () => undefined,
      );
      expect(await totalConnections()).toBe(baseline + 1);

      // Messages after that arrive exactly once, both ways.
      const fromTwice = `from the double connect ${Date.now()}`;
      client.socket.emit('message', { roomId: '0', message: fromTwice, from: user.id });
      const fromPeer = `to the double connect ${Date.now()}`;
      peerClient.socket.emit('message', { roomId: '0', message: fromPeer, from: peer.user.id });
      await waitFor(
        () =>
          got.some((m) => m.message === fromTwice) &&
          got.some((m) => m.message === fromPeer) &&
          peerGot.some((m) => m.message === fromTwice),
        5_000,
      );

      // No spurious presence flapping: wait out the reconnect grace, then count.
      await sleep(QUIET_MS);
      expect(got.filter((m) => m.message === fromTwice)).toHaveLength(1);
      expect(got.filter((m) => m.message === fromPeer)).toHaveLength(1);
      expect(peerGot.filter((m) => m.message === fromTwice)).toHaveLength(1);
      expect(client.events.disconnect).toEqual([]);
      expect(client.events.connectError).toEqual([]);
      expect(client.socket.connected).toBe(true);
      expect(await totalConnections()).toBe(baseline + 1);

      const newConnected = connectedSeen.slice(before.connected).filter((u) => u.id === user.id);
      const newDisconnected = disconnectedSeen
        .slice(before.disconnected)
        .filter((u) => u.id === user.id);
      expect(newConnected).toHaveLength(1);
      expect(newConnected[0]).toEqual(userView(user.id, user.username, true));
      expect(newDisconnected).toEqual([]);
    },
  );

  it('spreads demo clients over both gateways, and each works', async () => {
    const before = await Promise.all(stack.gateways.map((g) => g.connections()));
    const clients: (ReturnType<typeof demoSocket> & {
      user: { id: string; username: string };
      got: Msg[];
    })[] = [];
    for (let i = 0; i < 4; i += 1) {
      const { user, cookie } = await demoLogin(`rr${i}`);
      const client = demoSocket(cookie, i % 2 === 1);
      clients.push({
        user,
        ...client,
        got: collect<Msg>(client.socket as unknown as Socket, 'message'),
      });
    }
    await Promise.all(clients.map((c) => connected(c.socket, c.events)));
    await Promise.all(clients.map((c) => upgraded(c.socket)));

    const after = await Promise.all(stack.gateways.map((g) => g.connections()));
    const added = after.map((n, i) => n - before[i]);
    // One server socket per client, and the proxy spread them over both gateways.
    expect(added.reduce((a, b) => a + b, 0)).toBe(clients.length);
    for (const n of added) expect(n).toBeGreaterThanOrEqual(1);

    const texts = clients.map((c, i) => `round robin ${i} ${Date.now()}`);
    clients.forEach((c, i) =>
      c.socket.emit('message', { roomId: '0', message: texts[i], from: c.user.id }),
    );
    await waitFor(
      () => clients.every((c) => texts.every((t) => c.got.some((m) => m.message === t))),
      5_000,
    );
    await sleep(300);
    for (const c of clients) {
      for (const t of texts) expect(c.got.filter((m) => m.message === t)).toHaveLength(1);
      expect(c.events.disconnect).toEqual([]);
    }
  });
});
