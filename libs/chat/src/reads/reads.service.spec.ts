import { Account, ChatDomain, chatDomain } from '../../../../test/support/chat-domain';

// Real Redis: the private server started by the jest global setup, database 6 (ours alone).
const DB = 6;

describe('ReadsService and unread counts (real repositories, no Nest container)', () => {
  let chat: ChatDomain;
  let owner: Account;
  let alice: Account;
  let bob: Account;
  let roomId: string;

  const say = async (from: Account, text = 'x') =>
    (await chat.messages.send(from.id, roomId, text)).message;
  const stateOf = async (user: Account) => {
    const room = (await chat.rooms.roomsOf(user.id)).find((r) => r.id === roomId)!;
    return { lastSeq: room.lastSeq, readSeq: room.readSeq, unread: room.unread };
  };

  beforeAll(async () => {
    chat = await chatDomain(DB);
  });
  beforeEach(async () => {
    [owner, alice, bob] = await chat.reset(3);
    roomId = (await chat.groupRoom(owner, 'public', alice, bob)).id;
  });
  afterAll(() => chat.close());

  it('counts only others’ messages; sending moves the sender’s marker', async () => {
    await say(alice);
    await say(bob);
    expect(await stateOf(owner)).toEqual({ lastSeq: 2, readSeq: 0, unread: 2 });
    expect(await stateOf(alice)).toEqual({ lastSeq: 2, readSeq: 1, unread: 1 });
    expect(await stateOf(bob)).toEqual({ lastSeq: 2, readSeq: 2, unread: 0 });
  });

  it('edits, deletions and reactions take seqs but are not unread messages', async () => {
    const m = await say(alice);
    await chat.updates.edit(alice.id, roomId, m.id, 'edited');
    await chat.updates.react(bob.id, roomId, m.id, '👍', true);
    await say(bob);
    await chat.updates.remove(alice.id, roomId, m.id);
    expect(await stateOf(owner)).toEqual({ lastSeq: 5, readSeq: 0, unread: 2 });
    // Bob's marker is at his message (4): the deletion after it is no message.
    expect(await stateOf(bob)).toEqual({ lastSeq: 5, readSeq: 4, unread: 0 });
    expect(await stateOf(alice)).toEqual({ lastSeq: 5, readSeq: 1, unread: 1 });
  });

  it('a marker moves forward only, is capped at the newest seq, and is announced once', async () => {
    await say(alice); // 1
    const m = await say(alice); // 2
    await chat.updates.edit(alice.id, roomId, m.id, 'x2'); // 3
    await say(alice); // 4
    chat.events.take();
    // To a change's seq: the messages up to it (1, 2) are read, 4 is not.
    expect(await chat.reads.markRead(owner.id, roomId, 3)).toBe(3);
    expect(await stateOf(owner)).toEqual({ lastSeq: 4, readSeq: 3, unread: 1 });
    expect(chat.events.take()).toEqual([
      { name: 'readMoved', event: { userId: owner.id, roomId, readSeq: 3 } },
    ]);
    await chat.expectNoEffect(() => chat.reads.markRead(owner.id, roomId, 2));
    expect(await chat.reads.markRead(owner.id, roomId, 2)).toBe(3);
    expect(await chat.reads.markRead(owner.id, roomId, 1_000)).toBe(4);
    expect(await stateOf(owner)).toEqual({ lastSeq: 4, readSeq: 4, unread: 0 });
    await say(bob);
    expect(await stateOf(owner)).toEqual({ lastSeq: 5, readSeq: 4, unread: 1 });
  });

  it('a marker at a message seq between changes counts the messages up to it', async () => {
    const first = await say(alice); // 1
    await chat.updates.react(bob.id, roomId, first.id, '👍', true); // 2
    await chat.updates.react(owner.id, roomId, first.id, '👍', true); // 3
    await say(alice); // 4
    await chat.updates.react(owner.id, roomId, first.id, '👍', false); // 5
    await say(alice); // 6
    await chat.reads.markRead(bob.id, roomId, 4);
    expect(await stateOf(bob)).toEqual({ lastSeq: 6, readSeq: 4, unread: 1 });
  });

  it('only members move a marker', async () => {
    const stranger = await chat.user();
    await say(alice);
    chat.events.take();
    await chat.expectNoEffect(() => chat.reads.markRead(stranger.id, roomId, 1), 'forbidden');
  });

  it('room views carry the read state: get, and General for a new user', async () => {
    await say(alice);
    await chat.messages.send(alice.id, '0', 'hello all');
    expect(await chat.rooms.get(owner.id, roomId)).toMatchObject({ readSeq: 0, unread: 1 });
    const list = await chat.rooms.roomsOf(bob.id);
    expect(list.find((r) => r.id === '0')).toMatchObject({ lastSeq: 1, readSeq: 0, unread: 1 });
  });
});
