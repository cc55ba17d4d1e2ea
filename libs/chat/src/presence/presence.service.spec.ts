import { toParleyConfig, validateEnv } from '@app/config';
import { PresenceRepository, RoomsRepository, StatusRepository } from '@app/redis';
import { Account, ChatDomain, chatDomain } from '../../../../test/support/chat-domain';
import { testRedisUrl } from '../../../../test/support/redis-url';
import { PresenceService } from './presence.service';

// Real Redis: the private server started by the jest global setup, database 17 (ours alone).
const DB = 17;

describe('PresenceService.connected (real repositories, no Nest container)', () => {
  let chat: ChatDomain;
  let presence: PresenceService;
  let alice: Account;
  let bob: Account;
  let carol: Account;

  /** Presence announcements go to everyone while fewer than 2 users are online. */
  const BROADCAST_MAX = 2;

  beforeAll(async () => {
    chat = await chatDomain(DB);
  });
  beforeEach(async () => {
    [alice, bob, carol] = await chat.reset(3);
    const env = { NODE_ENV: 'test', REDIS_URL: testRedisUrl(DB) };
    const config = toParleyConfig(
      validateEnv({ ...env, PRESENCE_BROADCAST_MAX: String(BROADCAST_MAX) }),
    );
    presence = new PresenceService(
      new PresenceRepository(chat.redis),
      new RoomsRepository(chat.redis),
      new StatusRepository(chat.redis),
      chat.users,
      chat.events,
      chat.redis,
      config,
    );
  });
  afterAll(() => chat.close());

  /** The presence announcements made since the last call. */
  const told = () =>
    chat.events.take().flatMap((e) => (e.name === 'presenceChanged' ? [e.event] : []));

  const online = (a: Account) => ({
    id: a.id,
    username: a.username,
    online: true,
    status: 'online',
    statusText: '',
    lastSeen: null,
  });

  it('announces a user once, on their first connection, with the rooms of the handshake but General', async () => {
    await presence.connected(alice, 's1', ['0', 'dm-a']);
    await presence.connected(alice, 's2', ['0', 'dm-a']);
    expect(chat.events.take()).toEqual([
      {
        name: 'presenceChanged',
        event: { user: online(alice), everyone: true, roomIds: ['dm-a'] },
      },
    ]);
    expect((await chat.users.online()).map((u) => u.id)).toEqual([alice.id]);
  });

  it('tells everyone while fewer than PRESENCE_BROADCAST_MAX are online, then only the rooms', async () => {
    await presence.connected(alice, 's1', ['0']);
    await presence.connected(bob, 's2', ['0', 'g1']);
    await presence.connected(carol, 's3', ['0', 'g1']);
    expect(told()).toEqual([
      { user: online(alice), everyone: true, roomIds: [] },
      { user: online(bob), everyone: false, roomIds: ['g1'] },
      { user: online(carol), everyone: false, roomIds: ['g1'] },
    ]);
  });

  it('tells nobody about an invisible user, who is counted all the same', async () => {
    await new StatusRepository(chat.redis).saveSetting(alice.id, 'invisible', '');
    await presence.connected(alice, 's1', ['0']);
    expect(chat.events.take()).toEqual([]);
    expect(await new PresenceRepository(chat.redis).areOnline([alice.id])).toEqual([true]);
    // Counted: the next user is the second online, so no longer told to everyone.
    await presence.connected(bob, 's2', ['0']);
    expect(told().map((event) => event.everyone)).toEqual([false]);
  });
});
