import { EventSource } from 'eventsource';
import { io as ioV3, Socket as SocketV3 } from 'socket.io-client-v3';
import type { Message as Msg, Room } from '@app/contracts';
import request from 'supertest';
import { waitFor } from './support/api';
import { openSse } from './support/sse';
import { sleep } from './support/stack';
import { useStack } from './support/suite';

/**
 * The Python reference demo's browser client (redis-developer/basic-redis-chat-app-demo-python,
 * client/src), as it behaves, against Parley: axios with the cookie on the page's origin (the
 * API, which proxies /socket.io to the gateways), JSON `POST /login`, `GET /me` on every load,
 * socket.io-client 3 with its default transports (polling, then WebSocket), no ack callbacks,
 * and `new EventSource('/stream')` opened beside the socket. Events from both feed one message
 * list through the same `{type, data}` dispatch, so anything the stream carried would show twice.
 */

interface DemoUser {
  id: string;
  username: string;
}

/** One page load of the demo's client: its state, socket and event source. */
class DemoPage {
  user: DemoUser | null = null;
  /** The demo's "append message" reducer: one list for everything that arrives, no dedupe. */
  readonly appended: Msg[] = [];
  readonly rooms = new Map<string, { name: string; joined: boolean; messages?: Msg[] }>();
  readonly infos: string[] = [];
  socket?: SocketV3;
  source?: EventSource;
  streamOpened = false;

  constructor(
    private readonly origin: string,
    public cookie = '',
  ) {}

  private get(path: string) {
    return request(this.origin).get(path).set('Cookie', this.cookie);
  }

  /** What the page does as it loads: `GET /me`, and the chat if a session is there. */
  async load(): Promise<void> {
    const me = await this.get('/me').expect(200);
    this.user = me.body as DemoUser | null;
    if (this.user) await this.startChat();
  }

  /** The login form: JSON to `POST /login`; the cookie comes back with the answer. */
  async logIn(username: string, password: string): Promise<void> {
    const res = await request(this.origin).post('/login').send({ username, password });
    expect([200, 201]).toContain(res.status);
    const sid = ([] as string[])
      .concat(res.headers['set-cookie'] ?? [])
      .map((c) => c.split(';')[0])
      .find((c) => c.startsWith('parley.sid='));
    expect(sid).toBeDefined();
    this.cookie = sid!;
    this.user = res.body as DemoUser;
    await this.startChat();
  }

  private dispatch(type: string, data: unknown): void {
    switch (type) {
      case 'message': {
        const message = data as Msg;
        const roomId = message.roomId ?? '0';
        if (this.rooms.has(roomId)) this.appended.push(message);
        break;
      }
      case 'show.room': {
        const room = data as Room;
        this.addRoom(room.id, room.names);
        break;
      }
      case 'user.connected':
      case 'user.disconnected':
        this.infos.push(`${type} ${(data as DemoUser).username}`);
        break;
      default:
        break;
    }
  }

  private addRoom(id: string, names: string[]): void {
    const name = names.find((n) => n !== this.user!.username) ?? names[0];
    this.rooms.set(id, { name, joined: false });
    this.joinNewRooms();
  }

  /** Every room the socket has not joined yet gets a `room.join` (the demo's effect). */
  private joinNewRooms(): void {
    if (!this.socket) return;
    for (const [id, room] of this.rooms) {
      if (room.joined) continue;
      room.joined = true;
      this.socket.emit('room.join', id);
    }
  }

  private async startChat(): Promise<void> {
    const cookie = this.cookie;
    this.source = new EventSource(`${this.origin}/stream`, {
      fetch: (input, init) =>
        fetch(input, { ...init, headers: { ...(init?.headers ?? {}), cookie } }),
    });
    this.source.onopen = () => (this.streamOpened = true);
    this.source.onmessage = (e: MessageEvent<string>) => {
      const { type, data } = JSON.parse(e.data) as { type: string; data: unknown };
      this.dispatch(type, data);
    };
    this.socket = ioV3(this.origin, {
      extraHeaders: { cookie },
      reconnection: false,
      forceNew: true,
    });
    for (const type of ['user.connected', 'user.disconnected', 'show.room', 'message']) {
      this.socket.on(type, (data: unknown) => this.dispatch(type, data));
    }
    await this.get('/links').expect(200);
    await this.get('/users/online').expect(200);
    const rooms = await this.get(`/rooms/${this.user!.id}`).expect(200);
    for (const room of rooms.body as Room[]) this.addRoom(room.id, room.names);
    await waitFor(() => this.socket!.connected && this.streamOpened, 10_000);
    this.joinNewRooms();
  }

  /** Opening a room: its newest 15 messages (newest first, reversed), then their authors. */
  async openRoom(roomId: string): Promise<Msg[]> {
    const res = await this.get(`/room/${encodeURIComponent(roomId)}/messages`)
      .query({ offset: 0, size: 15 })
      .expect(200);
    const messages = (res.body as Msg[]).reverse();
    const ids = [...new Set(messages.map((m) => m.from))];
    if (ids.length > 0) {
      const users = await this.get(`/users?${ids.map((id) => `ids[]=${id}`).join('&')}`).expect(
        200,
      );
      for (const id of ids) expect(users.body[id]).toMatchObject({ id });
    }
    this.rooms.get(roomId)!.messages = messages;
    return messages;
  }

