import { ParleyAckError, ParleyApi, ParleyHttpError, ParleySocket } from '@app/client';
import { type Message, type Room, ServerEvents } from '@app/contracts';
import request from 'supertest';
import { waitFor } from './support/api';
import { tag } from './support/http';
import { Stack, startStack } from './support/stack';

const PASSWORD = 'password123';

/** A socket whose live `message` events pass through `drop` first: a stand-in for lost deliveries. */
function loseLive(socket: ParleySocket, drop: (m: Message) => boolean): void {
  const [deliver] = socket.io.listeners('message');
  socket.io.off('message', deliver);
  socket.io.on('message', (m) => {
    if (!drop(m)) deliver(m);
  });
}

/** Every message the SDK hands to the application, in the order it did. */
function received(socket: ParleySocket, roomId: string): Message[] {
  const seen: Message[] = [];
  socket.on('message', (m) => {
    if (m.roomId === roomId) seen.push(m);
  });
  return seen;
}

describe('typed client SDK (libs/client) against API and two gateway processes', () => {
  let stack: Stack;
  let alice: ParleyApi;
  let bob: ParleyApi;
  let room: Room;
  const sockets: ParleySocket[] = [];

  beforeAll(async () => {
    stack = await startStack({ gateways: 2 });
    alice = new ParleyApi(stack.api.url);
    bob = new ParleyApi(stack.api.url);
    await alice.register(`sdkAlice${tag(4)}`, PASSWORD);
    await bob.register(`sdkBob${tag(4)}`, PASSWORD);
  }, 60_000);

  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await stack?.close();
  });

  /** Alice straight to gateway 1, Bob straight to gateway 2: every delivery crosses Redis. */
  async function connect(api: ParleyApi, gateway: number): Promise<ParleySocket> {
    const socket = api.connect({
      url: stack.gateways[gateway].url,
      io: { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 500 },
    });
    sockets.push(socket);
    await socket.connected();
    return socket;
  }

  it('logs in and reads the caller over REST with the token it keeps', async () => {
    const again = new ParleyApi(stack.api.url);
    const { user } = await again.login((await alice.me()).username, PASSWORD);
    expect(again.token).toEqual(expect.any(String));
    expect(await again.me()).toEqual(expect.objectContaining({ id: user.id }));
    await again.logout();
    expect(again.token).toBeUndefined();
    const stale = new ParleyApi(stack.api.url, { token: 'not-a-session' });
    await expect(stale.me()).rejects.toEqual(expect.objectContaining({ status: 401 }));
    await expect(stale.me()).rejects.toBeInstanceOf(ParleyHttpError);
  });

  it('creates a room, sends with an ack and receives live on the other gateway, each once', async () => {
    room = await alice.createRoom({ name: `sdk-${tag()}`, kind: 'public' });
    await bob.joinRoom(room.id);
    const [a, b] = [await connect(alice, 0), await connect(bob, 1)];
    const [seenByA, seenByB] = [received(a, room.id), received(b, room.id)];
    // A new socket's gateway may still be subscribing to the room's channel (docs/socket-io.md):
    // what passes before the first message arrives is history to this client, not a gap.
    await waitFor(async () => (await a.send(room.id, 'warm-up')) && seenByB.length > 0, 10_000);

    const rawToA: string[] = [];
    a.io.on('message', (m) => rawToA.push(m.id));
    const sent = await a.send(room.id, 'hello from the SDK');
    expect(sent).toEqual(
      expect.objectContaining({ roomId: room.id, message: 'hello from the SDK' }),
    );
    await waitFor(() => seenByB.some((m) => m.id === sent.id), 10_000);
    expect(seenByB.at(-1)).toEqual(sent);
    // The ack and the broadcast to the sender are one message for the application.
    await waitFor(() => rawToA.includes(sent.id), 10_000);
    const all = (await alice.history(room.id)).messages;
    expect(seenByA.map((m) => m.id)).toEqual(all.map((m) => m.id));
  });

  it('a retried clientId (even concurrently) is one stored message, delivered once', async () => {
    const [a, b] = [sockets[0], sockets[1]];
    const seenByB = received(b, room.id);
    const clientId = `retry-${tag()}`;
    const sends = await Promise.all([
      a.send(room.id, 'only once', clientId),
      a.send(room.id, 'only once', clientId),
    ]);
    expect(sends[1]).toEqual(sends[0]);
    const marker = await a.send(room.id, 'after the retry');
    await waitFor(() => seenByB.some((m) => m.id === marker.id), 10_000);
    expect(seenByB.map((m) => m.message)).toEqual(['only once', 'after the retry']);
    const stored = (await alice.history(room.id)).messages.filter((m) => m.clientId === clientId);
    expect(stored).toHaveLength(1);
  });

  it('a send the server refuses rejects with the ack error and is not retried', async () => {
    await expect(sockets[0].send('g' + 'a'.repeat(16), 'nobody home')).rejects.toEqual(
      expect.objectContaining({ code: 'not_found' }),
    );
    await expect(sockets[0].send(room.id, ' ')).rejects.toBeInstanceOf(ParleyAckError);
  });

  it('a lost live message shows as a gap in seq; the SDK syncs and delivers it in order', async () => {
    const [a, b] = [sockets[0], sockets[1]];
    const seenByB = received(b, room.id);
    loseLive(b, (m) => m.message === 'lost on the way');
    const lost = await a.send(room.id, 'lost on the way');
    const next = await a.send(room.id, 'the next one');
    await waitFor(() => seenByB.length === 2, 10_000);
    expect(seenByB.map((m) => m.seq)).toEqual([lost.seq, next.seq]);
    expect(seenByB.map((m) => m.id)).toEqual([lost.id, next.id]);
  });

  it('edits take their seq too: delivered as updates in order, a lost one recovered by sync', async () => {
    const [a, b] = [sockets[0], sockets[1]];
    const seenByB: string[] = [];
    b.on('message', (m) => m.roomId === room.id && seenByB.push(`message ${m.message}`));
    b.on('update', (u) => u.roomId === room.id && seenByB.push(`update ${u.message.message}`));
    let syncs = 0;
    b.on('synced', () => (syncs += 1));
    const edit = (id: string, text: string) =>
      request(stack.api.url)
        .patch(`/api/rooms/${room.id}/messages/${id}`)
        .set('Authorization', `Bearer ${alice.token}`)
        .send({ message: text })
        .expect(200);

    const original = await a.send(room.id, 'tpyo');
    await edit(original.id, 'typo fixed');
    const after = await a.send(room.id, 'after the edit');
    await waitFor(() => seenByB.includes('message after the edit'), 10_000);
    expect(seenByB).toEqual(['message tpyo', 'update typo fixed', 'message after the edit']);
    expect(syncs).toBe(0); // the edit's seq filled the order: no hole, no catch-up

    b.io.off(ServerEvents.MessageUpdated);
    await edit(after.id, 'edited unseen');
    const last = await a.send(room.id, 'last one');
    await waitFor(() => seenByB.includes('message last one'), 10_000);
    expect(seenByB.slice(3)).toEqual(['update edited unseen', 'message last one']);
    expect(b.positions()[room.id]).toEqual({ seq: last.seq, id: last.id });
  });

  it('catches up after a reconnect: everything sent meanwhile, in order, nothing twice', async () => {
    const b = sockets[1];
    const seenByB = received(b, room.id);
    const before = b.positions()[room.id];
    const synced = new Promise<string[]>((done) => b.on('synced', done));
    const down = new Promise((done) => b.io.once('disconnect', done));
    b.io.io.engine.close(); // the connection drops; socket.io-client reconnects by itself
    await down;
    const meanwhile: Message[] = [];
    for (const text of ['while', 'you', 'were', 'away'])
      meanwhile.push(await alice.sendMessage(room.id, text, `away-${text}-${tag()}`));
    expect(await synced).toContain(room.id);
    // The reconnect may finish before the last sends: those arrive live. A marker sent after
    // them is delivered after them, so once it is here nothing of the four is still on its way.
    const marker = await alice.sendMessage(room.id, 'marker', `away-marker-${tag()}`);
    await waitFor(() => seenByB.some((m) => m.id === marker.id), 10_000);

    expect(seenByB.map((m) => m.message)).toEqual([...meanwhile, marker].map((m) => m.message));
    expect(seenByB.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5].map((i) => before.seq + i));
    expect(b.positions()[room.id]).toEqual({ seq: marker.seq, id: marker.id });
  });

  it('opens a DM by username and pages history forward', async () => {
    const dm = await alice.openDm({ username: (await bob.me()).username });
    expect(dm.kind).toBe('dm');
    const first = await alice.history(room.id, { after: '0', limit: 2 });
    expect(first.messages.map((m) => m.seq)).toEqual([1, 2]);
    const next = await alice.history(room.id, { after: first.nextAfter as string, limit: 2 });
    expect(next.messages.map((m) => m.seq)).toEqual([3, 4]);
    const replay = await alice.sendMessage(
      room.id,
      first.messages[0].message,
      first.messages[0].clientId,
    );
    expect(replay).toEqual(expect.objectContaining({ id: first.messages[0].id, replayed: true }));
    await expect(
      alice.sendMessage(room.id, 'another text', first.messages[0].clientId),
    ).rejects.toEqual(expect.objectContaining({ status: 409 }));
  });

  it('covers the REST a full client needs: directory, members, roles, markers, status, blocks, tokens', async () => {
    const [aliceMe, bobMe] = [await alice.me(), await bob.me()];
    const found = await bob.directory(room.name.slice(0, 6), { limit: 5 });
    expect(found.rooms.map((r) => r.id)).toContain(room.id);
    const members = await alice.members(room.id);
    expect(members.members.map((m) => m.user.id).sort()).toEqual([aliceMe.id, bobMe.id].sort());
    await alice.setRole(room.id, bobMe.id, 'admin');
    expect((await bob.members(room.id)).members.find((m) => m.user.id === bobMe.id)?.role).toBe(
      'admin',
    );
    const newest = (await bob.history(room.id, { limit: 1 })).messages[0];
    expect(await bob.markRead(room.id, newest.seq)).toEqual({ readSeq: newest.seq });
    expect(await bob.setStatus('away', 'lunch')).toEqual({ status: 'away', text: 'lunch' });
    expect(await bob.ownStatus()).toEqual({ status: 'away', text: 'lunch' });
    await bob.block(aliceMe.id);
    expect((await bob.blocks()).map((u) => u.id)).toEqual([aliceMe.id]);
    await bob.unblock(aliceMe.id);
    expect(await bob.blocks()).toEqual([]);
    expect(await bob.session()).toEqual(expect.objectContaining({ id: bobMe.id }));

    const created = await bob.createToken({ name: 'sdk-bot', scopes: ['rooms:read'] });
    expect(created.token).toMatch(/^prl_/);
    expect((await bob.tokens()).map((t) => t.id)).toEqual([created.id]);
    const bot = new ParleyApi(stack.api.url, { token: created.token });
    expect((await bot.rooms()).map((r) => r.id)).toContain(room.id);
    await bob.revokeToken(created.id);
    await expect(bot.rooms()).rejects.toEqual(expect.objectContaining({ status: 401 }));
  });

  it('a new client resumes from saved positions and gets only what came after', async () => {
    const history = (await bob.history(room.id)).messages;
    const saved = history[history.length - 3];
    const later = new ParleySocket({
      url: stack.gateways[0].url,
      token: bob.token,
      resume: [saved],
      io: { transports: ['websocket'] },
    });
    sockets.push(later);
    const seen = received(later, room.id);
    await new Promise((done) => later.on('synced', done));
    expect(seen.map((m) => m.id)).toEqual(history.slice(-2).map((m) => m.id));
  });

  it('edits, reactions, deletions and read markers go through the SDK, live on the other gateway', async () => {
    const [a, bobElsewhere, b] = [sockets[0], sockets[1], await connect(bob, 1)];
    const updates: { seq: number; message: Message }[] = [];
    b.on('update', (u) => u.roomId === room.id && updates.push(u));
    const reads: number[] = [];
    bobElsewhere.io.on(ServerEvents.RoomRead, (e) => e.roomId === room.id && reads.push(e.readSeq));
    const typing = new Promise<{ roomId: string; userId: string; typing: boolean }>((done) =>
      b.io.on(ServerEvents.Typing, (e) => e.typing && done(e)),
    );

    const sent = await a.send(room.id, 'to be changed');
    // Typing is volatile: a gateway drops it while the receiver's socket is still writing (the
    // message just sent, say), so a client repeats it, as this one does until it is seen. CI saw
    // the only one dropped, and 6 s later the lapse (`typing: false`) arrived instead.
    const repeat = setInterval(() => a.typing(room.id, true), 250);
    a.typing(room.id, true);
    try {
      await expect(typing).resolves.toEqual({
        roomId: room.id,
        userId: (await alice.me()).id,
        typing: true,
      });
    } finally {
      clearInterval(repeat);
    }
    expect(await a.edit(room.id, sent.id, 'changed')).toEqual(
      expect.objectContaining({ id: sent.id, message: 'changed', editedAt: expect.any(Number) }),
    );
    const reacted = await b.react(room.id, sent.id, '👍');
    expect(reacted.reactions).toEqual([
      expect.objectContaining({ emoji: '👍', userIds: [(await bob.me()).id] }),
    ]);
    expect((await a.deleteMessage(room.id, sent.id)).deleted).toBe(true);
    // The edit, the reaction (Bob's own, live like the others) and the deletion, in seq order.
    await waitFor(() => updates.length === 3, 10_000);
    expect(updates.map((u) => u.seq)).toEqual([1, 2, 3].map((i) => sent.seq + i));
    expect(updates[0].message.message).toBe('changed');
    expect(updates[1].message.reactions).toHaveLength(1);
    expect(updates[2].message.deleted).toBe(true);
    await expect(a.edit(room.id, sent.id, 'too late')).rejects.toBeInstanceOf(ParleyAckError);

    const newest = sent.seq + 3;
    expect(await b.markRead(room.id, newest)).toBe(newest);
    await waitFor(() => reads.includes(newest), 10_000);
    const [bobUser] = await a.watchPresence([(await bob.me()).id]);
    expect(bobUser).toEqual(expect.objectContaining({ username: (await bob.me()).username }));
  });

  it('follows a room from a loaded page: the catch-up brings what came after it, once', async () => {
    const page = await bob.history(room.id, { limit: 5 });
    const older = page.messages[1];
    const later = page.messages.slice(2);
    const fresh = new ParleySocket({
      url: stack.gateways[0].url,
      token: bob.token,
      io: { transports: ['websocket'] },
    });
    sockets.push(fresh);
    const seen = received(fresh, room.id);
    await fresh.connected();
    const synced = new Promise<string[]>((done) => fresh.on('synced', done));
    fresh.follow(room.id, older);
    expect(await synced).toContain(room.id);
    expect(seen.map((m) => m.id)).toEqual(later.map((m) => m.id));
    fresh.follow(room.id, page.messages[0]); // followed already: keeps its place
    expect(fresh.positions()[room.id].id).toBe(later.at(-1)?.id);
  });

  it('reconnects by itself after its gateway shut down, and catches up', async () => {
    const b = sockets[1];
    const seenByB = received(b, room.id);
    const before = b.positions()[room.id];
    const down = new Promise((done) => b.io.once('disconnect', done));
    await stack.gateways[1].stop('SIGTERM'); // the gateway disconnects its sockets first
    await expect(down).resolves.toBe('io server disconnect');
    const meanwhile = await alice.sendMessage(room.id, 'while the gateway was down', tag());
    const synced = new Promise<string[]>((done) => b.on('synced', done));
    await stack.gateways[1].start();
    expect(await synced).toContain(room.id);
    expect(seenByB.map((m) => m.id)).toEqual([meanwhile.id]);
    expect(b.positions()[room.id].seq).toBeGreaterThanOrEqual(before.seq + 1);
  });
  it('says the session ended when it is logged out elsewhere, and stops reconnecting', async () => {
    const carol = new ParleyApi(stack.api.url);
    await carol.register(`sdkCarol${tag(4)}`, PASSWORD);
    const socket = await connect(carol, 0);
    const ended = new Promise((done) => socket.on('ended', done));
    await new ParleyApi(stack.api.url, { token: carol.token }).logout();
    await expect(ended).resolves.toBe('revoked');
    expect(socket.io.connected).toBe(false);
    // A socket with a dead token is told so at once, with no retrying.
    const stale = carol.connect({ url: stack.gateways[0].url, io: { transports: ['websocket'] } });
    sockets.push(stale);
    await expect(new Promise((done) => stale.on('ended', done))).resolves.toBe('unauthorized');
    expect(stale.io.active).toBe(false);
  });
});
