import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import Redis from 'ioredis';
import { coalesceWrites } from './coalesced-writes';
import { testRedisUrl } from '../../../test/support/redis-url';

// Real Redis: the private server started by the jest global setup, database 13 (ours alone).
const DB = 13;

/**
 * Watches a socket's writes and corks. How many system calls a batch becomes is up to the kernel
 * and the socket's buffer, so the spec counts what coalescing controls: commands written while
 * corked, and the batches an uncork releases.
 */
function watchBatches(socket: Socket): { writes: number; uncorked: number; batches: number } {
  const seen = { writes: 0, uncorked: 0, batches: 0 };
  let held = 0;
  const [write, uncork] = [socket.write, socket.uncork];
  socket.write = function (this: Socket, ...a: Parameters<Socket['write']>) {
    const result = write.apply(this, a);
    seen.writes += 1;
    if (socket.writableCorked === 0) seen.uncorked += 1;
    else held += 1;
    return result;
  } as Socket['write'];
  socket.uncork = function (this: Socket) {
    uncork.call(this);
    if (socket.writableCorked === 0 && held > 0) {
      seen.batches += 1;
      held = 0;
    }
  };
  return seen;
}

const turn = () => new Promise((r) => setImmediate(r));

describe('coalesceWrites (real Redis)', () => {
  const clients: Redis[] = [];
  const client = async (coalesced: boolean) => {
    const c = new Redis(testRedisUrl(DB), { lazyConnect: true });
    clients.push(c);
    if (coalesced) coalesceWrites(c);
    await c.connect();
    return c;
  };
  afterAll(() => Promise.all(clients.map((c) => c.quit())));

  async function fiftyCommandsInOneTurn(c: Redis) {
    await turn();
    const seen = watchBatches(c.stream);
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        c.set(`cw:${i}`, String(i)).then(() => c.get(`cw:${i}`)),
      ),
    );
    expect(replies).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    await turn(); // the last batch's uncork
    return seen;
  }

  it('sends the commands of one turn in one batch, in order, replies intact', async () => {
    // Plain ioredis: every command goes to the socket on its own (50 SETs, then 50 GETs).
    expect(await fiftyCommandsInOneTurn(await client(false))).toEqual({
      writes: 100,
      uncorked: 100,
      batches: 0,
    });
    // Coalesced: all held; the SETs leave in one batch, the GETs (issued as replies come in) in few.
    const seen = await fiftyCommandsInOneTurn(await client(true));
    expect(seen).toMatchObject({ writes: 100, uncorked: 0 });
    expect(seen.batches).toBeGreaterThanOrEqual(2);
    expect(seen.batches).toBeLessThanOrEqual(10);
  });

  it('keeps coalescing on the new socket after a reconnect', async () => {
    const c = await client(true);
    const before = c.stream;
    c.disconnect(true);
    await new Promise((r) => c.once('ready', r));
    expect(c.stream).not.toBe(before);
    expect(await fiftyCommandsInOneTurn(c)).toMatchObject({ writes: 100, uncorked: 0 });
  });

  it('a lone command from a timer or a promise goes out without waiting for another', async () => {
    const c = await client(true);
    await new Promise((r) => setTimeout(r, 5));
    expect(await c.ping()).toBe('PONG');
    await Promise.resolve();
    expect(await c.echo('x')).toBe('x');
  });

  it('fails loudly at connect when ioredis no longer exposes the socket as client.stream', () => {
    const fake = Object.assign(new EventEmitter(), { stream: { write: () => true } });
    coalesceWrites(fake as unknown as Redis);
    expect(() => fake.emit('connect')).toThrow(/ioredis internals changed/);
  });
});
