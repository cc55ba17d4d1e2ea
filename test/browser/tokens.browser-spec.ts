import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { tag } from '../support/http';
import { startStack, type Stack } from '../support/stack';
import { ARTIFACTS, DESKTOP, focused, launchChromium, offscreen, PHONE, Person } from './support';

/**
 * The API tokens page of the web client (docs/bots.md): a token made with
 * scopes and an expiry, its secret shown once with a copy button, the list, revoking; by
 * keyboard, at 1280 and 360 px. The token is then used the way a bot would, from outside the page.
 */
describe('API tokens in the web client (Chromium)', () => {
  let stack: Stack;
  let browser: Browser;
  let ada: Person;
  let secret = '';

  beforeAll(async () => {
    stack = await startStack({ gateways: 1 });
    browser = await launchChromium();
    ada = await Person.open(browser, `Tok${tag(5)}`, `${stack.api.url}/`);
    await ada.register();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });
  afterEach(() => expect(ada.errors).toEqual([]));

  /** A bot's request with the token, from outside the browser. */
  const asBot = (path: string, init: RequestInit = {}) =>
    fetch(`${stack.api.url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${secret}`,
        'content-type': 'application/json',
        ...init.headers,
      },
    });
  const dialog = () => ada.page.getByRole('dialog', { name: 'API tokens' });

  async function openByKeyboard(): Promise<void> {
    await ada.page.getByTestId('open-tokens').focus();
    await ada.page.keyboard.press('Enter');
    await dialog().waitFor();
  }

  it('creates a token by keyboard and shows its secret once, with a copy button', async () => {
    const { page } = ada;
    await ada.context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: stack.api.url,
    });
    await openByKeyboard();
    expect(await focused(page)).toBe('token-name');
    // Asking for nothing is refused in words, before anything is sent.
    await page.keyboard.press('Enter');
    await dialog().getByRole('alert').getByText('Give the token a name').waitFor();

    await page.keyboard.type('deploy-bot');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('token-scope-messages:read');
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('token-scope-rooms:read');
    await page.keyboard.press('Space');
    await page.getByTestId('token-expiry').selectOption('7');
    await page.getByTestId('token-create').press('Enter');

    const value = dialog().getByTestId('token-value');
    await value.waitFor();
    secret = await value.inputValue();
    expect(secret).toMatch(/^prl_[A-Za-z0-9_-]{43}$/);
    await dialog().getByTestId('token-copy').click();
    await dialog().getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

    const row = dialog().getByTestId('token');
    await expect(row.count()).resolves.toBe(1);
    await expect(row.locator('.token__scope').allTextContents()).resolves.toEqual([
      'messages:read',
      'rooms:read',
    ]);
    const inAWeek = new Date(Date.now() + 7 * 86_400_000).toLocaleDateString('en-GB', {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      timeZone: 'UTC',
    });
    await row.getByText(`expires ${inAWeek}`).waitFor();

    // Done, or closing and coming back: the secret is nowhere on the page any more.
    await dialog().getByTestId('token-done').click();
    await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'detached' });
    expect(await focused(page)).toBe('open-tokens');
    await openByKeyboard();
    await dialog().getByTestId('token').waitFor();
    expect(await page.content()).not.toContain(secret);
  });

  it('the token works for a bot within its scopes only', async () => {
    const rooms = await asBot('/api/rooms');
    expect(rooms.status).toBe(200);
    const post = await asBot('/api/rooms/0/messages', {
      method: 'POST',
      body: JSON.stringify({ message: 'from the bot' }),
    });
    expect(post.status).toBe(403); // no messages:write
  });

  it('fits 360 px and 1280 px without sideways scrolling', async () => {
    const { page } = ada;
    for (const viewport of [PHONE, DESKTOP]) {
      await page.setViewportSize(viewport);
      await dialog().getByTestId('token-create').scrollIntoViewIfNeeded();
      expect(await offscreen(page)).toEqual([]);
      const box = await dialog().boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= viewport.width).toBe(true);
      await page.screenshot({ path: resolve(ARTIFACTS, `tokens-${viewport.width}.png`) });
    }
  });

  it('revokes by keyboard after asking once more: the token stops working', async () => {
    const { page } = ada;
    await dialog().getByTestId('token-revoke').focus();
    await page.keyboard.press('Enter');
    expect(await focused(page)).toBe('token-revoke-confirm');
    await page.keyboard.press('Enter');
    await dialog().getByTestId('token').waitFor({ state: 'detached' });
    await dialog().getByText('No tokens yet.').waitFor();
    expect((await asBot('/api/rooms')).status).toBe(401);
    const listed = await ada.call<unknown[]>('GET', '/api/tokens');
    expect(listed.body).toEqual([]);
  });
});
