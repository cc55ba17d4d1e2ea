import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { startStack, type Stack } from '../support/stack';
import { DESKTOP, eventually, launchChromium, Person, PHONE } from './support';

/** Screenshots for a human to look at (not committed): PARLEY_SCREENSHOTS or a temp dir. */
const SHOTS = process.env.PARLEY_SCREENSHOTS ?? join(tmpdir(), 'parley-rooms-screens');

/**
 * Rooms for teams in the web client: two people in two browser contexts (sockets on different
 * gateways). A public room found in the directory and joined, the member list and the messages
 * live on both sides; a private room with an invite through the user search and a removal, both
 * seen live by the other person; ownership, leaving, dialogs' keyboard behaviour, direction
 * isolation of user text, and the layout at 360 px and 1280 px.
 */
describe('rooms in the web client (Chromium, API + 2 gateways)', () => {
  let stack: Stack;
  let browser: Browser;
  let ada: Person;
  let ben: Person;
  let cyToken: string;
  let benId: string;
  let publicId: string;
  let privateId: string;
  const people: Person[] = [];
  /** Console errors a test expects (a 409 the page shows as a message), cleared after each. */
  let expectedErrors: RegExp[] = [];

  async function api(token: string, method: 'post' | 'get', path: string, body?: object) {
    const req = request(stack.api.url)[method](path).set('Authorization', `Bearer ${token}`);
    return body ? req.send(body) : req;
  }

  async function registerViaApi(username: string): Promise<{ id: string; token: string }> {
    const res = await request(stack.api.url)
      .post('/api/auth/register')
      .send({ username, password: 'password123' });
    expect(res.status).toBe(201);
    return { id: res.body.user.id, token: res.body.token };
  }

  const conversation = (p: Person) => p.page.locator('[data-testid="conversation"]');
  const settings = (p: Person) => p.page.getByTestId('room-settings');
  const member = (p: Person, userId: string) =>
    settings(p).locator(`[data-testid="member"][data-user-id="${userId}"]`);

  async function myId(p: Person): Promise<string> {
    return p.page.evaluate(
      async () => ((await (await fetch('/api/me')).json()) as { id: string }).id,
    );
  }

  /** Every rendered element fits in the viewport's width (nothing cut off at the right). */
  async function expectNothingOffscreen(page: Page): Promise<void> {
    const overflowing = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('body *')]
        .filter((e) => e.getClientRects().length > 0)
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map((e) => `${e.tagName.toLowerCase()}.${e.className}`),
    );
    expect(overflowing).toEqual([]);
  }

  /**
   * The element is on screen: inside the viewport and not covered at its centre. Its box and the
   * hit test are read in one evaluation, once the box is the same two frames running: read apart,
   * a layout change in between would measure one layout and test another.
   */
  async function expectVisible(page: Page, selector: string): Promise<void> {
    await page.locator(selector).first().waitFor();
    const settled = await page.evaluate(async (sel) => {
      const frame = () => new Promise((r) => requestAnimationFrame(() => r(undefined)));
      const read = () => {
        const el = document.querySelector(sel);
        if (!el) return null;
        const { x, y, width, height } = el.getBoundingClientRect();
        const hit = document.elementFromPoint(x + width / 2, y + height / 2);
        return { x, y, width, height, onTop: Boolean(hit && (el === hit || el.contains(hit))) };
      };
      let last = read();
      for (let i = 0; i < 120; i += 1) {
        await frame();
        const now = read();
        if (JSON.stringify(now) === JSON.stringify(last)) return now;
        last = now;
      }
      return last;
    }, selector);
    expect(settled).not.toBeNull();
    const vp = page.viewportSize() as { width: number; height: number };
    const { x, y, width, height, onTop } = settled as NonNullable<typeof settled>;
    expect(width).toBeGreaterThan(10);
    expect(x).toBeGreaterThanOrEqual(0);
    expect(y).toBeGreaterThanOrEqual(0);
    expect(x + width).toBeLessThanOrEqual(vp.width + 0.5);
    expect(y + height).toBeLessThanOrEqual(vp.height + 0.5);
    expect(onTop).toBe(true);
  }

  async function createRoom(
    p: Person,
    name: string,
    opts: { topic?: string; private?: boolean } = {},
  ) {
    await p.page.getByTestId('new-room').click();
    const dialog = p.page.getByRole('dialog', { name: 'New room' });
    await dialog.waitFor();
    await dialog.getByTestId('room-name').fill(name);
    if (opts.private) await dialog.getByTestId('room-private').check();
    if (opts.topic) await dialog.getByTestId('room-topic').fill(opts.topic);
    await p.page.screenshot({ path: join(SHOTS, `create-room-${p.name}.png`) });
    await dialog.getByTestId('create-room-submit').click();
    await dialog.waitFor({ state: 'detached' });
    await conversation(p).getByTestId('room-title').getByText(name, { exact: true }).waitFor();
    return (await conversation(p).getAttribute('data-room-id')) as string;
  }

  async function openSettings(p: Person) {
    await conversation(p).getByRole('button', { name: 'Room settings' }).click();
    await settings(p).waitFor();
  }

  async function closeSettings(p: Person) {
    await p.page.keyboard.press('Escape');
    await settings(p).waitFor({ state: 'detached' });
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stack = await startStack({ gateways: 2 });
    browser = await launchChromium();
    cyToken = (await registerViaApi('Cy')).token;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  afterEach(() => {
    for (const person of people) {
      const errors = person.errors.filter((e) => !expectedErrors.some((re) => re.test(e)));
      person.errors.length = 0;
      expect({ who: person.name, errors }).toEqual({ who: person.name, errors: [] });
    }
    expectedErrors = [];
  });

  it('signs two people in, without ever loading the whole user table', async () => {
    const [g1, g2] = stack.gateways;
    ada = await Person.open(browser, 'Ada', `${stack.api.url}/`);
    ben = await Person.open(
      browser,
      'Ben',
      `${stack.api.url}/?gateway=${encodeURIComponent(g2.url)}`,
    );
    expect(g1.url).not.toBe(g2.url);
    people.push(ada, ben);
    const userCalls: string[] = [];
    for (const p of people)
      p.page.on('request', (req) => {
        const url = new URL(req.url());
        if (url.pathname === '/api/users') userCalls.push(url.search);
      });
    await ada.register();
    await ben.register();
    benId = await myId(ben);
    // Ada's first message in General makes Ben look her up, by id.
    await ada.send('Hello');
    await ben.waitForMessage('Hello');
    await eventually(async () => userCalls.length > 0, 10_000, 'a user lookup by id');
    expect(userCalls.every((q) => /[?&]ids=/.test(q))).toBe(true);
  });

  it('creates a public room from a labelled dialog that takes and gives back the focus', async () => {
    const plus = ada.page.getByRole('button', { name: 'Create a room' });
    await plus.click();
    const dialog = ada.page.getByRole('dialog', { name: 'New room' });
    await dialog.waitFor();
    await expect(dialog.getAttribute('aria-modal')).resolves.toBe('true');
    // Focus is in the dialog (on the name field); Escape closes it and focus returns to "+".
    await expect(
      ada.page.evaluate(() => document.activeElement?.getAttribute('data-testid')),
    ).resolves.toBe('room-name');
    await ada.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect(
      ada.page.evaluate(() => document.activeElement?.getAttribute('data-testid')),
    ).resolves.toBe('new-room');

    publicId = await createRoom(ada, 'design-team', { topic: 'Logo, colours and type' });
    expect(publicId).toMatch(/^g[a-z2-7]{16}$/);
    const header = conversation(ada);
    await header.getByTestId('room-topic').getByText('Logo, colours and type').waitFor();
    await header.getByTestId('room-members').getByText('1 member').waitFor();
    await ada.room(publicId).waitFor();
    await expect(ada.room(publicId).getAttribute('data-kind')).resolves.toBe('public');
    // A second public room with the same name (any case) is refused with a clear message.
    await ada.page.getByTestId('new-room').click();
    const again = ada.page.getByRole('dialog', { name: 'New room' });
    await again.getByTestId('room-name').fill('Design-Team');
    expectedErrors = [/status of 409/];
    await again.getByTestId('create-room-submit').click();
    await again.getByRole('alert').getByText('already a public room called').waitFor();
    await ada.page.keyboard.press('Escape');
    await again.waitFor({ state: 'detached' });
  });

  it('Ben finds it in the directory by prefix and joins; Ada sees him in the member list live', async () => {
    await openSettings(ada);
    await expect(
      settings(ada)
        .getAttribute('aria-labelledby')
        .then((id) => ada.page.locator(`[id="${id}"]`).textContent()),
    ).resolves.toContain('design-team');
    const adaId = await myId(ada);
    await member(ada, adaId).and(ada.page.locator('[data-role="owner"]')).waitFor();
    await expect(settings(ada).locator('[data-testid="member"]').count()).resolves.toBe(1);

    await ben.page.getByRole('button', { name: 'Browse' }).click();
    const directory = ben.page.getByRole('dialog', { name: 'Browse rooms' });
    await directory.waitFor();
    await directory.getByTestId('directory-search').fill('DESI');
    const row = directory.locator(`[data-testid="directory-room"][data-room-id="${publicId}"]`);
    await row.getByText('Logo, colours and type').waitFor();
    await directory.getByTestId('directory-search').fill('desx');
    await directory.getByText('No public room starts with that').waitFor();
    await directory.getByTestId('directory-search').fill('des');
    await row.getByRole('button', { name: 'Join design-team' }).click();
    await directory.waitFor({ state: 'detached' });
    await conversation(ben)
      .and(ben.page.locator(`[data-room-id="${publicId}"]`))
      .waitFor();
    await ben.room(publicId).waitFor();

    // Live on Ada's side: Ben in the list, the count in the drawer and the header.
    await member(ada, benId).and(ada.page.locator('[data-role="member"]')).waitFor();
    await settings(ada).getByTestId('member-count').getByText('2').waitFor();
    await conversation(ada).getByTestId('room-members').getByText('2 members').waitFor();
    await ada.page.screenshot({ path: join(SHOTS, 'rooms-members-live.png') });
    await closeSettings(ada);
    await expect(
      ada.page.evaluate(() => document.activeElement?.getAttribute('data-testid')),
    ).resolves.toBe('room-settings-open');
  });

  it('they talk in the room live, with the sender named', async () => {
    await ada.send('Welcome to design, Ben!');
    await ben.waitForMessage('Welcome to design, Ben!');
    await ben.send('Thanks! Mock-ups coming.');
    await ada.waitForMessage('Thanks! Mock-ups coming.');
    await expect(
      conversation(ada).getByTestId('message-author').last().textContent(),
    ).resolves.toBe('Ben');
  });

  it('keeps user text direction-isolated: a \\u202e message cannot reverse the UI around it', async () => {
    const tricky = '\u202egnp.exe';
    // After a message of Ada's, so Ben's next one starts a group with his name above it.
    await ada.send('Send me the file?');
    await ben.waitForMessage('Send me the file?');
    await ben.send(tricky);
    await ada.waitForMessage(tricky);
    const facts = await conversation(ada)
      .locator('[data-testid="message"][data-status="sent"]')
      .last()
      .evaluate((li) => {
        const text = li.querySelector('[data-testid="message-text"]') as HTMLElement;
        const author = li.querySelector<HTMLElement>('[data-testid="message-author"]');
        const time = li.querySelector('time') as HTMLElement;
        return {
          tag: text.tagName,
          dir: text.getAttribute('dir'),
          isolated: getComputedStyle(text).unicodeBidi,
          authorOutside: author ? !text.contains(author) && !author.contains(text) : null,
          authorIsolated: author?.querySelector('bdi') !== null,
          timeOutside: !text.contains(time),
          // The time still reads left to right after the text, as in every other bubble.
          timeAfter: time.getBoundingClientRect().left >= text.getBoundingClientRect().left,
          timeText: time.textContent,
        };
      });
    expect(facts).toEqual({
      tag: 'BDI',
      dir: 'auto',
      isolated: 'isolate',
      authorOutside: true,
      authorIsolated: true,
      timeOutside: true,
      timeAfter: true,
      timeText: expect.stringMatching(/^\d\d:\d\d$/),
    });
    // In the room list the preview isolates the name and the text separately.
    const preview = await ada.room(publicId).locator('.room__preview bdi').allTextContents();
    expect(preview).toEqual(['Ben', tricky]);

    // A room name with an override, made through the API, is isolated wherever it shows.
    const res = await api(cyToken, 'post', '/api/rooms', {
      name: '\u202eevil-room',
      kind: 'public',
    });
    expect(res.status).toBe(201);
    await ben.page.getByTestId('browse-rooms').click();
    const directory = ben.page.getByRole('dialog', { name: 'Browse rooms' });
    const row = directory.locator(`[data-testid="directory-room"][data-room-id="${res.body.id}"]`);
    await row.waitFor();
    const nameTag = await row
      .locator('.directory__name')
      .evaluate((el) => [el.tagName, getComputedStyle(el).unicodeBidi]);
    expect(nameTag).toEqual(['BDI', 'isolate']);
    await expect(row.locator('.directory__count').textContent()).resolves.toBe('1 member');
    await ben.page.screenshot({ path: join(SHOTS, 'bidi-directory.png') });
    await ben.page.keyboard.press('Escape');
    await directory.waitFor({ state: 'detached' });
  });

  it('pages the directory with "Load more"', async () => {
    for (let i = 1; i <= 35; i += 1) {
      const res = await api(cyToken, 'post', '/api/rooms', {
        name: `proj-${String(i).padStart(2, '0')}`,
        kind: 'public',
      });
      expect(res.status).toBe(201);
    }
    await ben.page.getByTestId('browse-rooms').click();
    const directory = ben.page.getByRole('dialog', { name: 'Browse rooms' });
    await directory.getByTestId('directory-search').fill('proj-');
    const rows = directory.getByTestId('directory-room');
    await eventually(async () => (await rows.count()) === 30, 10_000, 'first page of 30');
    await directory.getByTestId('directory-more').click();
    await eventually(async () => (await rows.count()) === 35, 10_000, 'all 35 after Load more');
    const names = await directory.locator('.directory__name').allTextContents();
    expect(names).toEqual(
      Array.from({ length: 35 }, (_, i) => `proj-${String(i + 1).padStart(2, '0')}`),
    );
    await expect(directory.getByTestId('directory-more').count()).resolves.toBe(0);
    await ben.page.keyboard.press('Escape');
    await directory.waitFor({ state: 'detached' });
  });

  it('a private room: Ada invites Ben through the user search and it appears for him live', async () => {
    await ben.page.evaluate(() => ((window as unknown as { __noReload: number }).__noReload = 1));
    privateId = await createRoom(ada, 'secret-plans', { private: true, topic: 'Shh' });
    await expect(ada.room(privateId).getAttribute('data-kind')).resolves.toBe('private');
    // Not in the directory.
    const dir = await api(cyToken, 'get', '/api/rooms/directory?q=secret');
    expect(dir.status).toBe(200);
    expect(dir.body.rooms).toEqual([]);

    await openSettings(ada);
    await settings(ada).getByTestId('invite').click();
    const picker = ada.page.getByRole('dialog', { name: 'Invite people' });
    await picker.waitFor();
    await picker.getByTestId('user-search').fill('Be');
    const row = picker.locator(`[data-testid="person"][data-user-id="${benId}"]`);
    await row.filter({ hasText: 'online' }).waitFor();
    await row.click();
    await row.getByText('Added').waitFor();
    await ada.page.screenshot({ path: join(SHOTS, 'invite-picker.png') });
    await picker.getByTestId('user-search').fill('Zz');
    await picker.getByText('Nobody found').waitFor();
    await ada.page.keyboard.press('Escape');
    await picker.waitFor({ state: 'detached' });
    // Escape closed only the picker; focus went back to its button in the drawer.
    await settings(ada).waitFor();
    await expect(
      ada.page.evaluate(() => document.activeElement?.getAttribute('data-testid')),
    ).resolves.toBe('invite');
    await member(ada, benId).waitFor();

    // Ben: the room shows up without a reload, and he can talk in it.
    await ben.room(privateId).waitFor();
    await expect(
      ben.page.evaluate(() => (window as unknown as { __noReload?: number }).__noReload),
    ).resolves.toBe(1);
    await ben.openRoom(privateId);
    await conversation(ben).getByTestId('room-title').getByText('secret-plans').waitFor();
    await ben.send('Got the invite');
    await ada.waitForMessage('Got the invite');
  });

  it('Ada removes Ben: the room leaves his view live, with a notice', async () => {
    await conversation(ben)
      .and(ben.page.locator(`[data-room-id="${privateId}"]`))
      .waitFor();
    const row = member(ada, benId);
    await row.getByRole('button', { name: 'Remove Ben' }).click();
    await row.getByTestId('confirm').click();
    await row.waitFor({ state: 'detached' });
    await ben.room(privateId).waitFor({ state: 'detached' });
    // His open conversation was that room: he is back in General (desktop), told why.
    await conversation(ben).and(ben.page.locator('[data-room-id="0"]')).waitFor();
    await ben.page.getByTestId('notice').getByText('no longer a member of').waitFor();
    await ben.page.screenshot({ path: join(SHOTS, 'removed-notice.png') });
    await expect(ben.page.getByTestId('notice').locator('bdi').textContent()).resolves.toBe(
      'secret-plans',
    );
    await settings(ada).getByTestId('member-count').getByText('1').waitFor();
    await closeSettings(ada);
  });

  it('the last owner cannot leave; after handing ownership over she can', async () => {
    await ada.openRoom(publicId);
    await openSettings(ada);
    expectedErrors = [/status of 409/];
    await settings(ada).getByTestId('leave-room').click();
    await settings(ada)
      .getByTestId('leave-error')
      .getByText('Make another member the owner before you leave')
      .waitFor();
    await expect(ada.room(publicId).count()).resolves.toBe(1);

    // Ben has the room open with its settings: he sees his promotion live.
    await ben.openRoom(publicId);
    await openSettings(ben);
    await expect(settings(ben).getByTestId('settings-name').count()).resolves.toBe(0);
    const row = member(ada, benId);
    await row.getByRole('button', { name: 'Make Ben the owner' }).click();
    await row.getByTestId('confirm').click();
    await member(ada, benId).and(ada.page.locator('[data-role="owner"]')).waitFor();
    await member(ben, benId).and(ben.page.locator('[data-role="owner"]')).waitFor();
    // Now an owner, Ben may rename the room (the form appears for him).
    await settings(ben).getByTestId('settings-name').waitFor();

    await settings(ada).getByTestId('leave-room').click();
    await settings(ada).waitFor({ state: 'detached' });
    await ada.room(publicId).waitFor({ state: 'detached' });
    await member(ben, await myId(ada)).waitFor({ state: 'detached' });

    // Ben renames it; the header follows.
    await settings(ben).getByTestId('settings-name').fill('design');
    await settings(ben).getByTestId('settings-topic-input').fill('Brand work');
    await settings(ben).getByTestId('settings-save').click();
    await conversation(ben)
      .getByTestId('room-title')
      .getByText('design', { exact: true })
      .waitFor();
    await conversation(ben).getByTestId('room-topic').getByText('Brand work').waitFor();
    await closeSettings(ben);
  });

  it('is usable at 1280 px and at 360 px: title, topic, composer and settings on screen', async () => {
    for (const [label, viewport] of [
      ['1280', DESKTOP],
      ['360', PHONE],
    ] as const) {
      const page = ben.page;
      await page.setViewportSize(viewport);
      await page.reload();
      await page.getByTestId('me').waitFor();
      if (viewport === PHONE) {
        // The room list first: both sections and their buttons fit.
        await expectVisible(page, '[data-testid="new-room"]');
        await expectVisible(page, '[data-testid="browse-rooms"]');
        await expectVisible(page, `[data-testid="room"][data-room-id="${publicId}"]`);
        await expectNothingOffscreen(page);
        await page.screenshot({ path: join(SHOTS, `rooms-${label}-list.png`) });
      }
      await ben.openRoom(publicId);
      await ben.waitForMessage('Welcome to design, Ben!');
      await expectVisible(page, '[data-testid="room-title"]');
      await expectVisible(page, '[data-testid="room-topic"]');
      await expectVisible(page, '[data-testid="composer"]');
      await expectVisible(page, '[data-testid="room-settings-open"]');
      await expectNothingOffscreen(page);
      await page.screenshot({ path: join(SHOTS, `rooms-${label}.png`) });
      await openSettings(ben);
      await expectVisible(page, '[data-testid="leave-room"]');
      await expectNothingOffscreen(page);
      await page.screenshot({ path: join(SHOTS, `rooms-${label}-settings.png`) });
      await closeSettings(ben);
      if (viewport === PHONE) {
        await page.getByRole('button', { name: 'Back to chats' }).click();
        await page.locator('.sidebar').waitFor();
      }
    }
    await ben.page.setViewportSize(DESKTOP);
  });
});
