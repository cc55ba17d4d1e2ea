import type { Message } from '@app/contracts';
import { RoomSequencer } from './room-sequencer';

const msg = (seq: number): Message => ({
  id: `${1000 + seq}-0`,
  roomId: '0',
  from: '1',
  message: `m${seq}`,
  date: 1 + seq / 1000,
  seq,
});
const seqs = (messages: Message[]) => messages.map((m) => m.seq);

describe('RoomSequencer', () => {
  it('starts at the first message it sees and delivers the next ones in order', () => {
    const room = new RoomSequencer();
    expect(seqs(room.accept(msg(7)))).toEqual([7]);
    expect(seqs(room.accept(msg(8)))).toEqual([8]);
    expect(room.cursor).toBe(msg(8).id);
    expect(room.lastSeq).toBe(8);
  });

  it('drops duplicates and messages older than the position', () => {
    const room = new RoomSequencer({ seq: 3, id: msg(3).id });
    expect(room.accept(msg(2))).toEqual([]);
    expect(seqs(room.accept(msg(4)))).toEqual([4]);
    expect(room.accept(msg(4))).toEqual([]);
  });

  it('holds a message after a hole and releases it in order once the hole is filled', () => {
    const room = new RoomSequencer({ seq: 1, id: msg(1).id });
    expect(room.accept(msg(4))).toEqual([]);
    expect(room.accept(msg(3))).toEqual([]);
    expect(room.accept(msg(4))).toEqual([]);
    expect(room.hasGap).toBe(true);
    expect(room.cursor).toBe(msg(1).id);
    expect(seqs(room.accept(msg(2)))).toEqual([2, 3, 4]);
    expect(room.hasGap).toBe(false);
  });

  it('settle skips a hole at or below the horizon, and keeps what lies above it', () => {
    const room = new RoomSequencer({ seq: 1, id: msg(1).id });
    room.accept(msg(5));
    room.accept(msg(6));
    room.accept(msg(9));
    expect(seqs(room.settle(6))).toEqual([5, 6]);
    expect(room.hasGap).toBe(true);
    expect(room.settle(8)).toEqual([]);
    expect(seqs(room.settle(Infinity))).toEqual([9]);
    expect(room.hasGap).toBe(false);
  });
});
