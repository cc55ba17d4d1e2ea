import { MessagesRepository, RateLimitRepository } from '@app/redis';
import { Account, ChatDomain, chatDomain } from '../../../../test/support/chat-domain';
import { MessagesService } from './messages.service';

// Real Redis: the private server started by the jest global setup, database 16 (ours alone).
const DB = 16;

/**
 * History pages and sync answers are kept per process and reused while the room's seq stands
 * still. Two MessagesService instances on one Redis play two processes: what one changes, the
 * other's next read must show.
 */
describe('MessagesService reads kept per process (real Redis, two instances)', () => {
  let chat: ChatDomain;
  let other: MessagesService;
  let owner: Account;
  let alice: Account;
  let roomId: string;
  let sent: string[];

  const texts = (list: { message: string }[]) => list.map((m) => m.message);
  const syncFrom = async (service: MessagesService, cursor: string) =>
    (await service.sync(alice.id, { [roomId]: cursor }))[roomId];

  beforeAll(async () => {
    chat = await chatDomain(DB);
    const config = (chat.messages as unknown as { config: never }).config;
    other = new MessagesService(
      new MessagesRepository(chat.redis),
      chat.rooms,
      chat.events,
      new RateLimitRepository(chat.redis),
      config,
    );
  });
  beforeEach(async () => {
    [owner, alice] = await chat.reset(2);
    roomId = (await chat.groupRoom(owner, 'private', alice)).id;
    sent = [];
    for (let i = 1; i <= 30; i += 1)
      sent.push((await chat.messages.send(owner.id, roomId, `m${i}`)).message.id);
  });
  afterAll(() => chat.close());

  it('a sync answer read again after a message and an edit through another process shows both', async () => {
    const cursor = sent[19];
    const first = await syncFrom(chat.messages, cursor);
    expect(texts(first.messages)).toEqual([
      'm21',
      'm22',
      'm23',
      'm24',
      'm25',
      'm26',
      'm27',
      'm28',
      'm29',
      'm30',
    ]);
    expect(await syncFrom(chat.messages, cursor)).toStrictEqual(first);

    await other.send(owner.id, roomId, 'm31');
    await chat.updates.edit(owner.id, roomId, sent[24], 'm25 edited');
    const again = await syncFrom(chat.messages, cursor);
    expect(texts(again.messages).slice(-2)).toEqual(['m30', 'm31']);
    expect(again.messages[4]).toMatchObject({ message: 'm25 edited' });
    expect(again.updates.map((u) => u.message.message)).toEqual(['m25 edited']);
    // The other process reads the same answer.
    expect(await syncFrom(other, cursor)).toEqual(again);
  });

  it('an older page read again after a reaction on it through another process shows it', async () => {
    const page = await chat.messages.history(alice.id, roomId, sent[20], 10);
    expect(texts(page.messages)).toEqual([
      'm11',
      'm12',
      'm13',
      'm14',
      'm15',
      'm16',
      'm17',
      'm18',
      'm19',
      'm20',
    ]);
    expect(page.nextBefore).toBe(sent[10]);
    await other.history(owner.id, roomId, sent[20], 10);
    await chat.updates.react(owner.id, roomId, sent[12], '👍', true);
    const again = await chat.messages.history(alice.id, roomId, sent[20], 10);
    expect(again.messages[2].reactions).toEqual([{ emoji: '👍', count: 1, userIds: [owner.id] }]);
    expect(again.messages[3].reactions ?? []).toEqual([]);
  });

  it('a member removed after a read gets nothing from the copy', async () => {
    await syncFrom(chat.messages, sent[9]);
    await chat.messages.history(alice.id, roomId, sent[20], 10);
    await chat.membership.remove(owner.id, roomId, alice.id);
    chat.events.take();
    expect(await chat.messages.sync(alice.id, { [roomId]: sent[9] })).toEqual({});
    await chat.expectNoEffect(
      () => chat.messages.history(alice.id, roomId, sent[20], 10),
      'forbidden',
    );
  });

  it('a kept answer cannot be changed by the caller it was given to', async () => {
    const first = await syncFrom(chat.messages, sent[25]);
    expect(() => (first.messages as unknown[]).push({})).toThrow(TypeError);
    expect(() => Object.assign(first.messages[0], { message: 'tampered' })).toThrow(TypeError);
    expect(texts((await syncFrom(chat.messages, sent[25])).messages)).toEqual([
      'm27',
      'm28',
      'm29',
      'm30',
    ]);
  });
});
