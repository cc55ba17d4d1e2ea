import Redis from 'ioredis';
import type { Message } from '@app/contracts';
import { RedisKeys } from '../redis-keys';
import { MessageChangesRepository } from './message-changes.repository';
import { testRedisUrl as redisUrlFor } from '../../../../test/support/redis-url';
import {
  AppendInput,
  AppendResult,
  entryToMessage,
  MessagesRepository,
} from './messages.repository';

// Real Redis: the private server started by the jest global setup, database 8 (ours alone).
const DB = 8;

const testRedisUrl = () => redisUrlFor(DB);

const TTL = 24 * 3600;

describe('MessagesRepository (real Redis)', () => {
  let redis: Redis;
  let repo: MessagesRepository;
  /** Extra connections, so "concurrent" means several clients racing, not one pipeline. */
  let others: { redis: Redis; repo: MessagesRepository }[];

  const input = (roomId: string, from: string, text: string, extra: Partial<AppendInput> = {}) => ({
    roomId,
    from,
    text,
    maxLen: 10_000,
    clientIdTtlSeconds: TTL,
    // These cases are about the stream; membership has its own cases below.
    everyone: true,
    ...extra,
  });

  /** Appends `count` messages "m1".."m<count>" one after another (ids strictly increasing). */
  async function fill(roomId: string, count: number): Promise<Message[]> {
    const out: Message[] = [];
    for (let i = 1; i <= count; i += 1) {
      const r = await repo.append(input(roomId, String((i % 3) + 1), `m${i}`));
      if (r.status !== 'created') throw new Error(`unexpected ${r.status}`);
      out.push(r.message);
    }
    return out;
  }

  const texts = (messages: Message[]) => messages.map((m) => m.message);
  const range = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => `m${from + i}`);
  const streamIdLess = (a: string, b: string) => {
    const [am, as] = a.split('-').map(BigInt);
    const [bm, bs] = b.split('-').map(BigInt);
    return am < bm || (am === bm && as < bs);
  };

  beforeAll(async () => {
    redis = new Redis(testRedisUrl());
    await redis.flushdb();
    repo = new MessagesRepository(redis);
    others = [1, 2, 3].map(() => {
      const r = new Redis(testRedisUrl());
      return { redis: r, repo: new MessagesRepository(r) };
    });
  });

  afterAll(async () => {
    await Promise.all([redis, ...others.map((o) => o.redis)].map((r) => r.quit()));
  });

  const repos = () => [repo, ...others.map((o) => o.repo)];

  describe('seq', () => {
    it('is 1..N without gaps or repeats under 200 concurrent appends from several users', async () => {
      const roomId = '1:2';
      const all = repos();
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          all[i % all.length].append(input(roomId, String((i % 5) + 1), `hello ${i}`)),
        ),
      );
      expect(results.every((r) => r.status === 'created')).toBe(true);
      const created = results.map(
        (r) => (r as Extract<AppendResult, { status: 'created' }>).message,
      );
      expect(created.map((m) => m.seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 200 }, (_, i) => i + 1),
      );
      expect(new Set(created.map((m) => m.id)).size).toBe(200);
      expect(await repo.count(roomId)).toBe(200);

      // The stored order is the seq order, and each reply matches what was stored.
      const { messages, complete } = await repo.after(roomId, '0', 500);
      expect(complete).toBe(true);
      expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      for (let i = 1; i < messages.length; i += 1) {
        expect(streamIdLess(messages[i - 1].id, messages[i].id)).toBe(true);
        expect(messages[i - 1].date).toBeLessThanOrEqual(messages[i].date);
      }
      const byId = new Map(messages.map((m) => [m.id, m]));
      for (const m of created) expect(byId.get(m.id)).toStrictEqual(m);
      expect(await redis.get(RedisKeys.roomSeq(roomId))).toBe('200');
    });

    it('counts separately per room', async () => {
      const a = await repo.append(input('3:4', '3', 'x'));
      const b = await repo.append(input('3:5', '3', 'x'));
      const c = await repo.append(input('3:4', '4', 'y'));
      expect([a, b, c].map((r) => (r.status === 'created' ? r.message.seq : -1))).toEqual([
        1, 1, 2,
      ]);
    });
  });

  describe('clientId', () => {
    it('stores one entry for 20 concurrent appends of one (user, clientId); all get the same message', async () => {
      const roomId = '0';
      const all = repos();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          all[i % all.length].append(input(roomId, '7', 'only once', { clientId: 'retry-1' })),
        ),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 'created')).toHaveLength(1);
      expect(statuses.filter((s) => s === 'duplicate')).toHaveLength(19);
      const messages = results.map((r) => (r as { message: Message }).message);
      expect(new Set(messages.map((m) => m.id)).size).toBe(1);
      for (const m of messages) {
        expect(m).toStrictEqual(messages[0]);
        expect(m).toMatchObject({
          roomId,
          from: '7',
          message: 'only once',
          seq: 1,
          clientId: 'retry-1',
        });
      }
      expect(await repo.count(roomId)).toBe(1);
      expect(await redis.get(RedisKeys.roomSeq(roomId))).toBe('1');
    });

    it('answers a later retry with the stored message even if the text differs', async () => {
      const roomId = '5:6';
      const first = await repo.append(input(roomId, '5', 'original', { clientId: 'c' }));
      const retry = await repo.append(input(roomId, '5', 'edited', { clientId: 'c' }));
      expect(first.status).toBe('created');
      expect(retry.status).toBe('duplicate');
      expect((retry as { message: Message }).message).toStrictEqual(
        (first as { message: Message }).message,
      );
      expect((retry as { message: Message }).message.message).toBe('original');
      expect(await repo.count(roomId)).toBe(1);
    });

    it('remembers the clientId with a TTL', async () => {
      const roomId = '5:7';
      await repo.append(input(roomId, '5', 'x', { clientId: 'ttl', clientIdTtlSeconds: 1234 }));
      const ttl = await redis.ttl(RedisKeys.roomClientId(roomId, '5', 'ttl'));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(1234);
    });

    it('treats the same clientId from another user as a different message', async () => {
      const roomId = '8:9';
      const a = await repo.append(input(roomId, '8', 'hi', { clientId: 'same' }));
      const b = await repo.append(input(roomId, '9', 'hi', { clientId: 'same' }));
      expect(a.status).toBe('created');
      expect(b.status).toBe('created');
      const ma = (a as { message: Message }).message;
      const mb = (b as { message: Message }).message;
      expect(ma.id).not.toBe(mb.id);
      expect([ma.seq, mb.seq]).toEqual([1, 2]);
      expect([ma.from, mb.from]).toEqual(['8', '9']);
      expect(await repo.count(roomId)).toBe(2);
    });

    it('does not deduplicate messages without a clientId, even identical ones in the same ms', async () => {
      const roomId = '10:11';
      // Pinning the millisecond makes "same ms" certain: Redis picks the sequence part.
      const a = await repo.append(input(roomId, '10', 'same text', { entryId: '1700000000000-*' }));
      const b = await repo.append(input(roomId, '10', 'same text', { entryId: '1700000000000-*' }));
      expect(a.status).toBe('created');
      expect(b.status).toBe('created');
      const ma = (a as { message: Message }).message;
      const mb = (b as { message: Message }).message;
      expect([ma.id, mb.id]).toEqual(['1700000000000-0', '1700000000000-1']);
      expect(ma.date).toBe(mb.date);
      expect([ma.seq, mb.seq]).toEqual([1, 2]);
      expect(ma.clientId).toBeUndefined();

      // And a burst of identical texts with server-chosen ids: every one is stored.
      const burst = await Promise.all(
        Array.from({ length: 10 }, () => repo.append(input(roomId, '11', 'burst'))),
      );
      expect(burst.every((r) => r.status === 'created')).toBe(true);
      expect(await repo.count(roomId)).toBe(12);
    });

    it('reports a clientId whose message has been trimmed away, without storing it again', async () => {
      const roomId = '12:13';
      const first = await repo.append(
        input(roomId, '12', 'old', { clientId: 'gone', maxLen: 100 }),
      );
      const id = (first as { message: Message }).message.id;
      await redis.xdel(RedisKeys.roomMessages(roomId), id);
      const retry = await repo.append(
        input(roomId, '12', 'old', { clientId: 'gone', maxLen: 100 }),
      );
      expect(retry).toEqual({ status: 'duplicate-trimmed', id });
      expect(await repo.count(roomId)).toBe(0);
      expect(await redis.get(RedisKeys.roomSeq(roomId))).toBe('1');
    });
  });

  describe('storage', () => {
    it('stores the text exactly as sent and reads back the same message', async () => {
      const roomId = '14:15';
      const text = '<b>hi</b> &amp; "quotes"\n\ttabs 😀 e\u0301 \u0000 end';
      const r = await repo.append(input(roomId, '14', text, { clientId: 'raw' }));
      expect(r.status).toBe('created');
      const created = (r as { message: Message }).message;
      expect(created.message).toBe(text);
      const { messages } = await repo.after(roomId, '0', 10);
      expect(messages).toStrictEqual([created]);
    });

    it('keeps XLEN bounded by MAXLEN ~ while seq keeps counting', async () => {
      const roomId = '16:17';
      for (let batch = 0; batch < 10; batch += 1) {
        const results = await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            repo.append(input(roomId, '16', `b${batch} ${i}`, { maxLen: 100 })),
          ),
        );
        expect(results.every((r) => r.status === 'created')).toBe(true);
      }
      const len = await repo.count(roomId);
      expect(len).toBeGreaterThanOrEqual(100);
      expect(len).toBeLessThan(250);
      expect(await redis.get(RedisKeys.roomSeq(roomId))).toBe('1000');
      // What is left is the newest, contiguous tail of seqs ending at 1000.
      const { messages } = await repo.after(roomId, '0', 500);
      expect(messages.map((m) => m.seq)).toEqual(
        Array.from({ length: len }, (_, i) => 1000 - len + 1 + i),
      );
      const next = await repo.append(input(roomId, '17', 'after trim', { maxLen: 100 }));
      expect((next as { message: Message }).message.seq).toBe(1001);
    });

    it('accepts an explicit entry id for back-dated seeding', async () => {
      const roomId = '18:19';
      const a = await repo.append(input(roomId, '18', 'old', { entryId: '1600000000123-0' }));
      const b = await repo.append(input(roomId, '19', 'less old', { entryId: '1600000000456-0' }));
      const c = await repo.append(input(roomId, '18', 'now'));
      const [ma, mb, mc] = [a, b, c].map((r) => (r as { message: Message }).message);
      expect(ma).toMatchObject({
        id: '1600000000123-0',
        date: 1600000000.123,
        seq: 1,
        message: 'old',
      });
      expect(mb).toMatchObject({ id: '1600000000456-0', date: 1600000000.456, seq: 2 });
      expect(mc.seq).toBe(3);
      expect(streamIdLess(mb.id, mc.id)).toBe(true);
      expect(mc.date).toBeGreaterThan(1600000000.456);
    });

    it('rejects an explicit entry id that is not newer than the stream, without using up a seq', async () => {
      const roomId = '20:21';
      await repo.append(input(roomId, '20', 'first', { entryId: '1600000001000-0' }));
      await expect(
        repo.append(input(roomId, '20', 'too old', { entryId: '1600000000000-0', clientId: 'k' })),
      ).rejects.toThrow();
      // The failed attempt left nothing behind: no seq used, no clientId remembered.
      const next = await repo.append(input(roomId, '20', 'second', { clientId: 'k' }));
      expect(next.status).toBe('created');
      expect((next as { message: Message }).message.seq).toBe(2);
      expect(await repo.count(roomId)).toBe(2);
    });
  });

  describe('reading', () => {
    const roomId = '22:23';
    let stored: Message[];
    /** A page without the seq it was read at. */
    const page = async (room: string, before: string | undefined, limit: number) => {
      const read = await repo.pageBefore(room, before, limit);
      if (read === 'unchanged') throw new Error('no seq was given');
      const { seq: _seq, ...rest } = read;
      return rest;
    };

    beforeAll(async () => {
      stored = await fill(roomId, 25);
    });

    it('pageBefore: newest page first call, each page oldest first, hasMore until the start', async () => {
      const p1 = await page(roomId, undefined, 10);
      expect(texts(p1.messages)).toEqual(range(16, 25));
      expect(p1.hasMore).toBe(true);
      const p2 = await page(roomId, p1.messages[0].id, 10);
      expect(texts(p2.messages)).toEqual(range(6, 15));
      expect(p2.hasMore).toBe(true);
      const p3 = await page(roomId, p2.messages[0].id, 10);
      expect(texts(p3.messages)).toEqual(range(1, 5));
      expect(p3.hasMore).toBe(false);
      expect(p1.messages).toStrictEqual(stored.slice(15));
    });

    it('pageBefore: a page of exactly the rest is the last one', async () => {
      expect((await page(roomId, undefined, 25)).hasMore).toBe(false);
      expect((await page(roomId, undefined, 24)).hasMore).toBe(true);
      const p = await page(roomId, stored[10].id, 10);
      expect(texts(p.messages)).toEqual(range(1, 10));
      expect(p.hasMore).toBe(false);
      expect(await page(roomId, stored[0].id, 10)).toEqual({
        messages: [],
        hasMore: false,
      });
    });

    it('pageBefore: an empty room is one empty, final page', async () => {
      expect(await page('998:999', undefined, 50)).toEqual({
        messages: [],
        hasMore: false,
      });
    });

    it('the newest page is "unchanged" only while the room seq stays', async () => {
      const room = '5:6';
      await fill(room, 25);
      const newest = await repo.pageBefore(room, undefined, 10);
      if (newest === 'unchanged') throw new Error('no seq was given');
      const { seq } = newest;
      expect(newest.messages).toHaveLength(10);
      expect(await repo.pageBefore(room, undefined, 10, seq)).toBe('unchanged');
      // A seq that is not the room's (an older one, or one from a lost database) gets the page.
      expect(await repo.pageBefore(room, undefined, 10, String(Number(seq) - 1))).toStrictEqual(
        newest,
      );
      // Another room's append changes nothing here; this room's does.
      await repo.append(input('5:7', '1', 'elsewhere'));
      expect(await repo.pageBefore(room, undefined, 10, seq)).toBe('unchanged');
      await repo.append(input(room, '2', 'm26'));
      const after = await repo.pageBefore(room, undefined, 10, seq);
      if (after === 'unchanged') throw new Error('an append must change the newest page');
      expect(texts(after.messages)).toEqual(range(17, 26));
      expect(after.hasMore).toBe(true);
      // A change to a message on the page takes a seq too: the page is sent again, changed.
      const changes = new MessageChangesRepository(redis);
      const edited = await changes.change({
        roomId: room,
        messageId: after.messages[0].id,
        userId: after.messages[0].from,
        change: { op: 'edit', text: 'm17 edited' },
        everyone: true,
        maxLen: 100,
        reactionsMax: 5,
      });
      expect(edited).toMatchObject({ status: 'changed', seq: Number(after.seq) + 1 });
      const again = await repo.pageBefore(room, undefined, 10, after.seq);
      if (again === 'unchanged') throw new Error('an edit must change the newest page');
      expect(again.messages[0].message).toBe('m17 edited');
      expect(await repo.pageBefore('997:999', undefined, 50, seq)).toEqual({
        messages: [],
        hasMore: false,
        seq: '0',
      });
    });

    it('syncAfter and older pages: "unchanged" only while the room seq stays', async () => {
      const room = '5:8';
      const sent = await fill(room, 12);
      const sync = await repo.syncAfter(room, sent[7].id, 500);
      const older = await repo.pageBefore(room, sent[7].id, 5);
      if (sync === 'unchanged' || older === 'unchanged') throw new Error('no seq was given');
      expect(texts(sync.messages)).toEqual(range(9, 12));
      expect(texts(older.messages)).toEqual(range(3, 7));
      expect(sync.seq).toBe('12');
      expect(await repo.syncAfter(room, sent[7].id, 500, sync.seq)).toBe('unchanged');
      expect(await repo.pageBefore(room, sent[7].id, 5, older.seq)).toBe('unchanged');
      await repo.append(input(room, '2', 'm13'));
      const next = await repo.syncAfter(room, sent[7].id, 500, sync.seq);
      if (next === 'unchanged') throw new Error('an append must change the sync answer');
      expect(texts(next.messages)).toEqual(range(9, 13));
      expect(next.seq).toBe('13');
      // The page before is read again (the seq moved), and is the same page.
      expect(await repo.pageBefore(room, sent[7].id, 5, older.seq)).toEqual({
        ...older,
        seq: '13',
      });
    });

    it('after: from "0" is from the beginning, oldest first, complete only at the end', async () => {
      const a = await repo.after(roomId, '0', 10);
      expect(texts(a.messages)).toEqual(range(1, 10));
      expect(a.complete).toBe(false);
      const b = await repo.after(roomId, a.messages[9].id, 10);
      expect(texts(b.messages)).toEqual(range(11, 20));
      expect(b.complete).toBe(false);
      const c = await repo.after(roomId, b.messages[9].id, 10);
      expect(texts(c.messages)).toEqual(range(21, 25));
      expect(c.complete).toBe(true);
      expect(await repo.after(roomId, c.messages[4].id, 10)).toEqual({
        messages: [],
        complete: true,
      });
    });

    it('after: exactly the rest is complete; an empty room is complete', async () => {
      const all = await repo.after(roomId, '0', 25);
      expect(all.messages).toStrictEqual(stored);
      expect(all.complete).toBe(true);
      expect((await repo.after(roomId, '0', 24)).complete).toBe(false);
      expect(await repo.after('998:999', '0', 500)).toEqual({ messages: [], complete: true });
    });

    it('newestFirst: offset and size page from the newest', async () => {
      expect(texts(await repo.newestFirst(roomId, 0, 15))).toEqual(range(11, 25).reverse());
      expect(texts(await repo.newestFirst(roomId, 15, 15))).toEqual(range(1, 10).reverse());
      expect(texts(await repo.newestFirst(roomId, 0, 1))).toEqual(['m25']);
      expect(await repo.newestFirst(roomId, 25, 15)).toEqual([]);
      expect(await repo.newestFirst('998:999', 0, 15)).toEqual([]);
    });

    it('latest: the newest message of each room, leaving out empty rooms', async () => {
      const other = '24:25';
      await fill(other, 2);
      const map = await repo.latest([roomId, '998:999', other]);
      expect([...map.keys()].sort()).toEqual([roomId, other].sort());
      expect(map.get(roomId)).toStrictEqual(stored[24]);
      expect(map.get(other)?.message).toBe('m2');
      expect(map.get(other)?.roomId).toBe(other);
      expect((await repo.latest([])).size).toBe(0);
    });
  });

  describe('entryToMessage', () => {
    it('dates a message by its id in seconds with millisecond precision', () => {
      const m = entryToMessage('0', ['1763784000123-4', ['f', '3', 'm', 'hello', 's', '42']]);
      expect(m).toStrictEqual({
        id: '1763784000123-4',
        roomId: '0',
        from: '3',
        message: 'hello',
        date: 1763784000.123,
        seq: 42,
      });
      expect(Math.round(m.date * 1000)).toBe(1763784000123);
    });

    it('keeps a clientId when present and skips an empty one', () => {
      const withCid = entryToMessage('1:2', ['5-0', ['f', '1', 'm', 'x', 's', '1', 'c', 'abc']]);
      expect(withCid.clientId).toBe('abc');
      expect(withCid.date).toBe(0.005);
      const empty = entryToMessage('1:2', ['5-0', ['f', '1', 'm', 'x', 's', '1', 'c', '']]);
      expect('clientId' in empty).toBe(false);
    });

    it('matches the id of every message the repository returns', async () => {
      const r = await repo.append(input('26:27', '26', 'dated'));
      const m = (r as { message: Message }).message;
      const ms = Number(m.id.split('-')[0]);
      expect(m.date).toBe(ms / 1000);
      expect(Math.round(m.date * 1000)).toBe(ms);
    });
  });
});
