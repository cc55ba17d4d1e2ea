import type { User, UsersPage } from '@app/contracts';
import type { Socket } from 'socket.io-client';
import { nextEvent } from './support/rooms';
import { registerUser, sleep, TestUser } from './support/stack';
import { useStack } from './support/suite';

/** How long "nothing arrives" is watched for after the positive side has been seen. */
const QUIET_MS = 300;

/**
 * Status (online, away, dnd, invisible) and "last seen", seen by another user on another
 * gateway. Invisible must look exactly like offline: in events, in every REST view.
 */
describe('status and last seen, across two gateways', () => {
  const suite = useStack({ gateways: 2 });
  const { api, open } = suite;
  let alice: TestUser;
  let bob: TestUser;
  let watcher: Socket;
  let heard: Array<{ event: string; user: User }>;

  beforeAll(async () => {
    [alice, bob] = await Promise.all(
      ['alice', 'bob'].map((p) => registerUser(suite.stack.api.url, p)),
    );
    watcher = await open(bob, 1);
    heard = [];
    for (const event of ['user.connected', 'user.disconnected', 'user.status'])
      watcher.on(event, (user: User) => heard.push({ event, user }));
  });

  const aboutAlice = () => heard.filter((h) => h.user.id === alice.id).map((h) => h.event);
  const viewOf = async (user: TestUser) =>
    ((await api(bob).get('/api/users').query({ ids: user.id }).expect(200)).body as User[])[0];
  const setStatus = (body: object) => api(alice).put('/api/me/status').send(body);

  /** Connects and closes a socket of a fresh user: its user.disconnected marks a sweep. */
  async function sweepMark(): Promise<void> {
    const clock = await registerUser(suite.stack.api.url, 'clock');
    const online = nextEvent<User>(watcher, 'user.connected', (u) => u.id === clock.id);
    const socket = await open(clock, 0);
    await online;
    const gone = nextEvent<User>(watcher, 'user.disconnected', (u) => u.id === clock.id, 15_000);
    socket.disconnect();
    await gone;
  }

  it('away with a text reaches others live as user.status and shows in REST', async () => {
    const online = nextEvent<User>(watcher, 'user.connected', (u) => u.id === alice.id);
    const socket = await open(alice, 0);
    expect(await online).toMatchObject({ status: 'online', lastSeen: null, statusText: '' });

    const told = nextEvent<User>(watcher, 'user.status', (u) => u.id === alice.id);
    const res = await setStatus({ status: 'away', text: 'On a train' }).expect(200);
    expect(res.body).toEqual({ status: 'away', text: 'On a train' });
    expect(await told).toMatchObject({ online: true, status: 'away', statusText: 'On a train' });
    expect(await viewOf(alice)).toMatchObject({ status: 'away', statusText: 'On a train' });

    // Without a text the text is kept; the caller reads their own setting back.
    await setStatus({ status: 'dnd' }).expect(200);
    expect((await api(alice).get('/api/me/status').expect(200)).body).toEqual({
      status: 'dnd',
      text: 'On a train',
    });
    await setStatus({ status: 'online', text: '' }).expect(200);
    expect(socket.connected).toBe(true);
  });

  it('invisible looks exactly like offline: events, REST, search, the online list', async () => {
    const offline = await registerUser(suite.stack.api.url, 'offline');
    heard.length = 0;
    const gone = nextEvent<User>(watcher, 'user.disconnected', (u) => u.id === alice.id);
    await setStatus({ status: 'invisible' }).expect(200);
    const event = await gone;
    expect(event).toMatchObject({ online: false, status: 'offline' });
    expect(event.lastSeen).toEqual(expect.any(Number));
    await sleep(QUIET_MS);
    expect(aboutAlice()).toEqual(['user.disconnected']);

    const view = await viewOf(alice);
    const never = await viewOf(offline);
    expect(Object.keys(view).sort()).toEqual(Object.keys(never).sort());
    expect(view).toMatchObject({ online: false, status: 'offline', lastSeen: event.lastSeen });
    const search = (
      await api(bob).get('/api/users/search').query({ q: alice.username }).expect(200)
    ).body as UsersPage;
    expect(search.users.find((u) => u.id === alice.id)).toEqual(view);
    const online = (await api(bob).get('/api/users/online').expect(200)).body as User[];
    expect(online.map((u) => u.id)).not.toContain(alice.id);
    expect(online.map((u) => u.id)).toContain(bob.id);
  });

  it('an invisible user going and coming is told to nobody and moves no "last seen"', async () => {
    const before = await viewOf(alice);
    heard.length = 0;
    suite.closeAll(alice);
    await sweepMark(); // alice's own sweep would have come by now, were she visible
    await open(alice, 1);
    await sweepMark();
    await sleep(QUIET_MS);
    expect(aboutAlice()).toEqual([]);
    expect(await viewOf(alice)).toEqual(before);
  });

  it('becoming visible again is told as coming online', async () => {
    heard.length = 0;
    const back = nextEvent<User>(watcher, 'user.connected', (u) => u.id === alice.id);
    await setStatus({ status: 'online' }).expect(200);
    expect(await back).toMatchObject({ online: true, status: 'online', lastSeen: null });
  });

  it('going offline for real sets lastSeen, told with user.disconnected', async () => {
    const gone = nextEvent<User>(watcher, 'user.disconnected', (u) => u.id === alice.id, 15_000);
    suite.closeAll(alice);
    const event = await gone;
    expect(event).toMatchObject({ online: false, status: 'offline' });
    expect(event.lastSeen).toBeGreaterThan(Date.now() / 1000 - 60);
    expect((await viewOf(alice)).lastSeen).toBe(event.lastSeen);
  });

  it.each([
    ['an unknown status', { status: 'busy' }],
    ['no status', { text: 'hello' }],
    ['a text of 101 characters', { status: 'away', text: 'x'.repeat(101) }],
    ['a text with a line break', { status: 'away', text: 'two\nlines' }],
  ])('400 for %s', async (_label, body) => {
    await setStatus(body).expect(400);
  });
});
