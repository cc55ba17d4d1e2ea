import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startStack, type Stack } from '../support/stack';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = resolve(__dirname, '../artifacts');

/** The flags that work on these machines (no sandbox as root, no background network chatter). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 360, height: 740 };

/** One person in their own browser context, with every console error and page error recorded. */
export class Person {
  readonly errors: string[] = [];
  /** While true, failed network loads (we cut the network on purpose) are not errors. */
  offline = false;

  private constructor(
    readonly name: string,
    readonly context: BrowserContext,
    readonly page: Page,
  ) {
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const text = msg.text();
      if (this.offline && /net::ERR_|WebSocket connection/.test(text)) return;
      this.errors.push(text);
    });
    page.on('pageerror', (err) => this.errors.push(`pageerror: ${err.message}`));
    // Socket.IO packets the page sends, over WebSocket frames or long-polling POST bodies.
    page.on('websocket', (ws) =>
      ws.on('framesent', (frame) => {
        if (typeof frame.payload === 'string') this.packets.push(frame.payload);
      }),
    );
    page.on('request', (req) => {
      if (req.method() === 'POST' && req.url().includes('/socket.io/'))
        this.packets.push(req.postData() ?? '');
    });
  }

  /** Every Socket.IO packet sent so far (see above). */
  readonly packets: string[] = [];

  /** The payloads of the `event` packets sent since `from` (an index into `packets`). */
  emitted(event: string, from = 0): unknown[] {
    const found: unknown[] = [];
    for (const raw of this.packets.slice(from)) {
      // A polling body may hold several packets separated by \x1e; an event is 42[id]["name",…].
      for (const packet of raw.split('\x1e')) {
        const match = /^42\d*(\[.*)$/s.exec(packet);
        if (!match) continue;
        const [name, payload] = JSON.parse(match[1]) as [string, unknown];
        if (name === event) found.push(payload);
      }
    }
    return found;
  }

  static async open(
    browser: Browser,
    name: string,
    url: string,
    viewport = DESKTOP,
  ): Promise<Person> {
    const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'UTC' });
    const page = await context.newPage();
    const person = new Person(name, context, page);
    await page.goto(url);
    return person;
  }

  async register(password = 'password123'): Promise<void> {
    const { page } = this;
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByLabel('Username').fill(this.name);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByTestId('me').filter({ hasText: this.name }).waitFor();
  }

  async login(password = 'password123'): Promise<void> {
    const { page } = this;
    await page.getByLabel('Username').fill(this.name);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('me').filter({ hasText: this.name }).waitFor();
  }

  room(roomId: string) {
    return this.page.locator(`[data-testid="room"][data-room-id="${roomId}"]`);
  }

  async openRoom(roomId: string): Promise<void> {
    await this.room(roomId).click();
    await this.page.locator(`[data-testid="conversation"][data-room-id="${roomId}"]`).waitFor();
  }

  get composer() {
    return this.page.getByTestId('composer');
  }

  async send(text: string): Promise<void> {
    await this.composer.fill(text);
    await this.composer.press('Enter');
  }

  /** Texts of the sent (acknowledged) messages in the open conversation, in display order. */
  sentTexts(): Promise<string[]> {
    return this.page.$$eval(
      '[data-testid="conversation"] [data-testid="message"][data-status="sent"] [data-testid="message-text"]',
      (els) => els.map((e) => e.textContent ?? ''),
    );
  }

  /** Waits until the open conversation shows a sent message with exactly this text. */
  async waitForMessage(text: string, timeout = 15_000): Promise<void> {
    await this.page
      .locator('[data-testid="conversation"] [data-testid="message"][data-status="sent"]')
      .filter({ has: this.page.getByTestId('message-text').getByText(text, { exact: true }) })
      .first()
      .waitFor({ timeout });
  }

  /** A REST call from the page, with its session cookie: the answer's status and JSON body. */
  async call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    return this.page.evaluate(
      async ([m, p, b]) => {
        const res = await fetch(p, {
          method: m,
          headers: b === undefined ? {} : { 'Content-Type': 'application/json' },
          body: b === undefined ? undefined : JSON.stringify(b),
        });
        const text = await res.text();
        return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
      },
      [method, path, body] as const,
    );
  }

  /** This person's user id (from the session). */
  async id(): Promise<string> {
    return (await this.call<{ id: string }>('GET', '/api/me')).body.id;
  }

  /** Opens (or finds) the DM with `username` over REST; returns its room id. */
  async dmWith(username: string): Promise<string> {
    const res = await this.call<{ id: string }>('POST', '/api/rooms/dm', { username });
    return res.body.id;
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

/** Elements that stick out past the right edge of the viewport (sideways scrolling), by class. */
export function offscreen(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('body *')]
      .filter((e) => e.getClientRects().length > 0)
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className}`),
  );
}

/** The data-testid (or tag name) of the element with the focus. */
export function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    return el?.getAttribute('data-testid') ?? el?.tagName.toLowerCase() ?? '';
  });
}

/** Polls `fn` until it returns a truthy value. */
export async function eventually<T>(
  fn: () => Promise<T>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not met within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

/** What `useAdaAndBen` sets up, filled in by its `beforeAll`. */
export interface AdaAndBen {
  stack: Stack;
  browser: Browser;
  /** Registered, on gateway 1. */
  ada: Person;
  /** Registered, on gateway 2. */
  ben: Person;
  /** Whose console errors fail each test (a spec drops someone it closes on purpose). */
  people: Person[];
}

/**
 * A describe's set-up for two people: API + 2 gateways, Chromium, Ada and Ben signed up on
 * different gateways; after each test neither may have logged a console or page error.
 */
export function useAdaAndBen(): AdaAndBen {
  const it = { people: [] as Person[] } as unknown as AdaAndBen;
  beforeAll(async () => {
    it.stack = await startStack({ gateways: 2 });
    it.browser = await launchChromium();
    const url = it.stack.api.url;
    it.ada = await Person.open(it.browser, 'Ada', `${url}/`);
    const gateway2 = encodeURIComponent(it.stack.gateways[1].url);
    it.ben = await Person.open(it.browser, 'Ben', `${url}/?gateway=${gateway2}`);
    it.people.push(it.ada, it.ben);
    await it.ada.register();
    await it.ben.register();
  }, 90_000);
  afterAll(async () => {
    await it.browser?.close();
    await it.stack?.close();
  });
  afterEach(() => {
    for (const p of it.people)
      expect({ who: p.name, errors: p.errors }).toEqual({ who: p.name, errors: [] });
  });
  return it;
}
