import type { Writable } from 'node:stream';

/**
 * The streams written this event-loop turn, corked until the turn's check phase, all released by
 * one setImmediate: what a turn writes to one stream reaches the kernel as one writev. No timer:
 * an idle loop's turn holds one event and flushes at once; only a busy turn batches. Used for
 * Redis connections (coalesced-writes.ts) and for the gateway's WebSocket sockets.
 */
const corked = new Set<Writable>();

function uncorkAll(): void {
  for (const stream of corked) stream.uncork();
  corked.clear();
}

/** Corks `stream` for the rest of this turn (once per turn, however often it is called). */
export function corkForTurn(stream: Writable): void {
  if (corked.has(stream)) return;
  if (corked.size === 0) setImmediate(uncorkAll);
  corked.add(stream);
  stream.cork();
}
