import type { FeedItem } from '@app/contracts';
import type { ParleyConfig } from '@app/config';
import { FeedsRepository, QueuesRepository, RoomsRepository } from '@app/redis';
import { Account, ChatDomain, chatDomain } from '../../../../test/support/chat-domain';
import { QueuesService } from '../queues/queues.service';
import { FeedsService } from './feeds.service';
import { FeedWriter } from './feed-writer';

// Real Redis: the private server started by the jest global setup, database 1 (ours alone).
const DB = 1;
const QUEUE_LENGTH = 3;

describe('FeedWriter (real repositories, no Nest container)', () => {
  let chat: ChatDomain;
  let queues: QueuesService;
  let feeds: FeedsService;
  let writer: FeedWriter;
  let repo: FeedsRepository;
  let owner: Account;
  let bot: Account;
  let roomId: string;

  /** Hands every recorded event to the writer, as FeedingChatEvents does, and waits for it. */
  const deliver = () =>
    Promise.all(chat.events.take().map(({ name, event }) => writer.observe(name, event)));
  const queued = async (userId: string, queue: string): Promise<FeedItem[]> => {
    const items: FeedItem[] = [];
    for (let m = await queues.take(userId, queue); m; m = await queues.take(userId, queue)) {
      items.push(JSON.parse(m.value) as FeedItem);
    }
    return items;
  };

  beforeAll(async () => {
    chat = await chatDomain(DB);
    const config = { limits: { queueLength: QUEUE_LENGTH } } as ParleyConfig;
    queues = new QueuesService(new QueuesRepository(chat.redis), config);
    repo = new FeedsRepository(chat.redis);
    feeds = new FeedsService(repo, chat.rooms);
    writer = new FeedWriter(repo, new RoomsRepository(chat.redis), queues);
  });
  beforeEach(async () => {
    [owner, bot] = await chat.reset(2);
    roomId = (await chat.groupRoom(owner, 'public', bot)).id;
    await feeds.create(bot.id, roomId, 'inbox');
  });
  afterAll(() => chat.close());

  it('adds each new message and each change to the feed, as JSON', async () => {
    const { message } = await chat.messages.send(owner.id, roomId, 'hello');
    const edited = await chat.updates.edit(owner.id, roomId, message.id, 'hello!');
    await deliver();
    expect(await queued(bot.id, 'inbox')).toEqual([
      { type: 'message', message },
      { type: 'update', roomId, seq: 2, message: edited },
    ]);
  });

  it('drops what a full queue cannot take, counts it, and never throws', async () => {
    for (let i = 0; i < QUEUE_LENGTH + 2; i += 1)
      await chat.messages.send(owner.id, roomId, `m${i}`);
    await deliver();
    const stats = await queues.stats(bot.id, 'inbox');
    expect(stats).toMatchObject({ len: QUEUE_LENGTH, metrics: { added: 3, dropped: 2 } });
  });

  it('ends the feed when its owner leaves', async () => {
    await chat.membership.leave(bot.id, roomId);
    await deliver(); // memberLeft alone, before any message
    expect(await repo.ofRoom(roomId)).toEqual([]);
    await chat.messages.send(owner.id, roomId, 'after the leave');
    await deliver();
    expect(await queued(bot.id, 'inbox')).toEqual([]);
  });

  it('checks membership itself when the leave was not announced to it', async () => {
    await chat.membership.leave(bot.id, roomId);
    chat.events.take(); // the memberLeft event is lost
    await chat.messages.send(owner.id, roomId, 'racing the leave');
    await deliver();
    expect(await queued(bot.id, 'inbox')).toEqual([]);
    await chat.membership.join(bot.id, roomId);
    expect(await feeds.list(bot.id, roomId)).toEqual([]);
  });
});
