import type { SeqRead } from '@app/redis';
import { LRUCache } from 'lru-cache';

interface Copy<T> {
  /** The room's seq when it was read: every message and every change moves it. */
  seq: string;
  value: T;
}

interface Flight<T> {
  current: Promise<T>;
  /** Callers that came while `current` was on its way: they share the read after it. */
  queued: { resolve: (value: T) => void; reject: (err: unknown) => void }[];
}

export interface ReadCopiesOptions<T> {
  /** The bound on the copies' total size, in the units of `sizeOf`. */
  maxSize: number;
  sizeOf: (value: T) => number;
}

/**
 * Copies of room reads (history pages, sync answers) kept by key, each with the room seq it was
 * read at. Redis is still asked on every read, but only whether the seq moved; the answer is sent
 * (and decoded) again only when it did, so a copy is never stale after a change made through
 * another process.
 *
 * Identical reads at the same moment (every client of a busy room syncing from the same cursor
 * after a gateway restart) are coalesced: while one is on its way, later callers wait and then
 * share one read started after all of them arrived. They never take a read that started before
 * they asked, which could predate a message they must see.
 */
export class ReadCopies<T> {
  private readonly copies: LRUCache<string, Copy<T>>;
  private readonly flights = new Map<string, Flight<T>>();

  constructor(opts: ReadCopiesOptions<T>) {
    this.copies = new LRUCache<string, Copy<T>>({
      maxSize: opts.maxSize,
      sizeCalculation: (copy) => Math.max(1, opts.sizeOf(copy.value)),
    });
  }

  /**
   * The answer under `key`: `read` is given the seq of the copy held ('' for none) and answers
   * 'unchanged' or a fresh read, which `toValue` turns into the value kept and shared (so it
   * should be frozen).
   */
  read<R extends object>(
    key: string,
    read: (knownSeq: string) => Promise<SeqRead<R>>,
    toValue: (read: R) => T,
  ): Promise<T> {
    const flight = this.flights.get(key);
    if (flight) {
      return new Promise<T>((resolve, reject) => flight.queued.push({ resolve, reject }));
    }
    const started: Flight<T> = { current: this.readOnce(key, read, toValue), queued: [] };
    this.flights.set(key, started);
    this.land(key, started, read, toValue);
    return started.current;
  }

  private land<R extends object>(
    key: string,
    flight: Flight<T>,
    read: (knownSeq: string) => Promise<SeqRead<R>>,
    toValue: (read: R) => T,
  ): void {
    const next = () => {
      const waiting = flight.queued;
      if (waiting.length === 0) {
        this.flights.delete(key);
        return;
      }
      // Started in the same step that takes the waiters: whoever comes later waits for the next.
      flight.queued = [];
      flight.current = this.readOnce(key, read, toValue);
      flight.current.then(
        (value) => waiting.forEach((w) => w.resolve(value)),
        (err: unknown) => waiting.forEach((w) => w.reject(err)),
      );
      this.land(key, flight, read, toValue);
    };
    flight.current.then(next, next);
  }

  private async readOnce<R extends object>(
    key: string,
    read: (knownSeq: string) => Promise<SeqRead<R>>,
    toValue: (read: R) => T,
  ): Promise<T> {
    const copy = this.copies.get(key);
    const fresh = await read(copy?.seq ?? '');
    if (fresh === 'unchanged') {
      if (copy) return copy.value;
      throw new Error('ReadCopies: unchanged without a known seq');
    }
    const { seq, ...rest } = fresh;
    const value = toValue(rest as unknown as R);
    this.copies.set(key, { seq, value });
    return value;
  }
}
