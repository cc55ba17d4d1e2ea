import type { Adapter } from 'socket.io-adapter';

/** The sharded adapter's own answer to "does this room get a channel of its own?". */
interface SeparateNamespaceAsker {
  shouldUseASeparateNamespace(room: string): boolean;
}

/**
 * Some rooms are only ever addressed on their own process: a session's sockets, which a
 * revocation (a server-side event every process hears) reaches with `io.local`. The sharded
 * adapter still gives every room a channel: SSUBSCRIBE when its first local socket joins, and
 * SUNSUBSCRIBE when its last one leaves, so each new session cost two Redis commands, a channel
 * on Redis and a reply the handshake waited for. The adapter decides that by asking its
 * `shouldUseASeparateNamespace(room)` (from its create-room and delete-room listeners, and when
 * it picks a broadcast's channel); this wraps that method so a local room answers no. A
 * broadcast to a local room from another process would then go on the main channel, which every
 * process hears: still delivered, only not sharded. A patch of the adapter's internals:
 * the factory throws at boot when the method is gone (local-rooms.spec.ts pins it).
 */
export function withLocalRooms<N, A extends Adapter>(
  factory: (nsp: N) => A,
  isLocal: (room: string) => boolean,
): (nsp: N) => A {
  // Socket.IO calls the factory with `new`: a function, not an arrow.
  return function adapterWithLocalRooms(nsp: N): A {
    const adapter = factory(nsp);
    const asker = adapter as unknown as Partial<SeparateNamespaceAsker>;
    if (typeof asker.shouldUseASeparateNamespace !== 'function') {
      throw new Error(
        '@socket.io/redis-adapter changed: the sharded adapter no longer asks shouldUseASeparateNamespace (see local-rooms.ts)',
      );
    }
    const separate = asker.shouldUseASeparateNamespace.bind(adapter);
    asker.shouldUseASeparateNamespace = (room: string) => !isLocal(room) && separate(room);
    return adapter;
  };
}
