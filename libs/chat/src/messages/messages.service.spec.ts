import { FeedsRepository, RedisKeys } from '@app/redis';
import { Account, ChatDomain, chatDomain } from '../../../../test/support/chat-domain';

// Real Redis: the private server started by the jest global setup, database 7 (ours alone).
const DB = 7;

describe('MessagesService.send (real repositories, no Nest container)', () => {
  let chat: ChatDomain;
  let owner: Account;
  let alice: Account;
  let bob: Account;

  const room = async (kind: 'public' | 'private', ...members: Account[]) =>
    (await chat.groupRoom(owner, kind, ...members)).id;
  const refused = (send: () => Promise<unknown>, code: string) => chat.expectNoEffect(send, code);

  beforeAll(async () => {
    chat = await chatDomain(DB);
  });
  beforeEach(async () => {
    [owner, alice, bob] = await chat.reset(3);
  });
  afterAll(() => chat.close());

  it('a member’s messages get increasing seqs, each announced once', async () => {
    const id = await room('private', alice);
    const sent = [];
    for (const [from, text] of [
      [alice, 'one'],
      [owner, 'two'],
      [alice, 'three'],
    ] as const) {
      const { message, created } = await chat.messages.send(from.id, id, text);
      expect(created).toBe(true);
      expect(message).toMatchObject({ roomId: id, from: from.id, message: text });
      sent.push(message);
    }
    expect(sent.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(chat.events.take()).toEqual(
      sent.map((message) => ({
        name: 'messageCreated',
        event: { message, toUsers: undefined, fed: false },
      })),
    );
    expect((await chat.rooms.get(alice.id, id)).lastSeq).toBe(3);
  });

  it('a message says whether its room has feeds, so feeds are read only for those rooms', async () => {
    const [fed, plain] = [await room('private', alice), await room('private', alice)];
    const feeds = new FeedsRepository(chat.redis);
    const record = { roomId: fed, userId: alice.id, queue: 'bot', created: Date.now() };
    expect(await feeds.add(record, { perRoom: 5, perUser: 5 })).toBe('added');
    await chat.messages.send(alice.id, fed, 'to the feed');
    await chat.messages.send(alice.id, plain, 'to nobody');
    expect(chat.events.take().map((e) => e.event)).toEqual([
      expect.objectContaining({ fed: true }),
      expect.objectContaining({ fed: false }),
    ]);
    await feeds.remove(fed, alice.id, 'bot');
    await chat.messages.send(alice.id, fed, 'feed gone');
    expect(chat.events.take().map((e) => e.event)).toEqual([
      expect.objectContaining({ fed: false }),
    ]);
  });

  it('everyone may post in General', async () => {
    const { message } = await chat.messages.send(bob.id, '0', 'hello all');
    expect(message).toMatchObject({ roomId: '0', from: bob.id, seq: 1 });
  });

  it('refuses a non-member with the domain’s forbidden, storing nothing', async () => {
    const priv = await room('private', alice);
    const pub = await room('public');
    await refused(() => chat.messages.send(bob.id, priv, 'let me in'), 'forbidden');
    // A public room is joined first: being able to join is not being a member.
    await refused(() => chat.messages.send(bob.id, pub, 'hi'), 'forbidden');
    expect(await chat.redis.exists(RedisKeys.roomMessages(priv), RedisKeys.roomSeq(priv))).toBe(0);
  });

  it('refuses a member once they were kicked', async () => {
    const id = await room('public', alice);
    await chat.messages.send(alice.id, id, 'before');
    await chat.membership.remove(owner.id, id, alice.id);
    chat.events.take();
    await refused(() => chat.messages.send(alice.id, id, 'after'), 'forbidden');
  });

  it('an unknown or malformed room is not found', async () => {
    await refused(() => chat.messages.send(alice.id, 'gaaaaaaaaaaaaaaaa', 'x'), 'not_found');
    await refused(() => chat.messages.send(alice.id, 'no such room', 'x'), 'not_found');
    // A DM nobody opened: only the socket's first message opens one.
    await refused(() => chat.messages.send(alice.id, `${alice.id}:${bob.id}`, 'x'), 'not_found');
  });

  it('a clientId replay returns the stored message and stores and announces nothing', async () => {
    const id = await room('public', alice, bob);
    const first = await chat.messages.send(alice.id, id, 'once', 'c-1');
    chat.events.take();
    const before = await chat.snapshot();
    const again = await chat.messages.send(alice.id, id, 'once', 'c-1');
    expect(again).toEqual({ message: first.message, created: false });
    expect(first.message).toMatchObject({ clientId: 'c-1', seq: 1, message: 'once' });
    expect(await chat.snapshot()).toEqual(before);
    expect(chat.events.take()).toEqual([]);
    // The clientId is the sender's own: someone else's equal one is another message.
    const bobs = await chat.messages.send(bob.id, id, 'mine', 'c-1');
    expect(bobs).toMatchObject({ created: true, message: { seq: 2, from: bob.id } });
  });

  it('concurrent retries of one clientId store it once', async () => {
    const id = await room('public', alice);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => chat.messages.send(alice.id, id, 'x', 'c-2')),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
    expect(chat.events.take().map((e) => e.name)).toEqual(['messageCreated']);
  });

  describe('with openDm (the socket)', () => {
    it('the first message opens the DM and goes to both members’ own channels', async () => {
      const dmId = `${alice.id}:${bob.id}`;
      const { message } = await chat.messages.send(bob.id, dmId, 'hi', undefined, {
        openDm: true,
      });
      expect(message).toMatchObject({ roomId: dmId, from: bob.id, seq: 1 });
      const [opened, created, ...rest] = chat.events.take();
      expect(rest).toEqual([]);
      expect(opened).toMatchObject({ name: 'roomOpened', event: { roomId: dmId, dm: true } });
      expect(created).toEqual({
        name: 'messageCreated',
        event: { message, toUsers: [alice.id, bob.id], fed: false },
      });
      // The DM exists now: the next message travels on the room's channel as usual.
      const next = await chat.messages.send(alice.id, dmId, 'hey', undefined, { openDm: true });
      expect(chat.events.take()).toEqual([
        {
          name: 'messageCreated',
          event: { message: next.message, toUsers: undefined, fed: false },
        },
      ]);
    });

    it('nobody opens, or posts to, a DM of two other users', async () => {
      const dmId = `${alice.id}:${bob.id}`;
      const send = () => chat.messages.send(owner.id, dmId, 'x', undefined, { openDm: true });
      await refused(send, 'not_found');
      await chat.rooms.openDm(alice.id, bob.id);
      chat.events.take();
      await refused(send, 'forbidden');
    });
  });
});
