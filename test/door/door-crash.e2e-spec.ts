import { DoorStack, doorLogin, freshName, LineClient, startDoorStack } from './door-support';

interface Acked {
  seq: number;
  text: string;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const crash = require('../../chaos/lib/door-crash') as {
  sendLoop(
    client: LineClient,
    o: { from: string; to: string; max: number; acked: Acked[] },
  ): Promise<number>;
  history(
    client: LineClient,
    peer: string,
  ): Promise<{ ok: boolean; messages: { seq: number; from: string; text: string }[] }>;
  compareHistory(
    stored: { seq: number; from: string; text: string }[],
    acked: Map<string, Acked[]>,
  ): { acked: number; missing: number; unanswered: number; outOfOrder: number };
};

/**
 * A door process killed (-9) under load loses nothing that was acked: every `OK MSG` is in
 * history when its users come back through another door (the load and the check are shared with
 * `npm run chaos`'s door case, chaos/lib/door-crash.js).
 */
describe('line door: kill -9 of a door process under load', () => {
  let stack: DoorStack;
  const clients: LineClient[] = [];

  beforeAll(async () => {
    stack = await startDoorStack({ gateways: 1, doors: 2 });
  }, 60_000);

  afterAll(async () => {
    clients.forEach((c) => c.destroy());
    await stack?.close();
  });

  async function login(door: number, name: string): Promise<LineClient> {
    const client = await doorLogin(stack.doors[door].port, name);
    clients.push(client);
    return client;
  }

  it('every message acked with OK MSG before the kill is in HISTORY afterwards, in seq order', async () => {
    const receiver = freshName('rcv');
    await login(1, receiver);
    const senders = ['s1', 's2', 's3', 's4'].map(freshName);
    const acked = new Map<string, Acked[]>(senders.map((s) => [s, []]));
    // At most 90 each: HISTORY shows 100, and the kill comes at about 100 in all.
    const loops = senders.map(async (name) =>
      crash.sendLoop(await login(0, name), {
        from: name,
        to: receiver,
        max: 90,
        acked: acked.get(name)!,
      }),
    );
    const total = () => [...acked.values()].reduce((n, list) => n + list.length, 0);
    const deadline = Date.now() + 20_000;
    while (total() < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(total()).toBeGreaterThanOrEqual(100);
    await stack.doors[0].stop('SIGKILL');
    await Promise.all(loops);

    for (const name of senders) {
      const back = await login(1, name);
      const { ok, messages } = await crash.history(back, receiver);
      expect(ok).toBe(true);
      expect(messages.every((m) => m.from === name)).toBe(true);
      const mine = acked.get(name)!;
      expect(mine.length).toBeGreaterThan(0);
      const diff = crash.compareHistory(messages, new Map([[name, mine]]));
      expect(diff).toMatchObject({ acked: mine.length, missing: 0, outOfOrder: 0 });
      // An unanswered send at the kill may be stored too; every answered one must be.
      expect(diff.unanswered).toBeLessThanOrEqual(1);
    }

    await stack.doors[0].start();
    const again = await login(0, freshName('after'));
    expect(await again.ask('PING')).toBe('OK PONG');
  });
});
