import { createShardedAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { Server } from 'socket.io';
import type { Adapter } from 'socket.io-adapter';
import { testRedisUrl } from '../../../test/support/redis-url';
import { withLocalRooms } from './local-rooms';
import { awaitableJoins } from './subscribed-joins';

/**
 * Pins awaitableJoins against the installed @socket.io/redis-adapter, on the private test Redis,
 * composed as io-adapter.ts composes it: what `socket.join` waits for. The subscriber's replies
 * for chosen channels are held back, so "not yet" is a fact of the test, not a race.
 */
describe('awaitableJoins (real sharded adapter, real Redis)', () => {
  let pub: Redis;
  let sub: Redis;
  let io: Server;
  let adapter: Adapter;
  const prefix = `joins-${process.pid}`;
  const channelOf = (room: string) => `socket.io#/#${room}#`;
  const held = new Map<string, Promise<void>>();

  /** Holds the SSUBSCRIBE reply for `room`'s channel back until the returned function is called. */
  const hold = (room: string): (() => void) => {
    let release!: () => void;
    held.set(channelOf(room), new Promise<void>((r) => (release = r)));
    return release;
  };
  const channels = async () =>
    (await pub.call('PUBSUB', 'SHARDCHANNELS', `socket.io#/#${prefix}*`)) as string[];
  const track = (join: Promise<void> | void) => {
    const state = { settled: false };
    void Promise.resolve(join).then(() => (state.settled = true));
    return state;
  };

  beforeAll(async () => {
    pub = new Redis(testRedisUrl());
    sub = pub.duplicate();
    const real = sub.ssubscribe.bind(sub) as (...channels: string[]) => Promise<unknown>;
    const gated = async (...chs: string[]) => {
      const reply = await real(...chs);
      await held.get(chs[0]);
      return reply;
    };
    Object.assign(sub, { ssubscribe: gated });
    io = new Server();
    const local = (room: string) => room.startsWith(`${prefix}:session:`);
    const sharded = createShardedAdapter(pub, sub, { subscriptionMode: 'dynamic' });
    io.adapter(awaitableJoins(withLocalRooms(sharded, local), sub));
    adapter = io.of('/').adapter;
  });
  afterAll(async () => {
    await adapter.close();
    await Promise.all([pub.quit(), sub.quit()]);
  });

  it('a join settles once its new room is subscribed on Redis, and so does a second join of it', async () => {
    const room = `${prefix}:room:a`;
    const release = hold(room);
    const first = track(adapter.addAll('s1', new Set([room])));
    const second = track(adapter.addAll('s2', new Set([room])));
    while (!(await channels()).includes(channelOf(room))) await pub.ping();
    // Redis has the channel, but the reply is held: neither join is told yet.
    await pub.ping();
    expect([first.settled, second.settled]).toEqual([false, false]);
    release();
    await adapter.addAll('s3', new Set([room])); // the room is subscribed: nothing to wait for
    while (!(first.settled && second.settled)) await pub.ping();
  });

  it("a join does not wait for another room's subscription still in flight", async () => {
    const [slow, other] = [`${prefix}:room:slow`, `${prefix}:room:other`];
    const release = hold(slow);
    const slowJoin = track(adapter.addAll('s4', new Set([slow])));
    await adapter.addAll('s5', new Set([other])); // before: waited for `slow` too, and hung here
    expect(slowJoin.settled).toBe(false);
    expect(await channels()).toEqual(expect.arrayContaining([channelOf(other)]));
    release();
    while (!slowJoin.settled) await pub.ping();
  });

  it('a join of rooms that need no subscription returns nothing to wait for', () => {
    expect(adapter.addAll('s6', new Set([`${prefix}:session:x`]))).toBeUndefined();
  });
});