  /** The send box: no ack; the message shows once the broadcast comes back. */
  send(roomId: string, message: string): void {
    this.socket!.emit('message', {
      roomId,
      message,
      from: this.user!.id,
      date: Math.floor(Date.now() / 1000),
    });
  }

  /** Clicking a user: `POST /room {user1, user2}` opens the DM, which becomes a room of the page. */
  async clickUser(userId: string): Promise<string> {
    const res = await request(this.origin)
      .post('/room')
      .set('Cookie', this.cookie)
      .send({ user1: userId, user2: this.user!.id })
      .expect(201);
    const room = res.body as Room;
    this.addRoom(room.id, room.names);
    return room.id;
  }

  times(text: string): number {
    return this.appended.filter((m) => m.message === text).length;
  }

  close(): void {
    this.socket?.close();
    this.source?.close();
  }
}

describe('the Python demo client (socket.io-client 3 + EventSource /stream) through the API', () => {
  const suite = useStack({ gateways: 2, env: { SSE_KEEPALIVE_SECONDS: '1' } });
  const pages: DemoPage[] = [];
  const page = (cookie?: string) => {
    const p = new DemoPage(suite.stack.api.url, cookie);
    pages.push(p);
    return p;
  };
  afterAll(() => pages.forEach((p) => p.close()));

  const name = (prefix: string) => `${prefix}${Date.now().toString(36)}`;

  it('signs in, reads history, chats live both ways once, opens a DM, and reloads', async () => {
    const ana = page();
    await ana.load();
    expect(ana.user).toBeNull();
    await ana.logIn(name('ana'), 'password123');
    const ben = page();
    await ben.logIn(name('ben'), 'password123');
    expect(ana.rooms.get('0')).toMatchObject({ joined: true });

    // History of General, then live messages both ways, each shown exactly once.
    const fromAna = `hi from ana ${Date.now()}`;
    ana.send('0', fromAna);
    await waitFor(() => ben.times(fromAna) > 0 && ana.times(fromAna) > 0);
    const history = await ana.openRoom('0');
    expect(history.at(-1)).toMatchObject({ message: fromAna, from: ana.user!.id, roomId: '0' });
    const fromBen = `hi from ben ${Date.now()}`;
    ben.send('0', fromBen);
    await waitFor(() => ana.times(fromBen) > 0 && ben.times(fromBen) > 0);

    // A DM: ana clicks ben; ben hears of the room (show.room) and joins it.
    const dm = await ana.clickUser(ben.user!.id);
    expect(dm).toBe([ana.user!.id, ben.user!.id].sort((a, b) => +a - +b).join(':'));
    await waitFor(() => ben.rooms.get(dm)?.joined === true);
    const inDm = `just us ${Date.now()}`;
    ana.send(dm, inDm);
    await waitFor(() => ben.times(inDm) > 0 && ana.times(inDm) > 0);
    const reply = `indeed ${Date.now()}`;
    ben.send(dm, reply);
    await waitFor(() => ana.times(reply) > 0 && ben.times(reply) > 0);

    // Several keep-alive periods later, still nothing doubled.
    await sleep(2_500);
    for (const text of [fromAna, fromBen, inDm, reply]) {
      expect([ana.times(text), ben.times(text)]).toEqual([1, 1]);
    }
    expect(ana.infos.filter((i) => i === `user.connected ${ben.user!.username}`)).toHaveLength(1);

    // Reload: a new page with the same cookie: GET /me, a new socket and stream, history again.
    ana.close();
    const again = page(ana.cookie);
    await again.load();
    expect(again.user).toEqual(expect.objectContaining({ id: ana.user!.id }));
    expect(again.rooms.has(dm)).toBe(true);
    expect((await again.openRoom(dm)).map((m) => m.message)).toEqual([inDm, reply]);
    const afterReload = `back again ${Date.now()}`;
    ben.send(dm, afterReload);
    const answer = `welcome back ${Date.now()}`;
    again.send(dm, answer);
    await waitFor(() => [afterReload, answer].every((t) => again.times(t) > 0 && ben.times(t) > 0));
    await sleep(1_500);
    for (const text of [afterReload, answer]) {
      expect([again.times(text), ben.times(text)]).toEqual([1, 1]);
    }
  });

  it('answers /stream with an event stream of keep-alive comments for a session, 401 without', async () => {
    await request(suite.stack.api.url).get('/stream').expect(401);
    const ana = page();
    await ana.logIn(name('ana'), 'password123');
    const stream = await openSse(`${suite.stack.api.url}/stream`, { cookie: ana.cookie });
    try {
      expect(stream.status).toBe(200);
      expect(stream.res.headers['content-type']).toMatch(/^text\/event-stream/);
      ana.send('0', 'while the stream is open');
      await waitFor(() => ana.times('while the stream is open') === 1);
      await waitFor(() => stream.comments.filter((c) => c === 'keep-alive').length >= 2, 5_000);
      expect(stream.events).toEqual([]);
    } finally {
      stream.close();
    }
  });
});
