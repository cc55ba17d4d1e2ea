import type { Socket } from 'socket.io-client';
import { RedisKeys } from '@app/redis';
import { waitFor } from '../support/api';
import { connectSocket, registerUser, Stack, startStack } from '../support/stack';

/** The bound under test: SESSION_RECHECK_SECONDS, set low here (30 by default). */
const RECHECK_SECONDS = 1;

/**
 * issue 12, found by review: a lost `session revoked` event left the session's sockets
 * connected. The session is deleted straight from Redis, so no event is ever sent: the gateway's
 * timed re-check must still tell the socket and cut it within the bound, and leave the socket
 * of a live session alone.
 */
describe('sessions re-checked on a timer', () => {
  let stack: Stack;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    stack = await startStack({
      gateways: 1,
      env: { SESSION_RECHECK_SECONDS: String(RECHECK_SECONDS) },
    });
  }, 60_000);

  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await stack.close();
  });

  it(`cuts a socket whose session vanished without an event within ${RECHECK_SECONDS} s`, async () => {
    const [gone, kept] = await Promise.all(
      ['gone', 'kept'].map((p) => registerUser(stack.api.url, p)),
    );
    const log: string[] = [];
    const goneSocket = await connectSocket(stack.gateways[0].url, gone.token);
    const keptSocket = await connectSocket(stack.gateways[0].url, kept.token);
    sockets.push(goneSocket, keptSocket);
    goneSocket.on('session.revoked', () => log.push('session.revoked'));
    goneSocket.on('disconnect', (reason) => log.push(`disconnect:${reason}`));
    keptSocket.on('disconnect', (reason) => log.push(`kept disconnect:${reason}`));

    const deleted = await stack.api.redis.del(`${RedisKeys.sessionPrefix()}${gone.token}`);
    expect(deleted).toBe(1);
    const since = Date.now();
    await waitFor(() => !goneSocket.connected, RECHECK_SECONDS * 1_000 + 5_000, 20);
    const tookMs = Date.now() - since;
    // One timer period plus the check's own round trips and a loaded machine's slack.
    expect(tookMs).toBeLessThanOrEqual(RECHECK_SECONDS * 1_000 + 1_500);
    expect(log).toEqual(['session.revoked', 'disconnect:io server disconnect']);

    // Two more periods: the live session's socket is never cut.
    await new Promise((r) => setTimeout(r, RECHECK_SECONDS * 2_000 + 200));
    expect(keptSocket.connected).toBe(true);
    expect(log).not.toContain('kept disconnect:io server disconnect');
  }, 60_000);
});
