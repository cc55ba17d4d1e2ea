import type { Message } from '@app/contracts';
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { waitFor } from './support/api';
import { as, createRoom, nextEvent, send } from './support/rooms';
import { registerUser, type TestUser } from './support/stack';
import { useStack } from './support/suite';

const BOT = resolve(__dirname, '../examples/echo-bot/bot.mjs');

/** examples/echo-bot as a bot operator runs it: its own process, an API token, the README's env. */
describe('examples/echo-bot against a real stack', () => {
  const suite = useStack({ gateways: 1 });
  let alice: TestUser;
  let bot: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    alice = await registerUser(suite.stack.api.url, 'ebo');
  });
  afterAll(() => {
    bot?.kill('SIGKILL');
  });

  it('reads the room through its feed and answers in the room', async () => {
    const owner = await registerUser(suite.stack.api.url, 'ebot');
    const room = await createRoom(suite.stack.api.url, alice);
    await as(suite.stack.api.url, owner).post(`/api/rooms/${room.id}/join`).expect(200);
    const { token } = (
      await as(suite.stack.api.url, owner)
        .post('/api/tokens')
        .send({
          name: 'echo-bot',
          scopes: ['queues', 'messages:read', 'messages:write', 'rooms:read'],
        })
        .expect(201)
    ).body as { token: string };

    bot = spawn(process.execPath, [BOT], {
      env: {
        PATH: process.env.PATH,
        PARLEY_URL: suite.stack.api.url,
        PARLEY_TOKEN: token,
        PARLEY_ROOM: room.id,
        PARLEY_IDLE_MS: '100',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const started = new Promise<void>((done, fail) => {
      bot!.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('reads room')) done();
      });
      bot!.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      bot!.on('exit', (code) => fail(new Error(`bot exited with ${code}: ${output}`)));
    });
    await started;

    const socket = await suite.open(alice, 0);
    const echoed = nextEvent<Message>(
      socket,
      'message',
      (m) => m.roomId === room.id && m.from === owner.id,
      10_000,
    );
    expect((await send(socket, room.id, 'hello bot')).ok).toBe(true);
    expect((await echoed).message).toBe('echo: hello bot');

    // Its own answer came through the feed too: answered by nobody, acked, the queue is empty.
    const stats = async () =>
      (await as(suite.stack.api.url, { ...owner, token }).get('/mq/stats/echo-bot')).body as {
        len: number;
        leased: number;
        metrics: Record<string, number>;
      };
    await waitFor(async () => (await stats()).metrics.acked === 2);
    expect(await stats()).toMatchObject({ len: 0, leased: 0, metrics: { acked: 2 } });

    bot.removeAllListeners('exit');
    const stopped = new Promise<number | null>((done) => bot!.on('exit', done));
    bot.kill('SIGTERM');
    expect(await stopped).toBe(0);
  }, 30_000);
});
