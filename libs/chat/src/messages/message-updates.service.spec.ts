import { Account, ChatDomain, chatDomain } from '../../../../test/support/chat-domain';

// Real Redis: the private server started by the jest global setup, database 5 (ours alone).
const DB = 5;

describe('MessageUpdatesService (real repositories, no Nest container)', () => {
  let chat: ChatDomain;
  let owner: Account;
  let alice: Account;
  let bob: Account;
  let roomId: string;

  const refused = (call: () => Promise<unknown>, code: string) => chat.expectNoEffect(call, code);
  const say = async (from: Account, text: string) =>
    (await chat.messages.send(from.id, roomId, text)).message;
  const newest = async () =>
    (await chat.messages.history(owner.id, roomId, undefined, 50)).messages;

  beforeAll(async () => {
    chat = await chatDomain(DB);
  });
  beforeEach(async () => {
    [owner, alice, bob] = await chat.reset(3);
    roomId = (await chat.groupRoom(owner, 'public', alice, bob)).id;
  });
  afterAll(() => chat.close());

  it('an edit by the author takes the next seq, is announced, and history shows it', async () => {
    const m = await say(alice, 'helo');
    await say(bob, 'next');
    chat.events.take();
    const edited = await chat.updates.edit(alice.id, roomId, m.id, 'hello');
    expect(edited).toMatchObject({ id: m.id, seq: 1, from: alice.id, message: 'hello' });
    expect(edited.editedAt).toBeCloseTo(Date.now() / 1000, -1);
    expect(chat.events.take()).toEqual([
      { name: 'messageUpdated', event: { roomId, seq: 3, message: edited, fed: false } },
    ]);
    expect((await newest())[0]).toEqual(edited);
    expect((await say(bob, 'after')).seq).toBe(4);
  });

  it('only the author edits: an admin, a member and a stranger are refused', async () => {
    const m = await say(alice, 'mine');
    await chat.membership.setRole(owner.id, roomId, bob.id, 'admin');
    chat.events.take();
    await refused(() => chat.updates.edit(bob.id, roomId, m.id, 'theirs'), 'forbidden');
    await refused(() => chat.updates.edit(owner.id, roomId, m.id, 'theirs'), 'forbidden');
    const [stranger] = [await chat.user()];
    await refused(() => chat.updates.edit(stranger.id, roomId, m.id, 'x'), 'forbidden');
  });

  it('the author or a room admin deletes; a plain member does not', async () => {
    const byAlice = await say(alice, 'one');
    const byBob = await say(bob, 'two');
    chat.events.take();
    await refused(() => chat.updates.remove(bob.id, roomId, byAlice.id), 'forbidden');
    const tomb = await chat.updates.remove(alice.id, roomId, byAlice.id);
    expect(tomb).toMatchObject({ id: byAlice.id, message: '', deleted: true, seq: 1 });
    const byOwner = await chat.updates.remove(owner.id, roomId, byBob.id);
    expect(byOwner).toMatchObject({ deleted: true, message: '' });
    expect(chat.events.take().map((e) => e.name)).toEqual(['messageUpdated', 'messageUpdated']);
    expect((await newest()).map((m) => m.message)).toEqual(['', '']);
  });

  it('deleting twice, the same edit and the same reaction change nothing', async () => {
    const m = await say(alice, 'text');
    await chat.updates.react(bob.id, roomId, m.id, '👍', true);
    chat.events.take();
    await chat.expectNoEffect(() => chat.updates.edit(alice.id, roomId, m.id, 'text'));
    await chat.expectNoEffect(() => chat.updates.react(bob.id, roomId, m.id, '👍', true));
    await chat.expectNoEffect(() => chat.updates.react(alice.id, roomId, m.id, '🎉', false));
    await chat.updates.remove(alice.id, roomId, m.id);
    chat.events.take();
    await chat.expectNoEffect(() => chat.updates.remove(alice.id, roomId, m.id));
    await refused(() => chat.updates.edit(alice.id, roomId, m.id, 'back'), 'conflict');
    await refused(() => chat.updates.react(bob.id, roomId, m.id, '👍', true), 'conflict');
  });

  it('reactions count each user once per emoji, in order of first use, ids capped at 20', async () => {
    const m = await say(alice, 'react to me');
    await chat.updates.react(bob.id, roomId, m.id, '👍', true);
    await chat.updates.react(alice.id, roomId, m.id, '🇫🇷', true);
    let now = await chat.updates.react(alice.id, roomId, m.id, '👍', true);
    expect(now.reactions).toEqual([
      { emoji: '👍', count: 2, userIds: [bob.id, alice.id] },
      { emoji: '🇫🇷', count: 1, userIds: [alice.id] },
    ]);
    now = await chat.updates.react(alice.id, roomId, m.id, '🇫🇷', false);
    expect(now.reactions).toEqual([{ emoji: '👍', count: 2, userIds: [bob.id, alice.id] }]);
    for (let i = 0; i < 22; i += 1) {
      const u = await chat.user();
      await chat.membership.join(u.id, roomId);
      now = await chat.updates.react(u.id, roomId, m.id, '👍', true);
    }
    expect(now.reactions?.[0]).toMatchObject({ emoji: '👍', count: 24 });
    expect(now.reactions?.[0].userIds).toHaveLength(20);
  });

  it('refuses an emoji that is not one grapheme of at most 32 bytes, storing nothing', async () => {
    const m = await say(alice, 'x');
    chat.events.take();
    for (const bad of ['', '👍👍', 'ab', ' ', '\n', '\ud83d', 'a'.repeat(33)])
      await refused(() => chat.updates.react(bob.id, roomId, m.id, bad, true), 'bad_request');
    // One grapheme, several code points: a family, a flag, a skin tone.
    for (const good of ['👨‍👩‍👧', '🇯🇵', '👍🏽', 'é'])
      await chat.updates.react(bob.id, roomId, m.id, good, true);
  });

  it('an unknown message, room or non-member is refused with nothing stored', async () => {
    const m = await say(alice, 'x');
    chat.events.take();
    await refused(() => chat.updates.edit(alice.id, roomId, '1-1', 'y'), 'not_found');
    await refused(() => chat.updates.edit(alice.id, 'gaaaaaaaaaaaaaaaa', m.id, 'y'), 'not_found');
    const priv = (await chat.groupRoom(owner, 'private')).id;
    const there = (await chat.messages.send(owner.id, priv, 'private')).message;
    chat.events.take();
    await refused(() => chat.updates.react(alice.id, priv, there.id, '👍', true), 'forbidden');
    await refused(() => chat.updates.remove(alice.id, priv, there.id), 'forbidden');
  });

  it('the newest page cache sees a change to a message already on the page', async () => {
    const m = await say(alice, 'cached');
    expect((await newest())[0].message).toBe('cached');
    await chat.updates.edit(alice.id, roomId, m.id, 'fresh');
    expect((await newest())[0].message).toBe('fresh');
    await chat.updates.react(bob.id, roomId, m.id, '👍', true);
    expect((await newest())[0].reactions).toHaveLength(1);
  });

  it('sync returns new messages and each changed message once, at its latest seq', async () => {
    const a = await say(alice, 'a');
    const b = await say(bob, 'b');
    await chat.updates.edit(alice.id, roomId, a.id, 'a2'); // 3
    await chat.updates.react(owner.id, roomId, b.id, '👍', true); // 4
    const c = await say(bob, 'c'); // 5
    await chat.updates.edit(alice.id, roomId, a.id, 'a3'); // 6
    const all = await chat.messages.sync(owner.id, { [roomId]: '0' });
    expect(all[roomId].messages.map((m) => [m.seq, m.message])).toEqual([
      [1, 'a3'],
      [2, 'b'],
      [5, 'c'],
    ]);
    expect(all[roomId].updates.map((u) => [u.seq, u.message.id])).toEqual([
      [4, b.id],
      [6, a.id],
    ]);
    const fromB = await chat.messages.sync(owner.id, { [roomId]: b.id });
    expect(fromB[roomId].messages.map((m) => m.id)).toEqual([c.id]);
    expect(fromB[roomId].updates.map((u) => [u.seq, u.message.message])).toEqual([
      [4, 'b'],
      [6, 'a3'],
    ]);
    const fromC = await chat.messages.sync(owner.id, { [roomId]: c.id });
    expect(fromC[roomId]).toEqual({
      messages: [],
      complete: true,
      updates: [{ seq: 6, message: expect.objectContaining({ id: a.id, message: 'a3' }) }],
    });
  });
});
