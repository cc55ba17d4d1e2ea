import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { startStack, type GatewayProcess, type Stack } from '../support/stack';
import { ARTIFACTS, DESKTOP, eventually, launchChromium, Person, PHONE } from './support';

/**
 * The acceptance scenario of the web client: two people in two browser contexts, their sockets on
 * different gateways, talking in General and in a DM; typing, presence, a network cut with 20
 * messages missed and recovered, HTML shown as text, screenshots at 360 px and on a desktop.
 */
describe('web client in Chromium against API + 2 gateways', () => {
  let stack: Stack;
  let browser: Browser;
  let alice: Person;
  let bob: Person;
  let carolToken: string;
  let dmId: string;
  let aliceId: string;
  const people: Person[] = [];

  async function registerViaApi(username: string): Promise<{ id: string; token: string }> {
    const res = await request(stack.api.url)
      .post('/api/auth/register')
      .send({ username, password: 'password123' });
    expect(res.status).toBe(201);
    return { id: res.body.user.id, token: res.body.token };
  }

  async function postViaApi(token: string, roomId: string, message: string): Promise<void> {
    const res = await request(stack.api.url)
      .post(`/api/rooms/${encodeURIComponent(roomId)}/messages`)
      .set('Authorization', `Bearer ${token}`)
      .send({ message });
    expect(res.status).toBe(201);
  }

  /** Every rendered element fits in the viewport's width (nothing cut off at the right). */
  async function expectNothingOffscreen(person: Person): Promise<void> {
    const overflowing = await person.page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('body *')]
        .filter((e) => e.getClientRects().length > 0)
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map((e) => `${e.tagName.toLowerCase()}.${e.className}`),
    );
    expect(overflowing).toEqual([]);
  }

  const connections = () => Promise.all(stack.gateways.map((g) => g.connections()));

  beforeAll(async () => {
    stack = await startStack({ gateways: 2 });
    browser = await launchChromium();
    // Someone who was here before: a few messages in General, and not online now.
    const carol = await registerViaApi('Carol');
    carolToken = carol.token;
    await postViaApi(carolToken, '0', 'Morning all! Stand-up moved to 10:15 today.');
    await postViaApi(carolToken, '0', 'Notes from yesterday: https://example.com/notes');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  afterEach(() => {
    // No console errors on any page, at any step.
    for (const person of people)
      expect({ who: person.name, errors: person.errors }).toEqual({ who: person.name, errors: [] });
  });

  it('registers two people whose sockets land on different gateways', async () => {
    // Alice: the default, Socket.IO on the page's own origin through the API's proxy.
    alice = await Person.open(browser, 'Alice', `${stack.api.url}/`);
    people.push(alice);
    await alice.register();
    aliceId = await alice.page.evaluate(
      async () => ((await (await fetch('/api/me')).json()) as { id: string }).id,
    );
    const afterAlice = await eventually(
      async () => {
        const c = await connections();
        return c[0] + c[1] === 1 ? c : null;
      },
      15_000,
      'Alice connected to one gateway',
    );
    const aliceGateway = afterAlice.indexOf(1);
    const other: GatewayProcess = stack.gateways[1 - aliceGateway];

    // Bob: the gateway override, pointed at the other instance.
    bob = await Person.open(
      browser,
      'Bob',
      `${stack.api.url}/?gateway=${encodeURIComponent(other.url)}`,
    );
    people.push(bob);
    await bob.register();
    await eventually(
      async () => {
        const c = await connections();
        return c[aliceGateway] === 1 && c[1 - aliceGateway] === 1;
      },
      15_000,
      'one socket on each gateway',
    );
  });

  it('shows presence live: Alice sees Bob come online', async () => {
    await alice.page.getByTestId('new-chat').click();
    const picker = alice.page.getByTestId('user-picker');
    const bobRow = picker.locator('[data-testid="person"]').filter({ hasText: 'Bob' });
    await bobRow.filter({ hasText: 'online' }).waitFor();
    // Online people first: Bob (online) is listed before Carol (offline).
    const order = await picker.locator('[data-testid="person"] .person__name').allTextContents();
    expect(order).toEqual(['Bob', 'Carol']);
    await alice.page.keyboard.press('Escape');
    await picker.waitFor({ state: 'detached' });
  });

  it('exchanges messages in General both ways, with names, times and own messages apart', async () => {
    await alice.waitForMessage('Morning all! Stand-up moved to 10:15 today.');
    await alice.send('Hi Bob! Are we still on for the design review?');
    await bob.waitForMessage('Hi Bob! Are we still on for the design review?');
    await bob.send('Yes, 3 pm works. I will bring the mock-ups.');
    await alice.waitForMessage('Yes, 3 pm works. I will bring the mock-ups.');

    const own = alice.page.locator('[data-testid="message"].msg--own');
    await expect(own.count()).resolves.toBe(1);
    const others = alice.page.locator('[data-testid="message"]:not(.msg--own)');
    await expect(others.count()).resolves.toBe(3);
    await expect(alice.page.locator('.msg__author').allTextContents()).resolves.toEqual([
      'Carol',
      'Bob',
    ]);
    await expect(alice.page.getByTestId('day-separator').allTextContents()).resolves.toEqual([
      'Today',
    ]);
    // The link is a plain http(s) link that opens elsewhere, never run in the page.
    const link = alice.page.locator('.msg__text a');
    await expect(link.getAttribute('href')).resolves.toBe('https://example.com/notes');
    await expect(link.getAttribute('rel')).resolves.toContain('noopener');

    // Shift+Enter is a new line, Enter sends.
    await bob.composer.fill('Agenda:');
    await bob.composer.press('Shift+Enter');
    await bob.composer.pressSequentially('1. colours');
    await bob.composer.press('Enter');
    await alice.waitForMessage('Agenda:\n1. colours');
    await expect(bob.composer.inputValue()).resolves.toBe('');
  });

  it('shows the typing indicator', async () => {
    await bob.composer.pressSequentially('Let me check the ro');
    await alice.page.getByTestId('typing').getByText('Bob is typing…').waitFor();
    await bob.composer.fill('');
    await alice.page
      .getByTestId('typing')
      .getByText('Bob is typing…')
      .waitFor({ state: 'detached' });
  });

  it('opens a DM that appears live for the other person, and talks both ways', async () => {
    await alice.page.getByTestId('new-chat').click();
    await alice.page
      .getByTestId('user-picker')
      .locator('[data-testid="person"]')
      .filter({ hasText: 'Bob' })
      .click();
    const conversation = alice.page.locator('[data-testid="conversation"]');
    await conversation.getByTestId('room-title').getByText('Bob').waitFor();
    dmId = (await conversation.getAttribute('data-room-id')) as string;
    expect(dmId).toMatch(/^\d+:\d+$/);
    await expect(conversation.getByTestId('room-status').textContent()).resolves.toBe('online');

    await alice.send('Quick question before the review, just between us');
    // Bob never asked for this room: it shows up (show.room) with the message unread.
    await bob.room(dmId).waitFor();
    await bob.room(dmId).getByTestId('unread').getByText('1').waitFor();
    await expect(bob.room(dmId).getAttribute('data-online')).resolves.toBe('true');
    await bob.openRoom(dmId);
    await bob.waitForMessage('Quick question before the review, just between us');
    await expect(bob.room(dmId).getByTestId('unread').count()).resolves.toBe(0);

    await bob.composer.pressSequentially('Sure, go');
    await alice.page.getByTestId('typing').getByText('Bob is typing…').waitFor();
    await bob.composer.press('Enter');
    await alice.waitForMessage('Sure, go');
    await alice.page
      .getByTestId('typing')
      .getByText('Bob is typing…')
      .waitFor({ state: 'detached' });
  });

  it('shows a DM opened by someone else, through the REST API, live and unread', async () => {
    const res = await request(stack.api.url)
      .post('/api/rooms/dm')
      .set('Authorization', `Bearer ${carolToken}`)
      .send({ userId: aliceId });
    expect(res.status).toBe(201);
    const roomId = res.body.id as string;
    await postViaApi(
      carolToken,
      roomId,
      'Could you look at my pull request when you have a minute?',
    );
    await alice.room(roomId).getByTestId('unread').getByText('1').waitFor();
    await expect(alice.room(roomId).getAttribute('data-online')).resolves.toBe('false');
  });

  it('saves a desktop screenshot', async () => {
    await alice.openRoom('0');
    await bob.openRoom('0');
    await bob.composer.pressSequentially('Sounds good, see you');
    await alice.page.getByTestId('typing').getByText('Bob is typing…').waitFor();
    await alice.page.screenshot({ path: resolve(ARTIFACTS, 'desktop.png') });
    await bob.composer.fill('');
  });

  it('renders HTML in a message as text', async () => {
    const xss = '<img src=x onerror="window.__xss = 1"><b>bold?</b>';
    await alice.openRoom('0');
    await alice.send(xss);
    await bob.waitForMessage(xss);
    const last = bob.page.locator('[data-testid="message-text"]').last();
    await expect(last.textContent()).resolves.toBe(xss);
    await expect(bob.page.locator('.timeline img, .timeline b').count()).resolves.toBe(0);
    await expect(
      bob.page.evaluate(() => (window as unknown as { __xss?: number }).__xss),
    ).resolves.toBeUndefined();
  });

  it('shows the character limit in code points', async () => {
    await alice.composer.fill('x'.repeat(4001));
    await expect(alice.page.getByTestId('counter').textContent()).resolves.toContain(
      '1 over the 4000 character limit',
    );
    await expect(alice.page.getByTestId('send').isDisabled()).resolves.toBe(true);
    await alice.composer.fill('😀'.repeat(4000)); // 8000 UTF-16 units, 4000 code points: allowed
    await expect(alice.page.getByTestId('counter').textContent()).resolves.toBe('4000/4000');
    await expect(alice.page.getByTestId('send').isDisabled()).resolves.toBe(false);
    await alice.composer.fill('');
  });

  it('recovers 20 messages missed while offline, once each and in order', async () => {
    await alice.openRoom('0');
    await bob.openRoom('0');
    bob.offline = true;
    await bob.context.setOffline(true);
    await bob.page.getByTestId('offline-banner').waitFor();
    // Presence: Alice sees Bob go offline (after the gateway's short reconnect grace).
    await alice
      .room(dmId)
      .and(alice.page.locator('[data-online="false"]'))
      .waitFor({ timeout: 20_000 });

    const texts = Array.from({ length: 20 }, (_, i) => `Missed message ${i + 1}`);
    for (const text of texts) await alice.send(text);
    await alice.waitForMessage('Missed message 20');
    await eventually(
      async () => (await alice.page.locator('[data-status="pending"]').count()) === 0,
      15_000,
      'all 20 acknowledged',
    );

    const sentBefore = bob.packets.length;
    await bob.context.setOffline(false);
    await bob.page.getByTestId('offline-banner').waitFor({ state: 'detached', timeout: 30_000 });
    bob.offline = false;
    await bob.waitForMessage('Missed message 20', 20_000);

    // They came through `sync` from Bob's last seen message in each room, not from a reload.
    const syncs = bob.emitted('sync', sentBefore) as { cursors: Record<string, string> }[];
    expect(syncs.length).toBeGreaterThan(0);
    expect(Object.keys(syncs[0].cursors).sort()).toEqual(['0', dmId].sort());
    expect(syncs[0].cursors['0']).toMatch(/^\d+-\d+$/);

    const seen = (await bob.sentTexts()).filter((t) => t.startsWith('Missed message'));
    expect(seen).toEqual(texts);
    // Every message once, in seq order with no hole, over the whole room.
    const seqs = await bob.page.$$eval('[data-testid="message"][data-status="sent"]', (els) =>
      els.map((e) => Number(e.getAttribute('data-seq'))),
    );
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0] + i));
    const ids = await bob.page.$$eval('[data-testid="message"][data-status="sent"]', (els) =>
      els.map((e) => e.getAttribute('data-id')),
    );
    expect(new Set(ids).size).toBe(ids.length);
    await alice
      .room(dmId)
      .and(alice.page.locator('[data-online="true"]'))
      .waitFor({ timeout: 20_000 });
  });

  it('marks a send failed when the network is gone, and a retry stores it once', async () => {
    alice.offline = true;
    await alice.context.setOffline(true);
    await alice.page.getByTestId('offline-banner').waitFor();
    await alice.send('Sent while offline');
    const mine = alice.page
      .locator('[data-testid="message"]')
      .filter({ hasText: 'Sent while offline' });
    await mine.and(alice.page.locator('[data-status="pending"]')).waitFor();
    await mine.and(alice.page.locator('[data-status="failed"]')).waitFor({ timeout: 15_000 });
    await mine.getByTestId('retry').click();
    await alice.context.setOffline(false);
    await alice.page.getByTestId('offline-banner').waitFor({ state: 'detached', timeout: 30_000 });
    alice.offline = false;
    await alice.waitForMessage('Sent while offline', 20_000);
    await bob.waitForMessage('Sent while offline');
    await eventually(
      async () =>
        (await alice.page.locator('[data-status="pending"], [data-status="failed"]').count()) === 0,
      15_000,
      'no pending left',
    );
    for (const person of [alice, bob]) {
      const count = (await person.sentTexts()).filter((t) => t === 'Sent while offline').length;
      expect(count).toBe(1);
    }
  });

  it('catches up over several sync pages when more than 500 messages were missed', async () => {
    alice.offline = true;
    await alice.context.setOffline(true);
    await alice.page.getByTestId('offline-banner').waitFor();
    const total = 520;
    for (let i = 1; i <= total; i += 1) await postViaApi(carolToken, '0', `Bulk ${i}`);
    const sentBefore = alice.packets.length;
    await alice.context.setOffline(false);
    await alice.page.getByTestId('offline-banner').waitFor({ state: 'detached', timeout: 30_000 });
    alice.offline = false;
    await alice.waitForMessage(`Bulk ${total}`, 30_000);
    const bulk = (await alice.sentTexts()).filter((t) => t.startsWith('Bulk '));
    expect(bulk).toEqual(Array.from({ length: total }, (_, i) => `Bulk ${i + 1}`));
    // The first answer stops at 500 (complete: false); the client asks again from there.
    const syncs = alice.emitted('sync', sentBefore) as { cursors: Record<string, string> }[];
    expect(syncs.filter((p) => '0' in p.cursors).length).toBeGreaterThanOrEqual(2);
  });

  it('looks right at 360 px: one pane at a time, no sideways scrolling', async () => {
    await bob.page.setViewportSize(PHONE);
    await bob.page.reload();
    await bob.page.getByTestId('me').waitFor();
    // The room list first, then the conversation with a way back.
    await expect(bob.page.locator('[data-testid="conversation"]').count()).resolves.toBe(0);
    await expectNothingOffscreen(bob);
    await bob.page.screenshot({ path: resolve(ARTIFACTS, 'mobile-360-rooms.png') });
    await bob.openRoom(dmId);
    await bob.waitForMessage('Sure, go');
    await expect(bob.page.locator('.sidebar').isVisible()).resolves.toBe(false);
    await expectNothingOffscreen(bob);
    await bob.page.screenshot({ path: resolve(ARTIFACTS, 'mobile-360.png') });
    await bob.page.getByRole('button', { name: 'Back to chats' }).click();
    await bob.page.locator('.sidebar').waitFor();
    await bob.page.setViewportSize(DESKTOP);
  });

  it('pages older history by scrolling up: no duplicates, no jumps', async () => {
    const dan = await registerViaApi('Dan');
    const room = await request(stack.api.url)
      .post('/api/rooms/dm')
      .set('Authorization', `Bearer ${carolToken}`)
      .send({ userId: dan.id });
    expect(room.status).toBe(201);
    const roomId = room.body.id as string;
    const total = 130;
    for (let i = 1; i <= total; i += 1)
      await postViaApi(i % 2 ? carolToken : dan.token, roomId, `History ${i}`);

    const carol = await Person.open(browser, 'Carol', `${stack.api.url}/`, {
      width: 900,
      height: 600,
    });
    people.push(carol);
    await carol.login();
    await carol.openRoom(roomId);
    await carol.waitForMessage(`History ${total}`);
    const scroller = carol.page.getByTestId('messages');
    for (let round = 0; round < 10; round += 1) {
      const before = await carol.page.$$eval('[data-testid="message"]', (els) => els.length);
      const edge = await carol.page.getByTestId('history-edge').textContent();
      if (edge?.includes('beginning of the conversation')) break;
      // Scroll to the top and measure the first message at once, before the page can arrive.
      const { anchor, top0 } = await scroller.evaluate((el) => {
        el.scrollTop = 0;
        const first = el.querySelector('[data-testid="message"]') as HTMLElement;
        return { anchor: first.dataset.id as string, top0: first.getBoundingClientRect().top };
      });
      await eventually(
        async () =>
          (await carol.page.$$eval('[data-testid="message"]', (els) => els.length)) > before,
        10_000,
        'an older page',
      );
      // The message that was at the top stays where it was: the older page went in above it.
      const top1 = await carol.page
        .locator(`[data-id="${anchor}"]`)
        .evaluate((el) => el.getBoundingClientRect().top);
      expect(Math.abs(top1 - top0)).toBeLessThanOrEqual(2);
    }
    await carol.page
      .getByTestId('history-edge')
      .getByText('beginning of the conversation')
      .waitFor();
    const texts = (await carol.sentTexts()).filter((t) => t.startsWith('History '));
    expect(texts).toEqual(Array.from({ length: total }, (_, i) => `History ${i + 1}`));
  });

  it('signs out; the other side sees the presence change', async () => {
    await bob.page.getByRole('button', { name: 'Sign out' }).click();
    await bob.page.getByRole('button', { name: 'Sign in' }).waitFor();
    await alice
      .room(dmId)
      .and(alice.page.locator('[data-online="false"]'))
      .waitFor({ timeout: 20_000 });
  });
});
