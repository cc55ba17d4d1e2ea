import { DoorStack, doorLogin, freshName, LineClient, startDoorStack } from './door-support';

/**
 * A door process killed (-9) under load loses nothing that was acked: every `OK MSG` is in
 * history when its users come back through another door.
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
    const acked = new Map<string, { seq: number; text: string }[]>(senders.map((s) => [s, []]));
    const loops = senders.map(async (name) => {
      const client = await login(0, name);
      // At most 90 each: HISTORY shows 100, and the kill comes at about 100 in all.
      for (let i = 0; !client.closed && i < 90; i += 1) {
        const text = `${name} message ${i}`;
        const answer = await client.ask(`MSG ${receiver} ${text}`).catch(() => 'closed');
        const ok = /^OK MSG (\d+)$/.exec(answer);
        if (ok) acked.get(name)!.push({ seq: Number(ok[1]), text });
        else if (answer.startsWith('ERR rate_limited'))
          await new Promise((r) => setTimeout(r, 100));
        else if (answer !== 'closed') throw new Error(`unexpected: ${answer}`);
      }
    });
    const total = () => [...acked.values()].reduce((n, list) => n + list.length, 0);
    const deadline = Date.now() + 20_000;
    while (total() < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(total()).toBeGreaterThanOrEqual(100);
    await stack.doors[0].stop('SIGKILL');
    await Promise.all(loops);

    for (const name of senders) {
      const back = await login(1, name);
      const history = await back.command(`HISTORY ${receiver} 100`);
      expect(history.at(-1)).toBe(`OK HISTORY ${history.length - 1}`);
      const stored = history.slice(0, -1).map((line) => {
        const [, seq, from, , ...text] = line.split(' ');
        expect(from).toBe(name);
        return { seq: Number(seq), text: text.join(' ') };
      });
      const mine = acked.get(name)!;
      expect(mine.length).toBeGreaterThan(0);
      // An unanswered send at the kill may be stored too; every answered one must be.
      expect(stored.slice(0, mine.length)).toEqual(mine);
      expect(stored.length - mine.length).toBeLessThanOrEqual(1);
      const seqs = stored.map((m) => m.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }

    await stack.doors[0].start();
    const again = await login(0, freshName('after'));
    expect(await again.ask('PING')).toBe('OK PONG');
  });
});
