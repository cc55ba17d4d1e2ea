import type { Message, MessageUpdatedEvent, SyncRoomResult } from '@app/contracts';
import { waitFor } from './support/api';
import {
  compareIds,
  emit,
  EMOJI,
  random,
  useUpdatesStack,
  type AckOrError,
} from './support/message-updates';
import { nextEvent } from './support/rooms';
import type { TestUser } from './support/stack';

/**
 * Read markers, unread counts, edits, deletions and reactions over two gateways: unread counts
 * against a model while three users work at once, a marker reaching another gateway, gap-free
 * seqs across messages and changes, and sync after 200 changes. The rules of who may change what,
 * and the newest-page cache, are in messages-updates-rules.e2e-spec.ts.
 */
type Ack<T = object> = { ok: true } & T;

describe('read markers, unread counts, edits, deletions, reactions (two gateways)', () => {
  const t = useUpdatesStack();
  const { suite, roomOf, history, sharedRoom } = t;

  it('three users send, edit, delete and react at once: unread, state and seqs match a model', async () => {
    const { ada, bo, cy, watcher } = t;
    const roomId = await sharedRoom(bo, cy, watcher);
    const users = [ada, bo, cy];
    const sockets = await Promise.all(users.map((u, i) => suite.open(u, i % 2)));
    const observer = await suite.open(watcher, 1);
    const seen: number[] = [];
    observer.on('message', (m: Message) => m.roomId === roomId && seen.push(m.seq));
    observer.on('message.updated', (e: MessageUpdatedEvent) => {
      if (e.roomId === roomId) seen.push(e.seq);
    });

    const sent: Message[] = [];
    const marks = new Map<string, number>(users.map((u) => [u.id, 0]));
    const reactions = new Map<string, boolean>(); // `${messageId} ${emoji} ${userId}` → on
    const edits = new Map<string, string>();
    const deleted = new Set<string>();
    /** Changes refused because someone deleted the message meanwhile (checked at the end). */
    const refusedAsDeleted: [string, string | undefined][] = [];
    const work = users.map(async (user, u) => {
      const next = random(16 + u);
      const socket = sockets[u];
      for (let op = 0; op < 40; op += 1) {
        const roll = next();
        const mine = sent.filter((m) => m.from === user.id);
        const any = sent[Math.floor(next() * sent.length)];
        if (roll < 0.35 || sent.length === 0) {
          const ack = await emit(socket, 'message', { roomId, message: `${user.username} ${op}` });
          expect(ack.ok).toBe(true);
          sent.push(ack.message!);
          marks.set(user.id, Math.max(marks.get(user.id)!, ack.message!.seq));
        } else if (roll < 0.5 && mine.length > 0) {
          const target = mine[Math.floor(next() * mine.length)];
          const text = `edited ${op}`;
          const ack = await emit(socket, 'message.edit', { roomId, id: target.id, message: text });
          if (ack.ok) edits.set(target.id, text);
          else refusedAsDeleted.push([target.id, ack.error?.code]);
        } else if (roll < 0.58 && (mine.length > 0 || user === ada)) {
          // Ada owns the room: she may delete anyone's message.
          const pool = user === ada ? sent : mine;
          const target = pool[Math.floor(next() * pool.length)];
          const ack = await emit(socket, 'message.delete', { roomId, id: target.id });
          expect(ack.ok).toBe(true);
          deleted.add(target.id);
        } else if (roll < 0.88) {
          const emoji = EMOJI[Math.floor(next() * EMOJI.length)];
          const key = `${any.id} ${emoji} ${user.id}`;
          const on = !reactions.get(key);
          const ack = await emit(socket, 'message.react', { roomId, id: any.id, emoji, on });
          if (ack.ok) reactions.set(key, on);
          else refusedAsDeleted.push([any.id, ack.error?.code]);
        } else {
          const seq = Math.floor(next() * (sent.length * 2));
          const res =
            op % 2 === 0
              ? await emit(socket, 'room.read', { roomId, seq })
              : ((await suite.api(user).post(`/api/rooms/${roomId}/read`).send({ seq }).expect(200))
                  .body as AckOrError);
          marks.set(user.id, Math.max(marks.get(user.id)!, res.readSeq!));
        }
      }
    });
    await Promise.all(work);

    const current = await history(watcher, roomId);
    const lastSeq = (await roomOf(watcher, roomId)).lastSeq;
    // Gap-free: the observer heard every seq once, messages and changes alike.
    await waitFor(() => seen.length >= lastSeq, 20_000);
    expect([...seen].sort((a, b) => a - b)).toEqual(
      Array.from({ length: lastSeq }, (_, i) => i + 1),
    );
    expect(current.map((m) => m.id)).toEqual(sent.map((m) => m.id).sort(compareIds));

    expect(
      refusedAsDeleted.filter(([id, code]) => !deleted.has(id) || code !== 'conflict'),
    ).toEqual([]);
    for (const user of users) {
      const room = await roomOf(user, roomId);
      expect(room.readSeq).toBe(marks.get(user.id));
      const others = current.filter((m) => m.from !== user.id && m.seq > room.readSeq!);
      expect({ user: user.username, unread: room.unread }).toEqual({
        user: user.username,
        unread: others.length,
      });
    }
    for (const m of current) {
      if (deleted.has(m.id)) {
        expect(m).toMatchObject({ deleted: true, message: '' });
        expect(m.reactions).toBeUndefined();
        continue;
      }
      expect(m.message).toBe(edits.get(m.id) ?? sent.find((s) => s.id === m.id)!.message);
      const expected = EMOJI.map((emoji) => ({
        emoji,
        users: users.filter((u) => reactions.get(`${m.id} ${emoji} ${u.id}`)).map((u) => u.id),
      })).filter((r) => r.users.length > 0);
      const actual = (m.reactions ?? []).map((r) => ({ emoji: r.emoji, users: r.userIds }));
      const bySort = (list: { emoji: string; users: string[] }[]) =>
        list
          .map((r) => ({ ...r, users: [...r.users].sort() }))
          .sort((a, b) => (a.emoji < b.emoji ? -1 : 1));
      expect(bySort(actual)).toEqual(bySort(expected));
    }
  });

  it('a marker moved on gateway 1 reaches the user’s socket on gateway 2 (socket and REST)', async () => {
    const { ada, bo, cy } = t;
    const roomId = await sharedRoom(bo);
    const here = await suite.open(bo, 0);
    const there = await suite.open(bo, 1);
    for (let i = 0; i < 3; i += 1)
      await suite
        .api(ada)
        .post(`/api/rooms/${roomId}/messages`)
        .send({ message: `m${i}` });
    expect(await roomOf(bo, roomId)).toMatchObject({ lastSeq: 3, readSeq: 0, unread: 3 });

    const live = nextEvent(there, 'room.read', (e: { roomId: string }) => e.roomId === roomId);
    expect(await emit(here, 'room.read', { roomId, seq: 2 })).toEqual({ ok: true, readSeq: 2 });
    expect(await live).toEqual({ roomId, readSeq: 2 });
    expect(await roomOf(bo, roomId)).toMatchObject({ readSeq: 2, unread: 1 });

    const viaRest = nextEvent(there, 'room.read', (e: { roomId: string }) => e.roomId === roomId);
    const res = await suite.api(bo).post(`/api/rooms/${roomId}/read`).send({ seq: 99 }).expect(200);
    expect(res.body).toEqual({ readSeq: 3 });
    expect(await viaRest).toEqual({ roomId, readSeq: 3 });
    // Backwards is no move: the marker stays, and nothing is announced.
    expect(await emit(here, 'room.read', { roomId, seq: 1 })).toEqual({ ok: true, readSeq: 3 });
    expect((await emit(here, 'room.read', { roomId, seq: -1 })).error?.code).toBe('bad_request');
    await suite.api(bo).post(`/api/rooms/${roomId}/read`).send({ seq: 'x' }).expect(400);
    await suite.api(cy).post(`/api/rooms/${roomId}/read`).send({ seq: 1 }).expect(403);
  });

  it('sync after a 200-change absence returns the exact current state', async () => {
    const { ada, bo, cy } = t;
    const roomId = await sharedRoom(bo, cy);
    const post = async (user: TestUser, message: string) =>
      (await suite.api(user).post(`/api/rooms/${roomId}/messages`).send({ message }).expect(201))
        .body as Message;
    for (let i = 0; i < 30; i += 1) await post(i % 2 ? ada : cy, `before ${i}`);
    const socket = await suite.open(bo, 1);
    const held = await history(bo, roomId);
    const cursor = held.at(-1)!.id;
    socket.disconnect();

    const next = random(200);
    let changes = 0;
    const during: Message[] = [];
    while (changes < 200) {
      const pool = [...held, ...during];
      const target = pool[Math.floor(next() * pool.length)];
      const roll = next();
      const api = suite.api(target.from === ada.id ? ada : cy);
      if (roll < 0.1) {
        during.push(await post(ada, `during ${changes}`));
        continue;
      }
      const path = `/api/rooms/${roomId}/messages/${target.id}`;
      const res =
        roll < 0.45
          ? await api.patch(path).send({ message: `v${changes}` })
          : roll < 0.5
            ? await suite.api(ada).delete(path)
            : await suite
                .api(next() < 0.5 ? ada : cy)
                [next() < 0.7 ? 'put' : 'delete'](
                  `${path}/reactions/${encodeURIComponent(EMOJI[changes % 4])}`,
                );
      if (res.status === 200) changes += 1;
      else expect(res.status).toBe(409); // a change to a deleted message
    }

    const back = await suite.open(bo, 0);
    const reply = (await back
      .timeout(10_000)
      .emitWithAck('sync', { cursors: { [roomId]: cursor } })) as Ack<{
      rooms: Record<string, SyncRoomResult>;
    }>;
    const result = reply.rooms[roomId];
    expect(result.complete).toBe(true);
    const state = new Map(held.map((m) => [m.id, m]));
    for (const m of result.messages) state.set(m.id, m);
    for (const { message } of result.updates) state.set(message.id, message);
    const truth = await history(ada, roomId);
    expect([...state.values()].sort((a, b) => compareIds(a.id, b.id))).toEqual(truth);
    const seqs = [...result.messages.map((m) => m.seq), ...result.updates.map((u) => u.seq)];
    expect(Math.max(...seqs)).toBe((await roomOf(bo, roomId)).lastSeq);
  });
});
