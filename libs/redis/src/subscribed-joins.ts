import type { Adapter } from 'socket.io-adapter';

interface ShardedSubscriber {
  ssubscribe(...channels: string[]): Promise<unknown>;
}

/**
 * The sharded adapter subscribes to a room's channel when the room's first local socket joins it
 * (SSUBSCRIBE from its `create-room` listener) and drops the command's promise, so a socket that
 * joined its rooms cannot tell when it starts hearing them. This wraps the subscriber's public
 * `ssubscribe` to keep the replies still outstanding and makes `addAll` (what `socket.join`
 * returns) a promise of them: whichever join started a room's subscription, a later join of that
 * room waits for the same reply, and one connection answers in order. It settles on failure too
 * (the caller bounds the wait); `socket.join` callers that do not await it lose nothing.
 */
export function awaitableJoins<N, A extends Adapter>(
  factory: (nsp: N) => A,
  sub: ShardedSubscriber,
): (nsp: N) => A {
  const outstanding = new Set<Promise<unknown>>();
  const ssubscribe = sub.ssubscribe.bind(sub);
  sub.ssubscribe = (...channels: string[]) => {
    const reply = ssubscribe(...channels);
    outstanding.add(reply);
    const settle = () => outstanding.delete(reply);
    reply.then(settle, settle);
    return reply;
  };
  // Socket.IO calls the factory with `new`: a function, not an arrow.
  return function adapterWithAwaitableJoins(nsp: N): A {
    const adapter = factory(nsp);
    const addAll = adapter.addAll.bind(adapter);
    adapter.addAll = (id, rooms) => {
      void addAll(id, rooms);
      if (outstanding.size === 0) return;
      return Promise.allSettled([...outstanding]).then(() => undefined);
    };
    return adapter;
  };
}
