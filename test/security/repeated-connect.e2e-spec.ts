import { waitFor } from '../support/api';
import { connectPacket, rawEngine } from '../support/raw-engine';
import { registerUser, Stack, startStack, TestUser } from '../support/stack';

const ROUNDS = 25;
/** After the answer: long enough for a second answer or a closed connection to show. */
const QUIET_MS = 300;

/**
 * issue 12, found by review: the reference client's CONNECT sent twice on one Engine.IO
 * connection was acknowledged twice about one run in four. Raw Socket.IO packets over a bare
 * Engine.IO client, so the two CONNECTs go out exactly together (one polling POST, or two
 * WebSocket frames in one write), and in half the rounds a third follows the answer. Each round:
 * one CONNECT answer, and the connection still answers an event (an ack) afterwards.
 */
describe('a CONNECT sent twice on one Engine.IO connection', () => {
  let stack: Stack;
  let user: TestUser;

  beforeAll(async () => {
    stack = await startStack({ gateways: 1 });
    user = await registerUser(stack.api.url, 'twice');
  }, 60_000);

  afterAll(() => stack.close());

  async function round(transport: 'polling' | 'websocket', thirdAfterAnswer: boolean) {
    const { engine, packets, closed } = rawEngine(stack.gateways[0].url, transport);
    const connect = connectPacket(user.token);
    engine.on('open', () => {
      engine.send(connect);
      engine.send(connect);
    });
    const answers = () => packets.filter((p) => p.startsWith('0') || p.startsWith('4'));
    try {
      await waitFor(() => answers().length > 0 || closed() !== '', 10_000, 5);
      if (thirdAfterAnswer) engine.send(connect);
      engine.send('21["sync",{"cursors":{}}]');
      await waitFor(() => packets.some((p) => p.startsWith('31')) || closed() !== '', 10_000, 5);
      await new Promise((r) => setTimeout(r, QUIET_MS));
      return {
        answers: answers().map((p) => p.slice(0, 1)),
        acked: packets.some((p) => p.startsWith('31[{"ok":true')),
        closed: closed(),
      };
    } finally {
      engine.close();
    }
  }

  it.each(['polling', 'websocket'] as const)(
    `is answered once and the connection stays usable, ${ROUNDS} times (%s)`,
    async (transport) => {
      const bad: unknown[] = [];
      for (let i = 0; i < ROUNDS; i += 1) {
        const result = await round(transport, i % 2 === 1);
        if (result.answers.join() !== '0' || !result.acked || result.closed)
          bad.push({ round: i, ...result });
      }
      expect(bad).toEqual([]);
      // Every socket of those rounds is gone again: none was left behind unanswered.
      await waitFor(async () => (await stack.gateways[0].connections()) === 0, 10_000);
    },
    120_000,
  );
});
