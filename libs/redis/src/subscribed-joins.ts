import type { Adapter } from 'socket.io-adapter';

interface ShardedSubscriber {
  ssubscribe(...channels: string[]): Promise<unknown>;
}

const settled = (): void => undefined;

/**
 * The sharded adapter subscribes to a room's channel when the room's first local socket joins it
 * (SSUBSCRIBE from its `create-room` listener) and drops the command's promise, so a socket that
 * joined its rooms cannot tell when it starts hearing them. This wraps the subscriber's public
 * `ssubscribe` to catch that reply and files it under the room being created (a `create-room`
 * listener of ours, which runs right after the adapter's), and makes `addAll` (what
 * `socket.join` returns) a promise of the replies still due for the rooms it joins: whichever
 * join started a room's subscription, a later join of that room waits for the same reply, and
 * one connection answers in order. A join waits for its own rooms only: waiting for every
 * subscription in flight made a connect storm quadratic (each of 1,000 handshakes waited on up to
 * hundreds of replies). It settles on failure too (the caller bounds the wait); `socket.join`
 * callers that do not await it lose nothing. This leans on the adapter's internals (it subscribes
 * from a create-room listener, in the same step): the gateway's boot check
 * (assertJoinsAwaitSubscriptions) fails when joining a new room gives nothing to wait for, and
 * subscribed-joins.spec.ts pins what a join waits for.
 */
export function awaitableJoins<N, A extends Adapter>(
  factory: (nsp: N) => A,
  sub: ShardedSubscriber,
): (nsp: N) => A {
  // The reply of the SSUBSCRIBE just sent, until the create-room listener of ours files it.
  let lastReply: Promise<unknown> | null = null;
  const ssubscribe = sub.ssubscribe.bind(sub);
  sub.ssubscribe = (...channels: string[]) => {
    const reply = ssubscribe(...channels);
    lastReply = reply;
    return reply;
  };
  // Socket.IO calls the factory with `new`: a function, not an arrow.
  return function adapterWithAwaitableJoins(nsp: N): A {
    const adapter = factory(nsp);
    const pending = new Map<string, Promise<void>>();
    adapter.on('create-room', (room: string) => {
      const reply = lastReply;
      lastReply = null;
      if (!reply) return; // a room without a channel (local-rooms.ts)
      const filed = reply.then(settled, settled);
      pending.set(room, filed);
      void filed.then(() => {
        if (pending.get(room) === filed) pending.delete(room);
      });
    });
    const addAll = adapter.addAll.bind(adapter);
    adapter.addAll = (id, rooms) => {
      lastReply = null; // sent outside a join (the adapter's own channel at start): not a room's
      void addAll(id, rooms);
      let waits: Promise<void>[] | undefined;
      for (const room of rooms) {
        const reply = pending.get(room);
        if (reply) (waits ??= []).push(reply);
      }
      if (!waits) return;
      return waits.length === 1 ? waits[0] : Promise.all(waits).then(settled);
    };
    return adapter;
  };
}
