import type { SeqRead } from '@app/redis';
import { ReadCopies } from './read-copies';

/** A stand-in store: each read is answered when the test says, tagged with its start order. */
class Store {
  seq = '1';
  readonly started: { knownSeq: string; answer: () => void; fail: (err: Error) => void }[] = [];

  read = (knownSeq: string): Promise<SeqRead<{ value: string }>> =>
    new Promise((resolve, reject) => {
      const n = this.started.length + 1;
      const seq = this.seq;
      this.started.push({
        knownSeq,
        answer: () => resolve(knownSeq === seq ? 'unchanged' : { value: `read ${n}`, seq }),
        fail: reject,
      });
    });

  /** Resolves once `count` reads have started. */
  async startedCount(count: number): Promise<void> {
    while (this.started.length < count) await new Promise((r) => setImmediate(r));
  }
}

describe('ReadCopies', () => {
  const make = () => new ReadCopies<string>({ maxSize: 100, sizeOf: () => 1 });
  const toValue = (r: { value: string }) => r.value;

  it('keeps a copy and asks the store only whether the seq moved', async () => {
    const copies = make();
    const store = new Store();
    const first = copies.read('k', store.read, toValue);
    store.started[0].answer();
    expect(await first).toBe('read 1');

    const second = copies.read('k', store.read, toValue);
    await store.startedCount(2);
    expect(store.started[1].knownSeq).toBe('1');
    store.started[1].answer();
    expect(await second).toBe('read 1');

    store.seq = '2';
    const third = copies.read('k', store.read, toValue);
    await store.startedCount(3);
    store.started[2].answer();
    expect(await third).toBe('read 3');
  });

  it('callers during a read share one read started after them, never the one before them', async () => {
    const copies = make();
    const store = new Store();
    const early = copies.read('k', store.read, toValue);
    // Two callers arrive while read 1 is on its way; a message lands meanwhile (seq 2).
    const late = [copies.read('k', store.read, toValue), copies.read('k', store.read, toValue)];
    store.seq = '2';
    await store.startedCount(1);
    expect(store.started).toHaveLength(1);
    store.started[0].answer();
    expect(await early).toBe('read 1');
    await store.startedCount(2);
    expect(store.started).toHaveLength(2);
    // A caller that comes while read 2 runs waits for a third.
    const later = copies.read('k', store.read, toValue);
    store.started[1].answer();
    expect(await Promise.all(late)).toEqual(['read 2', 'read 2']);
    await store.startedCount(3);
    store.started[2].answer();
    expect(await later).toBe('read 2'); // unchanged since read 2: the copy
    expect(store.started).toHaveLength(3);
  });

  it('a failed read fails its callers only; the next callers read again', async () => {
    const copies = make();
    const store = new Store();
    const first = copies.read('k', store.read, toValue);
    const waiting = copies.read('k', store.read, toValue);
    store.started[0].fail(new Error('redis down'));
    await expect(first).rejects.toThrow('redis down');
    await store.startedCount(2);
    store.started[1].fail(new Error('still down'));
    await expect(waiting).rejects.toThrow('still down');
    const after = copies.read('k', store.read, toValue);
    await store.startedCount(3);
    store.started[2].answer();
    expect(await after).toBe('read 3');
  });

  it('different keys never share a read', async () => {
    const copies = make();
    const store = new Store();
    const a = copies.read('a', store.read, toValue);
    const b = copies.read('b', store.read, toValue);
    await store.startedCount(2);
    store.started.forEach((s) => s.answer());
    expect([await a, await b]).toEqual(['read 1', 'read 2']);
  });
});
