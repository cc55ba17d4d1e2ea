import { randomBytes } from 'node:crypto';
import { createServer, Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket as NetSocket } from 'node:net';
import { Server } from 'socket.io';
import { io, Socket as ClientSocket } from 'socket.io-client';
import request from 'supertest';
import { startApi, TestApi, waitFor } from './support/api';

/**
 * The API's /socket.io proxy (docs/socket-io.md "Connecting"): connections are spread
 * over GATEWAY_URLS and every request of one Engine.IO session reaches the same gateway. The real
 * gateway is not needed for that, so two plain Socket.IO servers stand in for it; each answers
 * `whoami` with its own name and records which Engine.IO session ids reached it.
 */

interface FakeGateway {
  name: string;
  url: string;
  /** Engine.IO sid → number of HTTP requests (polling or upgrade) that carried it here. */
  sidRequests: Map<string, number>;
  /** Open Engine.IO sessions. */
  clients: () => number;
  close: () => Promise<void>;
}

interface WhoAmI {
  name: string;
  sid: string;
  transport: string;
}

async function startFakeGateway(name: string): Promise<FakeGateway> {
  const http: HttpServer = createServer();
  const sidRequests = new Map<string, number>();
  const count = (url: string | undefined) => {
    const sid = new URL(url ?? '/', 'http://x').searchParams.get('sid');
    if (sid) sidRequests.set(sid, (sidRequests.get(sid) ?? 0) + 1);
  };
  const server = new Server(http);
  // As a real gateway does (apps/gateway redis-io.adapter.ts): the proxy's route tag heads the
  // sid, which is how the proxy keeps a session on one gateway without remembering it.
  server.engine.generateId = (req) =>
    `${String(req.headers['x-parley-route'] ?? '')}${randomBytes(15).toString('base64url')}`;
  const raw = new Set<NetSocket>();
  http.on('connection', (s) => {
    raw.add(s);
    s.on('close', () => raw.delete(s));
  });
  // Socket.IO takes over the server's listeners when it attaches; go in front of it.
  http.prependListener('request', (req) => count(req.url));
  http.prependListener('upgrade', (req) => count(req.url));
  server.on('connection', (socket) => {
    // The Engine.IO session id (typed private, but it is the `sid` of the wire protocol).
    const sid = (socket.conn as unknown as { id: string }).id;
    socket.on('whoami', (ack: (answer: WhoAmI) => void) =>
      ack({ name, sid, transport: socket.conn.transport.name }),
    );
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    sidRequests,
    clients: () => server.engine.clientsCount,
    close: async () => {
      const closed = server.close();
      // Idle keep-alive connections from the proxy would hold http.close() open.
      for (const s of raw) s.destroy();
      await closed;
    },
  };
}

/** A port nothing listens on (bound, read, released). */
async function deadPort(): Promise<number> {
  const http = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  await new Promise<void>((resolve) => http.close(() => resolve()));
  return port;
}

function connect(url: string, transports?: ('polling' | 'websocket')[]): Promise<ClientSocket> {
  const socket = io(url, {
    forceNew: true,
    reconnection: false,
    timeout: 5000,
    ...(transports ? { transports } : {}),
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

function whoami(socket: ClientSocket): Promise<WhoAmI> {
  return socket.timeout(5000).emitWithAck('whoami') as Promise<WhoAmI>;
}

describe('Socket.IO proxy to GATEWAY_URLS (sticky per Engine.IO session)', () => {
  let gateways: FakeGateway[];
  let api: TestApi;
  const clients: ClientSocket[] = [];

  const open = async (transports?: ('polling' | 'websocket')[]) => {
    const socket = await connect(api.url, transports);
    clients.push(socket);
    return socket;
  };

  beforeAll(async () => {
    gateways = await Promise.all([startFakeGateway('gw-a'), startFakeGateway('gw-b')]);
    api = await startApi({ GATEWAY_URLS: gateways.map((g) => g.url).join(',') }, { db: 7 });
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    // Let the closes travel through the proxy before the API goes away.
    await waitFor(() => (gateways ?? []).every((g) => g.clients() === 0), 5000).catch(
      () => undefined,
    );
    await api?.close();
    await Promise.all((gateways ?? []).map((g) => g.close()));
  });

  it('polling-only clients: every request of a session reaches one gateway, and both gateways are used', async () => {
    const sockets: ClientSocket[] = [];
    for (let i = 0; i < 6; i += 1) sockets.push(await open(['polling']));

    const answers: WhoAmI[][] = [];
    for (const socket of sockets) {
      const mine: WhoAmI[] = [];
      for (let k = 0; k < 4; k += 1) mine.push(await whoami(socket));
      answers.push(mine);
    }

    answers.forEach((mine, i) => {
      expect(sockets[i].io.engine.transport.name).toBe('polling');
      // Always the same gateway, and the same Engine.IO session on it.
      expect(new Set(mine.map((a) => a.name)).size).toBe(1);
      expect(
        mine.every((a) => a.sid === sockets[i].io.engine.id && a.transport === 'polling'),
      ).toBe(true);
    });
    const used = new Set(answers.map((mine) => mine[0].name));
    expect(used).toEqual(new Set(['gw-a', 'gw-b']));

    // Seen from the gateways: each client's sid came to exactly one of them, many times.
    for (const [i, socket] of sockets.entries()) {
      const sid = socket.io.engine.id;
      const hits = gateways.map((g) => g.sidRequests.get(sid) ?? 0);
      expect(hits.filter((n) => n > 0)).toHaveLength(1);
      expect(gateways[hits.findIndex((n) => n > 0)].name).toBe(answers[i][0].name);
      expect(Math.max(...hits)).toBeGreaterThanOrEqual(4);
    }
    for (const socket of sockets) expect(socket.connected).toBe(true);
  });

  it('default transports: polling then the WebSocket upgrade, which stays on the same gateway', async () => {
    const sockets = await Promise.all([open(), open(), open(), open()]);
    const before = sockets.map((s) => ({ sid: s.io.engine.id }));

    for (const socket of sockets) {
      if (socket.io.engine.transport.name !== 'websocket') {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no upgrade to websocket')), 5000);
          socket.io.engine.once('upgrade', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    }

    const names = new Set<string>();
    for (const [i, socket] of sockets.entries()) {
      expect(socket.io.engine.transport.name).toBe('websocket');
      expect(socket.io.engine.id).toBe(before[i].sid);
      const first = await whoami(socket);
      const second = await whoami(socket);
      // The gateway that owns the session now talks to it over the WebSocket.
      expect(first).toEqual({ name: second.name, sid: before[i].sid, transport: 'websocket' });
      expect(second.transport).toBe('websocket');
      names.add(first.name);
      const hits = gateways.map((g) => g.sidRequests.get(before[i].sid) ?? 0);
      expect(hits.filter((n) => n > 0)).toHaveLength(1);
    }
    expect(names).toEqual(new Set(['gw-a', 'gw-b']));
  });

  it('websocket-only clients connect through the proxy', async () => {
    const sockets = await Promise.all([
      open(['websocket']),
      open(['websocket']),
      open(['websocket']),
    ]);
    const names = new Set<string>();
    for (const socket of sockets) {
      const a = await whoami(socket);
      const b = await whoami(socket);
      expect(a.transport).toBe('websocket');
      expect(b).toEqual(a);
      names.add(a.name);
    }
    // Three handshakes in turn cannot all land on one of two gateways.
    expect(names.size).toBe(2);
  });

  describe('with a gateway that is down', () => {
    let downApi: TestApi;

    beforeAll(async () => {
      const port = await deadPort();
      downApi = await startApi(
        { GATEWAY_URLS: `http://127.0.0.1:${port}` },
        { db: 7, flush: false },
      );
    });
    afterAll(() => downApi?.close());

    it('answers the polling handshake with a 502 JSON error and keeps serving', async () => {
      const res = await request(downApi.url).get('/socket.io/?EIO=4&transport=polling');
      expect(res.status).toBe(502);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(res.body).toMatchObject({ statusCode: 502, error: 'Bad Gateway' });
      expect(typeof res.body.message).toBe('string');

      // A real client just gets a connect_error.
      await expect(connect(downApi.url, ['polling'])).rejects.toBeInstanceOf(Error);

      // Repeated failures do not take the process down.
      const again = await Promise.all(
        Array.from({ length: 5 }, () =>
          request(downApi.url).get('/socket.io/?EIO=4&transport=polling'),
        ),
      );
      expect(again.map((r) => r.status)).toEqual([502, 502, 502, 502, 502]);
      const live = await request(downApi.url).get('/api/health/live');
      expect(live.status).toBe(200);
    });

    it('a WebSocket upgrade to a dead gateway fails cleanly and the API keeps serving', async () => {
      await expect(connect(downApi.url, ['websocket'])).rejects.toBeInstanceOf(Error);
      expect((await request(downApi.url).get('/api/health/live')).status).toBe(200);
    });
  });
});
