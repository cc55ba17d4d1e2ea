import type { Socket } from 'socket.io-client';
import type { Message, TalkEvent, User } from '@app/contracts';
import request from 'supertest';
import { collect, connectSocket, fetchHistory, registerUser, TestUser } from '../support/stack';
import { DoorStack, doorLogin, freshName, LineClient, startDoorStack } from './door-support';

/** docs/line-door.md: a revoked session's door connections are closed within 1 s. */
const REVOCATION_BOUND_MS = 1_000;

describe('line door: verbs, and users on two doors, two gateways and sockets talking', () => {
  let stack: DoorStack;
  const clients: LineClient[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    stack = await startDoorStack({ gateways: 2, doors: 2 });
  }, 60_000);

  afterAll(async () => {
    clients.forEach((c) => c.destroy());
    sockets.forEach((s) => s.disconnect());
    await stack?.close();
  });

  const port = (door: number) => stack.doors[door].port;

  async function connect(door: number): Promise<LineClient> {
    const client = await LineClient.connect(port(door));
    clients.push(client);
    return client;
  }

  async function login(door: number, name: string): Promise<LineClient> {
    const client = await doorLogin(port(door), name);
    clients.push(client);
    return client;
  }

  async function socketOf(user: TestUser, gateway: number): Promise<Socket> {
    const socket = await connectSocket(stack.gateways[gateway].url, user.token);
    sockets.push(socket);
    return socket;
  }

  it('greets; HELP, PING and QUIT before login; other verbs need a login; unknown verbs are named', async () => {
    const c = await connect(0);
    const help = await c.command('help');
    expect(help.at(-1)).toBe('OK HELP');
    expect(help.length).toBeGreaterThan(8);
    expect(help.slice(0, -1).every((l) => l.startsWith('HELP '))).toBe(true);
    for (const verb of ['NICK', 'TOKEN', 'WHO', 'TALKTO', 'MSG', 'STOP', 'HISTORY', 'PING', 'QUIT'])
      expect(help.some((l) => l.startsWith(`HELP ${verb}`))).toBe(true);
    expect(await c.ask('PING')).toBe('OK PONG');
    expect(await c.ask('Ping')).toBe('OK PONG');
    expect(await c.ask('WHO')).toMatch(/^ERR unauthorized /);
    expect(await c.ask('MSG someone hi')).toMatch(/^ERR unauthorized /);
    expect(await c.ask('FROB x')).toMatch(/^ERR unknown_command FROB /);
    expect(await c.ask('NICK onlyname')).toMatch(/^ERR bad_request /);
    expect(await c.ask('QUIT')).toBe('OK QUIT');
    await c.waitClosed();
  });

  it('NICK signs an unknown name up, logs a known one in, and refuses a wrong password', async () => {
    const name = freshName('nick');
    const first = await login(0, name);
    expect(await first.ask(`NICK ${name} password123`)).toMatch(/^ERR bad_request Already/);
    const again = await login(1, name);
    expect(await again.ask('PING')).toBe('OK PONG');
    const wrong = await connect(1);
    expect(await wrong.ask(`NICK ${name} wrongpassword`)).toMatch(/^ERR unauthorized /);
    expect(await wrong.ask('WHO')).toMatch(/^ERR unauthorized /);
    const weak = await connect(0);
    expect(await weak.ask(`NICK ${freshName('weak')} 12345678`)).toMatch(/^ERR bad_request /);
  });

  it('a door user and a Socket.IO user on other processes: presence, TALKTO/STOP events, messages both ways with escaping, history with seq', async () => {
    const sam = await registerUser(stack.api.url, 'sam');
    const samSocket = await socketOf(sam, 1);
    const connected = collect<User>(samSocket, 'user.connected');
    const messages = collect<Message>(samSocket, 'message');
    const starts = collect<TalkEvent>(samSocket, 'talk.start');
    const stops = collect<TalkEvent>(samSocket, 'talk.stop');

    const aliceName = freshName('alice');
    const alice = await login(0, aliceName);
    await waitUntil(() => connected.some((u) => u.username === aliceName), 'user.connected');

    const who = await alice.command('WHO');
    expect(who).toContain(`WHO ${sam.username} online`);
    expect(who).toContain(`WHO ${aliceName} online`);
    expect(who.at(-1)).toBe(`OK WHO ${who.length - 1}`);

    expect(await alice.ask(`TALKTO ${sam.username}`)).toBe(`OK TALKTO ${sam.username}`);
    await waitUntil(() => starts.length === 1, 'talk.start');
    const aliceId = starts[0].user.id;
    const roomId = starts[0].roomId;
    expect(starts[0].user.username).toBe(aliceName);
    expect(roomId.split(':').sort()).toEqual([aliceId, sam.id].sort());

    // Door → socket: \n and \\ on the line are a newline and a backslash in the message.
    expect(await alice.ask(`MSG ${sam.username} first line\\nsecond \\\\ end`)).toBe('OK MSG 1');
    await waitUntil(() => messages.length === 1, 'message');
    expect(messages[0]).toMatchObject({
      roomId,
      from: aliceId,
      message: 'first line\nsecond \\ end',
      seq: 1,
    });

    // Socket → door: newlines, backslashes and control characters arrive escaped on one line.
    const ack = await samSocket.emitWithAck('message', {
      roomId,
      message: 'back\nat you \\o/ \u001b[31mred',
    });
    expect(ack).toMatchObject({ ok: true, message: { seq: 2 } });
    expect(await alice.liveLine(/^MSG /)).toBe(
      `MSG ${sam.username} back\\nat you \\\\o/ \\x1b[31mred`,
    );

    const history = await alice.command(`HISTORY ${sam.username}`);
    expect(history).toHaveLength(3);
    expect(history[0]).toMatch(
      new RegExp(
        `^HIST 1 ${aliceName} \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ first line\\\\nsecond \\\\\\\\ end$`,
      ),
    );
    expect(history[1]).toMatch(new RegExp(`^HIST 2 ${sam.username} \\S+ back\\\\nat you`));
    expect(history[2]).toBe('OK HISTORY 2');
    expect(await alice.command(`HISTORY ${sam.username} 1`)).toEqual([history[1], 'OK HISTORY 1']);

    const stored = await fetchHistory(stack.api.url, sam.token, roomId);
    expect(stored.map((m) => [m.seq, m.from, m.message])).toEqual([
      [1, aliceId, 'first line\nsecond \\ end'],
      [2, sam.id, 'back\nat you \\o/ \u001b[31mred'],
    ]);

    expect(await alice.ask(`STOP ${sam.username}`)).toBe(`OK STOP ${sam.username}`);
    await waitUntil(() => stops.length === 1, 'talk.stop');
    expect(stops[0]).toMatchObject({ roomId, user: { id: aliceId, username: aliceName } });
    // The socket user is not told about its own sockets' conversations twice.
    expect(starts).toHaveLength(1);
  });

  it('two door processes reach each other; STOP holds live lines until a TALKTO; a third user sees nothing', async () => {
    const [an, bn, cn] = ['ann', 'ben', 'cid'].map(freshName);
    const ann = await login(0, an);
    const annElsewhere = await login(1, an);
    const ben = await login(1, bn);
    const cid = await login(0, cn);

    expect(await ann.ask(`TALKTO ${bn}`)).toBe(`OK TALKTO ${bn}`);
    expect(await ben.liveLine(`start ${an}`)).toBe(`start ${an}`);
    expect(await ann.ask(`MSG ${bn} hello from door one`)).toBe('OK MSG 1');
    await ben.liveLine(`MSG ${an} hello from door one`);
    // The sender's other connection sees it too; the sending connection only its OK.
    await annElsewhere.liveLine(`MSG ${an} hello from door one`);
    expect(await ben.ask(`msg ${an} and back from door two`)).toBe('OK MSG 2');
    await ann.liveLine(`MSG ${bn} and back from door two`);
    await annElsewhere.liveLine(`MSG ${bn} and back from door two`);

    expect(await ann.ask(`STOP ${bn}`)).toBe(`OK STOP ${bn}`);
    await ben.liveLine(`stop ${an}`);
    expect(await ben.ask(`MSG ${an} said while stopped`)).toBe('OK MSG 3');
    expect(await ben.ask(`TALKTO ${an}`)).toBe(`OK TALKTO ${an}`);
    await ann.liveLine(`start ${bn}`);
    expect(await ben.ask(`MSG ${an} after the talkto`)).toBe('OK MSG 4');
    await ann.liveLine(`MSG ${bn} after the talkto`);
    await annElsewhere.liveLine(`MSG ${bn} after the talkto`);
    // Same room channel, so the held one came (and was dropped) before the later one.
    expect(ann.live.filter((l) => l.includes('said while stopped'))).toEqual([]);
    expect(annElsewhere.live.filter((l) => l.includes('said while stopped'))).toEqual([]);
    expect(ann.live.filter((l) => l.startsWith('MSG ')).length).toBe(2);
    const history = await ann.command(`HISTORY ${bn}`);
    expect(history.map((l) => l.split(' ')[1])).toEqual(['1', '2', '3', '4', 'HISTORY']);
    expect(history[2]).toMatch(/ said while stopped$/);

    // Privacy: the third user heard nothing and has no conversation with either.
    expect(await cid.ask('PING')).toBe('OK PONG');
    expect(cid.live).toEqual([]);
    expect(await cid.command(`HISTORY ${an}`)).toEqual(['OK HISTORY 0']);

    const who = await cid.command('WHO');
    for (const name of [an, bn, cn]) expect(who).toContain(`WHO ${name} online`);
  });

  it('refuses talking to yourself or to nobody, and bad text', async () => {
    const name = freshName('solo');
    const solo = await login(0, name);
    expect(await solo.ask(`TALKTO ${name}`)).toMatch(/^ERR bad_request /);
    expect(await solo.ask(`MSG ${freshName('ghost')} hi`)).toMatch(/^ERR not_found /);
    expect(await solo.ask(`HISTORY ${name} 500`)).toMatch(/^ERR bad_request /);
    expect(await solo.ask('MSG')).toMatch(/^ERR bad_request Usage/);
    expect(await solo.ask(`MSG ${name}`)).toMatch(/^ERR bad_request Usage/);
  });

  it('closes a TOKEN login within 1 s of its logout, and a NICK login within 1 s of a password change', async () => {
    const rita = await registerUser(stack.api.url, 'rita');
    const byToken = await connect(1);
    expect(await byToken.ask(`TOKEN ${rita.token}`)).toBe(`OK NICK ${rita.username}`);
    let since = Date.now();
    await request(stack.api.url)
      .post('/api/auth/logout')
      .set('Authorization', `Bearer ${rita.token}`)
      .expect(204);
    await byToken.waitClosed(REVOCATION_BOUND_MS + 2_000);
    expect(byToken.replies).toEqual(['ERR session_revoked Your session ended; log in again']);
    expect((byToken.closedAt as number) - since).toBeLessThanOrEqual(REVOCATION_BOUND_MS);

    const pat = await registerUser(stack.api.url, 'pat');
    const byPassword = await doorLogin(port(0), pat.username);
    clients.push(byPassword);
    since = Date.now();
    await request(stack.api.url)
      .post('/api/auth/password')
      .set('Authorization', `Bearer ${pat.token}`)
      .send({ currentPassword: 'password123', newPassword: 'another-password-42' })
      .expect(200);
    await byPassword.waitClosed(REVOCATION_BOUND_MS + 2_000);
    expect(byPassword.replies).toEqual(['ERR session_revoked Your session ended; log in again']);
    expect((byPassword.closedAt as number) - since).toBeLessThanOrEqual(REVOCATION_BOUND_MS);

    const stale = await connect(0);
    expect(await stale.ask(`TOKEN ${rita.token}`)).toMatch(/^ERR unauthorized /);
  });
});

async function waitUntil(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
