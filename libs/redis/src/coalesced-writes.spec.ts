import type { Socket } from 'node:net';
import Redis from 'ioredis';
import { coalesceWrites } from './coalesced-writes';
import { testRedisUrl } from '../../../test/support/redis-url';

// Real Redis: the private server started by the jest global setup, database 13 (ours alone).
const DB = 13;

/** Counts the system-call-level writes (one per _write, one per _writev batch) of a socket. */
function countWrites(socket: Socket): { writes: number } {
  const counter = { writes: 0 };
  const s = socket as Socket & {
    _write: (...a: unknown[]) => void;
    _writev: (...a: unknown[]) => void;
  };
  const [write, writev] = [s._write, s._writev];
  s._write = function (...a) {
    counter.writes += 1;
    return write.apply(this, a);
  };
  s._writev = function (...a) {
    counter.writes += 1;
    return writev.apply(this, a);
  };
  return counter;
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

  async function fiftyCommandsInOneTurn(c: Redis): Promise<number> {
    await turn();
    const counter = countWrites(c.stream);
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        c.set(`cw:${i}`, String(i)).then(() => c.get(`cw:${i}`)),
      ),
    );
    expect(replies).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    return counter.writes;
  }

  it('sends the commands of one turn in one write, in order, replies intact', async () => {
    // Plain ioredis: one write per command (50 SETs, then 50 GETs as their replies arrive).
    expect(await fiftyCommandsInOneTurn(await client(false))).toBeGreaterThanOrEqual(50);
    // Coalesced: the SETs go in one write and the GETs, issued as the replies come in, in few.
    expect(await fiftyCommandsInOneTurn(await client(true))).toBeLessThanOrEqual(10);
  });

  it('keeps coalescing on the new socket after a reconnect', async () => {
    const c = await client(true);
    const before = c.stream;
    c.disconnect(true);
    await new Promise((r) => c.once('ready', r));
    expect(c.stream).not.toBe(before);
    expect(await fiftyCommandsInOneTurn(c)).toBeLessThanOrEqual(10);
  });

  it('a lone command from a timer or a promise goes out without waiting for another', async () => {
    const c = await client(true);
    await new Promise((r) => setTimeout(r, 5));
    expect(await c.ping()).toBe('PONG');
    await Promise.resolve();
    expect(await c.echo('x')).toBe('x');
  });
});
