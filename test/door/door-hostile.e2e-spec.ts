import { randomBytes } from 'node:crypto';
import { DoorStack, doorLogin, freshName, LineClient, startDoorStack } from './door-support';

const IDLE_SECONDS = 2;
const PER_IP = 5;
const EVENTS_PER_SECOND = 10;

/** What a line door must survive: docs/line-door.md "Limits". */
describe('line door under hostile input', () => {
  let stack: DoorStack;
  const clients: LineClient[] = [];

  beforeAll(async () => {
    stack = await startDoorStack({
      gateways: 1,
      doors: 1,
      env: {
        DOOR_IDLE_SECONDS: String(IDLE_SECONDS),
        DOOR_CONNECTIONS_PER_IP: String(PER_IP),
        LIMIT_EVENTS_PER_SECOND: String(EVENTS_PER_SECOND),
        LIMIT_CONNECTIONS_PER_USER: '2',
        LIMIT_MESSAGES_PER_MINUTE: '5',
      },
    });
  }, 60_000);

  afterEach(async () => {
    clients.splice(0).forEach((c) => c.destroy());
    // The door frees an address's slots when it sees the close: wait until it admits again.
    await waitAdmitted();
  });

  afterAll(async () => {
    await stack?.close();
  });

  const port = () => stack.doors[0].port;

  async function connect(): Promise<LineClient> {
    const client = await LineClient.connect(port());
    clients.push(client);
    return client;
  }

  async function login(name = freshName('h')): Promise<LineClient> {
    const client = await doorLogin(port(), name);
    clients.push(client);
    return client;
  }

  async function waitAdmitted(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = await LineClient.connect(port()).catch(() => null);
      probe?.destroy();
      if (probe) return;
      if (Date.now() > deadline) throw new Error('the door does not admit connections again');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * The door still answers: PING until an OK PONG comes (the connection's budget may be spent,
   * and answers to earlier lines may still be on their way). Returns every reply it read.
   */
  async function answersPing(client: LineClient): Promise<string[]> {
    expect(stack.doors[0].child?.exitCode).toBeNull();
    const deadline = Date.now() + 15_000;
    for (;;) {
      client.send('PING');
      const ponged = await client
        .until(() => client.replies.includes('OK PONG'), 1_000, 'PONG')
        .then(() => true)
        .catch(() => false);
      if (ponged) return client.replies.splice(0);
      if (Date.now() > deadline) throw new Error('no PONG within 15 s');
    }
  }

  it(`refuses connection ${PER_IP + 1} from one address with ERR too_many_connections`, async () => {
    for (let i = 0; i < PER_IP; i += 1) await connect();
    const refused = await import('node:net').then(({ connect: dial }) => dial(port(), '127.0.0.1'));
    const text = await new Promise<string>((done) => {
      let got = '';
      refused.setEncoding('utf8');
      refused.on('data', (c: string) => (got += c));
      refused.on('close', () => done(got));
      refused.on('error', () => undefined);
    });
    expect(text).toMatch(/^ERR too_many_connections /);
  });

  it('refuses a third connection of one user (LIMIT_CONNECTIONS_PER_USER=2, sockets and door alike)', async () => {
    const name = freshName('cap');
    await login(name);
    await login(name);
    const third = await connect();
    expect(await third.ask(`NICK ${name} password123`)).toMatch(/^ERR too_many_connections /);
    expect(await third.ask('PING')).toBe('OK PONG');
  });

  it('drops a line over 4,096 bytes (however long, newline or not) and keeps the connection', async () => {
    const c = await connect();
    expect(await c.ask(`PING${' '.repeat(4096 - 4)}`)).toBe('OK PONG');
    expect(await c.ask(`PING${' '.repeat(4097 - 4)}`)).toMatch(/^ERR line_too_long /);
    c.send(Buffer.alloc(1024 * 1024, 'x'.charCodeAt(0)));
    expect(await c.reply()).toMatch(/^ERR line_too_long /);
    c.send(Buffer.alloc(1024 * 1024, 'y'.charCodeAt(0)));
    expect(await c.ask('\nPING')).toBe('OK PONG');
    expect(c.replies).toEqual([]);
  });

  it('refuses invalid UTF-8 with ERR bad_encoding and strips control characters', async () => {
    const c = await connect();
    for (const bytes of [
      [0xc3, 0x28],
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xff, 0xfe],
    ]) {
      c.send(Buffer.from([...bytes, 0x0a]));
      expect(await c.reply()).toBe('ERR bad_encoding lines must be UTF-8');
    }
    expect(await c.ask('PI\u0000N\u0007G\u001b\r')).toBe('OK PONG');
    expect(await c.ask('p\u00e9ng')).toMatch(/^ERR unknown_command P\u00c9NG /);
  });

  it('answers a flood with ERR rate_limited beyond the per-connection budget, and the per-user message limit too', async () => {
    const c = await login();
    c.send('PING\n'.repeat(200));
    await c.until(() => c.replies.length >= 200, 15_000, '200 answers');
    const answers = c.replies.splice(0);
    const pongs = answers.filter((l) => l === 'OK PONG').length;
    // The burst is twice the rate; NICK took one.
    expect(pongs).toBeGreaterThanOrEqual(EVENTS_PER_SECOND * 2 - 1);
    expect(pongs).toBeLessThan(100);
    expect(answers.filter((l) => l.startsWith('ERR rate_limited ')).length).toBe(200 - pongs);
    await answersPing(c);

    // A fresh connection (a full per-connection budget): only the per-user limit may refuse.
    const sender = await login();
    const peer = freshName('peer');
    await login(peer);
    const sent: string[] = [];
    for (let i = 0; i < 6; i += 1) sent.push(await sender.ask(`MSG ${peer} number ${i}`));
    expect(sent.slice(0, 5)).toEqual(['OK MSG 1', 'OK MSG 2', 'OK MSG 3', 'OK MSG 4', 'OK MSG 5']);
    expect(sent[5]).toMatch(/^ERR rate_limited Message rate limit reached; retry in \d+ ms$/);
  });

  it('2,000 lines of random bytes leave the door answering PING', async () => {
    const c = await connect();
    const lines = Array.from({ length: 2000 }, () => {
      const bytes = randomBytes(1 + Math.floor(Math.random() * 300));
      return Buffer.from(bytes.filter((b) => b !== 0x0a));
    });
    c.send(Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
    // Every line is answered with an error (or dropped as empty); then the connection still works.
    const answers = await answersPing(c);
    expect(answers.length).toBeGreaterThan(1000);
    const codes = new Set(answers.filter((l) => l !== 'OK PONG').map((l) => l.split(' ')[1]));
    for (const code of codes)
      expect([
        'bad_encoding',
        'unknown_command',
        'rate_limited',
        'unauthorized',
        'bad_request',
      ]).toContain(code);
    const other = await connect();
    expect(await other.ask('PING')).toBe('OK PONG');
    expect(stack.doors[0].child?.exitCode).toBeNull();
  });

  it(`closes a connection that sends no complete line for DOOR_IDLE_SECONDS (${IDLE_SECONDS} s), dribbled bytes or not`, async () => {
    const quiet = await connect();
    const dribbler = await connect();
    const opened = Date.now();
    const dribble = setInterval(() => dribbler.socket.write('P'), 200);
    try {
      await Promise.all([quiet.waitClosed(8_000), dribbler.waitClosed(8_000)]);
    } finally {
      clearInterval(dribble);
    }
    for (const c of [quiet, dribbler]) {
      expect(c.replies).toEqual([`ERR idle No complete line for ${IDLE_SECONDS} s; bye`]);
      const after = (c.closedAt as number) - opened;
      expect(after).toBeGreaterThanOrEqual(IDLE_SECONDS * 1000 - 100);
      expect(after).toBeLessThan(IDLE_SECONDS * 1000 + 3_000);
    }
  });

  it('stops reading a client that does not read its answers, and keeps serving others', async () => {
    const greedy = await connect();
    greedy.socket.pause();
    const chunk = Buffer.from('HELP\n'.repeat(100_000));
    for (let i = 0; i < 16; i += 1) greedy.socket.write(chunk);
    // The door's answers fill the buffers towards the client and it stops reading: what the
    // client wrote stays queued on its side, and no longer shrinks.
    let before = -1;
    const deadline = Date.now() + 20_000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 1_000));
      const now = greedy.socket.writableLength;
      if (now > 0 && now === before) break;
      if (Date.now() > deadline) throw new Error(`the door keeps reading (${now} bytes left)`);
      before = now;
    }
    const other = await connect();
    expect(await other.ask('PING')).toBe('OK PONG');
    expect(stack.doors[0].child?.exitCode).toBeNull();
  });
});
