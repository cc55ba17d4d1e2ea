import { resolve } from 'node:path';
import { useAdaAndBen, type Person } from './support';

const DOCS = resolve(__dirname, '../../docs');

/**
 * Status and last seen in the web client: Ben picks away / do not disturb / invisible with a
 * short text; Ada (on the other gateway) sees the dot, the words and the text live beside his
 * name in the DM list, the conversation header and a room's member list, and "last seen …" once
 * he has gone.
 */
describe('status in the web client (Chromium, API + 2 gateways)', () => {
  const t = useAdaAndBen();
  let ada: Person;
  let ben: Person;
  let dmId: string;
  let benId: string;

  beforeAll(async () => {
    ({ ada, ben } = t);
    benId = await ben.id();
    dmId = await ada.dmWith('Ben');
    await ada.openRoom(dmId);
  }, 60_000);

  const dmRow = () => ada.room(dmId);
  const header = () => ada.page.getByTestId('conversation');

  async function pick(status: string, text?: string) {
    await ben.page.getByTestId('status-button').click();
    const dialog = ben.page.getByRole('dialog', { name: 'Set a status' });
    await dialog.waitFor();
    await dialog.getByTestId(`status-${status}`).check();
    if (text !== undefined) await dialog.getByTestId('status-text').fill(text);
    await dialog.getByTestId('status-save').click();
    await dialog.waitFor({ state: 'detached' });
    await ben.page.locator(`[data-testid="status-button"][data-status="${status}"]`).waitFor();
  }

  it('shows a status picked by keyboard-reachable controls live to the other person', async () => {
    await dmRow().locator('[data-presence="online"]').waitFor();
    await pick('away', 'At lunch, back at 2');
    await dmRow().locator('[data-presence="away"]').waitFor();
    await dmRow().getByTestId('status-text').getByText('At lunch, back at 2').waitFor();
    await header().getByTestId('room-status').getByText('away', { exact: true }).waitFor();
    await header().getByTestId('status-text').getByText('At lunch, back at 2').waitFor();
    // Ben's own button shows what he set.
    await ben.page.getByTestId('my-status-text').getByText('At lunch, back at 2').waitFor();
    await ada.page.screenshot({ path: resolve(DOCS, 'status.png') });
  });

  it('shows do not disturb, and the text beside names in a room’s member list', async () => {
    await pick('dnd', 'Focusing');
    await dmRow().locator('[data-presence="dnd"]').waitFor();
    await header().getByTestId('room-status').getByText('do not disturb').waitFor();
    const room = await ada.call<{ id: string }>('POST', '/api/rooms', {
      name: 'team',
      kind: 'public',
    });
    expect(room.status).toBe(201);
    expect((await ben.call('POST', `/api/rooms/${room.body.id}/join`)).status).toBe(200);
    await ada.openRoom(room.body.id);
    await ada.page.getByRole('button', { name: 'Room settings' }).click();
    const row = ada.page.locator(`[data-testid="member"][data-user-id="${benId}"]`);
    await row.getByTestId('status-text').getByText('Focusing').waitFor();
    await row.getByTestId('presence-state').getByText('do not disturb').waitFor();
    await row.locator('[data-presence="dnd"]').waitFor();
    await ada.page.keyboard.press('Escape');
    await ada.openRoom(dmId);
  });

  it('keeps invisible indistinguishable from offline, then shows "last seen" once gone', async () => {
    await pick('invisible');
    await dmRow().locator('[data-presence="offline"]').waitFor();
    await expect(dmRow().getAttribute('data-online')).resolves.toBe('false');
    // Exactly what an offline user looks like.
    await header()
      .getByTestId('room-status')
      .getByText(/^(offline|last seen .+)$/)
      .waitFor();
    await pick('online', 'Back');
    await dmRow().locator('[data-presence="online"]').waitFor();
    await dmRow().getByTestId('status-text').getByText('Back').waitFor();
    await ben.close();
    t.people.splice(t.people.indexOf(ben), 1);
    await header()
      .getByTestId('room-status')
      .getByText(/^last seen (just now|\d+ minutes? ago)$/)
      .waitFor({ timeout: 30_000 });
    await dmRow().locator('[data-presence="offline"]').waitFor();
  });
  it('moves "last seen" on as time passes, on one shared clock', async () => {
    const { page } = ada;
    // Ada's page on Playwright's clock (time flows, and can be moved without waiting).
    await page.clock.install();
    await page.reload();
    await ada.openRoom(dmId);
    const seen = header().getByTestId('room-status');
    await seen.getByText(/^last seen (just now|1 minute ago)$/).waitFor();
    // Five minutes on, as far as the page's clock knows: its next tick (at most 15 s away, run at
    // once here, well before a Socket.IO ping could be missed) brings the words up to date.
    await page.clock.setFixedTime(Date.now() + 5 * 60_000);
    await page.clock.runFor(15_000);
    await seen.getByText(/^last seen [56] minutes ago$/).waitFor({ timeout: 5_000 });
    // Only the words changed: the connection stayed up.
    await expect(page.getByTestId('offline-banner').count()).resolves.toBe(0);
  });
});
