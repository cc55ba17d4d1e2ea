// The web client's pure timeline logic (merge, unread counts, text helpers), in Node; the seq
// order, gaps and sync are the SDK's (libs/client, test/client-sdk.e2e-spec.ts).
import type { Message } from '../../apps/web/src/contracts';
import {
  codePoints,
  compareIds,
  countUnread,
  dmPeer,
  linkify,
  mergeMessages,
  replaceMessage,
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

  it('replaces a message by id in its current state, keeping the array when nothing changed', () => {
    const list = [msg(1), msg(2)];
    const edited = { ...msg(2), message: 'new', editedAt: 1700000100 };
    const next = replaceMessage(list, edited);
    expect(next[1]).toEqual(edited);
    expect(next[0]).toBe(list[0]);
    expect(replaceMessage(next, { ...edited })).toBe(next);
    expect(replaceMessage(list, msg(9))).toBe(list);
  });

  it('counts others’ messages after the read marker', () => {
    const list = [msg(1), { ...msg(2), from: '7' }, msg(3), { ...msg(4), from: '7' }];
    expect(countUnread(list, 1, '7')).toBe(1);
    expect(countUnread(list, 0, '7')).toBe(2);
    expect(countUnread(list, 4, '7')).toBe(0);
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
