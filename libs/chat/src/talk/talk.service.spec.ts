import { PresenceRepository, StatusRepository } from '@app/redis';
import { Account, ChatDomain, chatDomain } from '../../../../test/support/chat-domain';
import { toUser } from '../users/user-view';
import { TalkService } from './talk.service';

// Real Redis: the private server started by the jest global setup, database 3 (ours alone).
const DB = 3;

describe('TalkService (real repositories, no Nest container)', () => {
  let chat: ChatDomain;
  let talk: TalkService;
  let me: Account;
  let peer: Account;

  beforeAll(async () => {
    chat = await chatDomain(DB);
    talk = new TalkService(chat.users, chat.rooms, chat.events);
  });
  beforeEach(async () => {
    [me, peer] = await chat.reset(2);
  });
  afterAll(() => chat.close());

  it('TALKTO opens the DM (announced once as opened) and tells the peer, by name in any case', async () => {
    const started = await talk.start(me, peer.username.toUpperCase());
    const roomId = [me.id, peer.id].sort((a, b) => Number(a) - Number(b)).join(':');
    expect(started).toEqual({ user: peer, roomId });
    const events = chat.events.take();
    expect(events.map((e) => e.name)).toEqual(['roomOpened', 'talkStarted']);
    expect(events[1].event).toMatchObject({
      roomId,
      from: toUser(me, false),
      toUserId: peer.id,
    });
    // A second TALKTO finds the DM: only the peer is told again.
    await talk.start(me, peer.username);
    expect(chat.events.take().map((e) => e.name)).toEqual(['talkStarted']);
  });

  it('an invisible user starting a conversation is shown offline in it, as everywhere else', async () => {
    await new PresenceRepository(chat.redis).connect(me.id, 'door-1');
    await new StatusRepository(chat.redis).saveSetting(me.id, 'invisible', '');
    await talk.start(me, peer.username);
    const started = chat.events.take().find((e) => e.name === 'talkStarted');
    expect(started?.event).toMatchObject({ from: { id: me.id, online: false, status: 'offline' } });
  });

  it('STOP tells the peer and stores nothing', async () => {
    await talk.start(me, peer.username);
    chat.events.take();
    const before = await chat.snapshot();
    const stopped = await talk.stop(me, peer.username);
    expect(await chat.snapshot()).toEqual(before);
    expect(chat.events.take()).toMatchObject([
      {
        name: 'talkStopped',
        event: { roomId: stopped.roomId, from: toUser(me, false), toUserId: peer.id },
      },
    ]);
  });

  it('an unknown name is not_found and yourself is bad_request, with no effect', async () => {
    await chat.expectNoEffect(() => talk.start(me, 'nobody-by-that-name'), 'not_found');
    await chat.expectNoEffect(() => talk.start(me, me.username), 'bad_request');
    await chat.expectNoEffect(() => talk.stop(me, me.username), 'bad_request');
  });
});
