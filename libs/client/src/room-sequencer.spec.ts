import type { Message } from '@app/contracts';
import { RoomSequencer, type RoomEntry } from './room-sequencer';

const msg = (seq: number): Message => ({
  id: `${1000 + seq}-0`,
  roomId: '0',
  from: '1',
  message: `m${seq}`,
  date: 1 + seq / 1000,
  seq,
});
const entry = (seq: number): RoomEntry => ({ seq, message: msg(seq) });
const edit = (seq: number, of: number): RoomEntry => ({
  seq,
  message: { ...msg(of), message: 'edited' },
  update: { roomId: '0', seq, message: { ...msg(of), message: 'edited' } },
});
const seqs = (entries: RoomEntry[]) => entries.map((e) => e.seq);

describe('RoomSequencer', () => {
  it('starts at the first message it sees and delivers the next ones in order', () => {
    const room = new RoomSequencer();
    expect(seqs(room.accept(entry(7)))).toEqual([7]);
    expect(seqs(room.accept(entry(8)))).toEqual([8]);
    expect(room.cursor).toBe(msg(8).id);
    expect(room.lastSeq).toBe(8);
  });

  it('drops duplicates and messages older than the position', () => {
    const room = new RoomSequencer({ seq: 3, id: msg(3).id });
    expect(room.accept(entry(2))).toEqual([]);
    expect(seqs(room.accept(entry(4)))).toEqual([4]);
    expect(room.accept(entry(4))).toEqual([]);
  });

  it('holds a message after a hole and releases it in order once the hole is filled', () => {
    const room = new RoomSequencer({ seq: 1, id: msg(1).id });
    expect(room.accept(entry(4))).toEqual([]);
    expect(room.accept(entry(3))).toEqual([]);
    expect(room.accept(entry(4))).toEqual([]);
    expect(room.hasGap).toBe(true);
    expect(room.cursor).toBe(msg(1).id);
    expect(seqs(room.accept(entry(2)))).toEqual([2, 3, 4]);
    expect(room.hasGap).toBe(false);
  });

  it('settle skips a hole at or below the horizon, and keeps what lies above it', () => {
    const room = new RoomSequencer({ seq: 1, id: msg(1).id });
    room.accept(entry(5));
    room.accept(entry(6));
    room.accept(entry(9));
    expect(seqs(room.settle(6))).toEqual([5, 6]);
    expect(room.hasGap).toBe(true);
    expect(room.settle(8)).toEqual([]);
    expect(seqs(room.settle(Infinity))).toEqual([9]);
    expect(room.hasGap).toBe(false);
  });
});

describe('RoomSequencer with changes', () => {
  it('a change takes its seq in the order but leaves the sync cursor on the newest message', () => {
    const room = new RoomSequencer({ seq: 1, id: msg(1).id });
    expect(room.accept(entry(3))).toEqual([]);
    expect(seqs(room.accept(edit(2, 1)))).toEqual([2, 3]);
    expect(room.cursor).toBe(msg(3).id);
    expect(seqs(room.accept(edit(4, 3)))).toEqual([4]);
    expect(room.cursor).toBe(msg(3).id);
    expect(room.lastSeq).toBe(4);
  });

  it('settle passes over a change a later one superseded (sync lists each message once)', () => {
    const room = new RoomSequencer({ seq: 1, id: msg(1).id });
    room.accept(edit(3, 1)); // seq 2 was an earlier edit of the same message
    room.accept(entry(4));
    expect(seqs(room.settle(4))).toEqual([3, 4]);
  });
});
