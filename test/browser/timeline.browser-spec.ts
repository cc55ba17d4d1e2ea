// The web client's pure timeline logic (merge, gaps, sync cursors, text helpers), in Node.
import type { Message } from '../../apps/web/src/contracts';
import {
  codePoints,
  compareIds,
  dmPeer,
  firstGap,
  linkify,
  mergeMessages,
  syncCursor,
} from '../../apps/web/src/lib/timeline';

const msg = (seq: number, id = `1700000000${String(seq).padStart(3, '0')}-0`): Message => ({
  id,
  roomId: '0',
  from: '1',
  message: `m${seq}`,
  date: 1700000000 + seq,
  seq,
});

describe('web timeline', () => {
  it('compares stream ids numerically, part by part', () => {
    expect(compareIds('9-0', '10-0')).toBeLessThan(0);
    expect(compareIds('10-2', '10-10')).toBeLessThan(0);
    expect(compareIds('10-1', '10-1')).toBe(0);
  });

  it('merges without duplicates, in seq order, and keeps the array when nothing is new', () => {
    const a = [msg(1), msg(2), msg(4)];
    const merged = mergeMessages(a, [msg(3), msg(2), msg(5), msg(3)]);
    expect(merged.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(mergeMessages(merged, [msg(1), msg(5)])).toBe(merged);
    expect(mergeMessages([], [msg(2), msg(1)]).map((m) => m.seq)).toEqual([1, 2]);
    // An older page goes in front.
    expect(mergeMessages([msg(51), msg(52)], [msg(49), msg(50)]).map((m) => m.seq)).toEqual([
      49, 50, 51, 52,
    ]);
  });

  it('finds the first hole in the seq run and syncs from just before it', () => {
    expect(firstGap([msg(1), msg(2), msg(3)])).toBe(-1);
    expect(firstGap([msg(40), msg(42), msg(43), msg(45)])).toBe(0);
    expect(syncCursor([])).toBe('0');
    expect(syncCursor([msg(1), msg(2)])).toBe(msg(2).id);
    expect(syncCursor([msg(1), msg(2), msg(5), msg(6)])).toBe(msg(2).id);
  });

  it('counts code points, not UTF-16 units', () => {
    expect(codePoints('abc')).toBe(3);
    expect(codePoints('😀😀')).toBe(2);
    expect(codePoints('é')).toBe(1);
  });

  it('finds the peer of a DM', () => {
    expect(dmPeer('3:12', '3')).toBe('12');
    expect(dmPeer('3:12', '12')).toBe('3');
    expect(dmPeer('0', '3')).toBeNull();
  });

  it('links only http(s) URLs and keeps everything else as text', () => {
    expect(linkify('see https://example.com/a?b=1. ok')).toEqual([
      { text: 'see ' },
      { text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { text: '. ok' },
    ]);
    expect(linkify('javascript:alert(1) <img src=x onerror=alert(1)>')).toEqual([
      { text: 'javascript:alert(1) <img src=x onerror=alert(1)>' },
    ]);
    expect(linkify('')).toEqual([]);
  });
});
