import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { eventually, useAdaAndBen, type Person } from './support';

const DOCS = resolve(__dirname, '../../docs');

/**
 * What people do with messages, in the web client: unread badges and the read marker kept by
 * the server (another tab clears a badge live, nothing in localStorage), the "New messages"
 * divider, editing one's last message with ↑ / Enter / Esc, deleting from a keyboard-reachable
 * menu (a tombstone on both sides), and reactions with counts and who reacted.
 */
describe('unread, edits, deletions and reactions in the web client (Chromium, API + 2 gateways)', () => {
  const t = useAdaAndBen();
  let ada: Person;
  let ben: Person;
  let dmId: string;
  let roomId: string;

  beforeAll(async () => {
    ({ ada, ben } = t);
    dmId = await ben.dmWith('Ada');
    const room = await ben.call<{ id: string }>('POST', '/api/rooms', {
      name: 'design',
      kind: 'public',
    });
    roomId = room.body.id;
    expect((await ada.call('POST', `/api/rooms/${roomId}/join`)).status).toBe(200);
    await ada.room(roomId).waitFor();
    await ada.room(dmId).waitFor();
  }, 60_000);

  const badge = (page: Page, id: string) =>
    page.locator(`[data-testid="room"][data-room-id="${id}"] [data-testid="unread"]`);
  const message = (p: Person, text: string) =>
    p.page
      .locator('[data-testid="conversation"] [data-testid="message"][data-status="sent"]')
      .filter({ has: p.page.getByTestId('message-text').getByText(text, { exact: true }) });

  async function post(p: Person, room: string, text: string) {
    const res = await p.call('POST', `/api/rooms/${room}/messages`, { message: text });
    expect(res.status).toBe(201);
  }

  it('counts unread messages on the server and shows a divider at the first one', async () => {
    for (const text of ['one', 'two', 'three']) await post(ben, dmId, text);
    for (const text of ['sketch ready', 'have a look']) await post(ben, roomId, text);
    await badge(ada.page, dmId).getByText('3', { exact: true }).waitFor();
    await badge(ada.page, roomId).getByText('2', { exact: true }).waitFor();
    // The counts come from the server: a reload shows them again, localStorage holds nothing.
    await ada.page.reload();
    await badge(ada.page, dmId).getByText('3', { exact: true }).waitFor();
    await badge(ada.page, roomId).getByText('2', { exact: true }).waitFor();
    const stored = await ada.page.evaluate(() => Object.keys(localStorage));
    expect(stored.filter((k) => k.startsWith('parley.read'))).toEqual([]);

    await ada.openRoom(dmId);
    const divider = ada.page.getByTestId('unread-divider');
    await divider.waitFor();
    // The divider sits right before "one", the first unread message.
    const next = await divider.evaluate((el) => el.nextElementSibling?.textContent ?? '');
    expect(next).toContain('one');
    await badge(ada.page, dmId).waitFor({ state: 'detached' });
    await ada.page.screenshot({ path: resolve(DOCS, 'unread.png') });
    await eventually(
      async () => {
        const rooms = await ada.call<{ id: string; unread: number }[]>('GET', '/api/rooms');
        return rooms.body.find((r) => r.id === dmId)?.unread === 0;
      },
      10_000,
      'the server counts the DM read',
    );
  });

  it('clears a badge live when the room is read in another tab', async () => {
    const tab = await ada.context.newPage();
    tab.on('pageerror', (err) => ada.errors.push(`tab: ${err.message}`));
    await tab.goto(`${t.stack.api.url}/`);
    await tab.getByTestId('me').waitFor();
    // Both tabs still show "design" unread; the second tab reads it, the first follows.
    await badge(ada.page, roomId).getByText('2', { exact: true }).waitFor();
    await badge(tab, roomId).getByText('2', { exact: true }).waitFor();
    await tab.locator(`[data-testid="room"][data-room-id="${roomId}"]`).click();
    await badge(tab, roomId).waitFor({ state: 'detached' });
    await badge(ada.page, roomId).waitFor({ state: 'detached', timeout: 10_000 });
    await tab.close();
  });

  it('edits the last message with ↑, cancels with Esc, saves with Enter, live on both sides', async () => {
    await ben.openRoom(dmId);
    await ada.send('Helo wrld');
    await ada.waitForMessage('Helo wrld');
    await ben.waitForMessage('Helo wrld');
    await ada.composer.press('ArrowUp');
    await ada.page.getByTestId('editing').waitFor();
    await expect(ada.composer.inputValue()).resolves.toBe('Helo wrld');
    await ada.composer.press('Escape');
    await ada.page.getByTestId('editing').waitFor({ state: 'detached' });
    await expect(ada.composer.inputValue()).resolves.toBe('');
    await ada.composer.press('ArrowUp');
    await ada.composer.fill('Hello world');
    await ada.composer.press('Enter');
    for (const p of [ada, ben]) {
      await message(p, 'Hello world').getByTestId('edited').waitFor();
      await expect(message(p, 'Helo wrld').count()).resolves.toBe(0);
    }
  });

  it('reacts from the menu and the chips, with counts and who reacted', async () => {
    const target = message(ben, 'Hello world');
    await target.hover();
    await target.getByTestId('message-menu').click();
    await ben.page.getByRole('menuitem', { name: 'React with 👍' }).click();
    const chip = (p: Person) =>
      message(p, 'Hello world').locator('[data-testid="reaction"][data-emoji="👍"]');
    await chip(ada).getByTestId('reaction-count').getByText('1', { exact: true }).waitFor();
    await expect(chip(ada).getAttribute('title')).resolves.toContain('Ben');
    await expect(chip(ada).getAttribute('aria-pressed')).resolves.toBe('false');
    await chip(ada).click();
    await chip(ben).getByTestId('reaction-count').getByText('2', { exact: true }).waitFor();
    await expect(chip(ada).getAttribute('aria-pressed')).resolves.toBe('true');
    await ben.send('Looks good');
    await ada.waitForMessage('Looks good');
    await ada.page.screenshot({ path: resolve(DOCS, 'edit-react.png') });
    await chip(ada).click();
    await chip(ben).getByTestId('reaction-count').getByText('1', { exact: true }).waitFor();
  });

  it('deletes from the message menu by keyboard: a tombstone on both sides', async () => {
    await ada.send('Oops, wrong chat');
    await ben.waitForMessage('Oops, wrong chat');
    const menuButton = message(ada, 'Oops, wrong chat').getByTestId('message-menu');
    await menuButton.focus();
    await ada.page.keyboard.press('Enter');
    await ada.page.getByTestId('message-actions').waitFor();
    // The first emoji has the focus; ↑ wraps to the last item, Delete.
    await ada.page.keyboard.press('ArrowUp');
    await expect(
      ada.page.evaluate(() => document.activeElement?.getAttribute('data-testid')),
    ).resolves.toBe('delete');
    await ada.page.keyboard.press('Enter');
    for (const p of [ada, ben]) {
      await p.page.getByTestId('tombstone').waitFor();
      await expect(message(p, 'Oops, wrong chat').count()).resolves.toBe(0);
    }
    // Ben's menu on Ada's message offers no edit or delete (not his).
    const theirs = message(ben, 'Hello world');
    await theirs.hover();
    await theirs.getByTestId('message-menu').click();
    await ben.page.getByTestId('message-actions').waitFor();
    await expect(ben.page.getByTestId('edit').count()).resolves.toBe(0);
    await expect(ben.page.getByTestId('delete').count()).resolves.toBe(0);
    await ben.page.keyboard.press('Escape');
  });

  it('blocks from a message menu: hidden behind "Blocked message – show" in a group room', async () => {
    await ada.openRoom(roomId);
    const theirs = message(ada, 'have a look');
    await theirs.hover();
    await theirs.getByTestId('message-menu').click();
    await ada.page.getByTestId('block-author').click();
    const hidden = ada.page.getByTestId('blocked-message');
    await expect(eventually(async () => (await hidden.count()) === 2)).resolves.toBe(true);
    await expect(message(ada, 'have a look').count()).resolves.toBe(0);
    const blocks = await ada.call<{ username: string }[]>('GET', '/api/me/blocks');
    expect(blocks.body.map((u) => u.username)).toEqual(['Ben']);
    await hidden.last().getByRole('button', { name: 'show' }).click();
    await message(ada, 'have a look').waitFor();
    await ada.page.screenshot({ path: resolve(DOCS, 'blocked.png') });
    // The DM header offers the way back.
    await ada.openRoom(dmId);
    await ada.page.getByRole('button', { name: 'Unblock Ben' }).click();
    await ada.page.getByRole('button', { name: 'Block Ben' }).waitFor();
    await ada.openRoom(roomId);
    await message(ada, 'sketch ready').waitFor();
    await expect(hidden.count()).resolves.toBe(0);
  });
});
