import { useSyncExternalStore } from 'react';

/** How often relative times ("last seen 5 minutes ago", "Yesterday") are brought up to date. */
export const TICK_MS = 15_000;

const listeners = new Set<() => void>();
let now = Date.now();
let timer: ReturnType<typeof setInterval> | undefined;

/**
 * One clock for the whole page: a single interval, running only while something on screen shows
 * a relative time, instead of a timer per row.
 */
function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (!timer) {
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      for (const l of listeners) l();
    }, TICK_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

const snapshot = () => now;

/** The time (ms) as of the clock's last tick; the component renders again on every tick. */
export function useNow(): number {
  return useSyncExternalStore(subscribe, snapshot);
}
