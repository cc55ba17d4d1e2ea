import type { Socket } from 'socket.io-client';
import request from 'supertest';
import { connectSocket, registerUser, sleep, type TestUser } from '../support/stack';
import { DoorStack, LineClient, startDoorStack } from './door-support';

/** docs/bots.md: revoking an API token closes its connections within 1 s. */
const REVOCATION_BOUND_MS = 1_000;
/** A short re-check period: a live token's connections must outlast several checks. */
const RECHECK_SECONDS = 1;
const CHAT_SCOPES = ['messages:read', 'messages:write', 'rooms:read', 'rooms:write'];

describe('API tokens on the line door (TOKEN) and on sockets', () => {
  let stack: DoorStack;
  let rita: TestUser;
  const clients: LineClient[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    stack = await startDoorStack({
      gateways: 1,
      doors: 2,
      env: { SESSION_RECHECK_SECONDS: String(RECHECK_SECONDS) },
    });
    rita = await registerUser(stack.api.url, 'dtok');
  }, 60_000);
  afterAll(async () => {
    clients.forEach((c) => c.destroy());
    sockets.forEach((s) => s.disconnect());
    await stack?.close();
  });

  async function createToken(scopes: string[]) {
    return (
      await request(stack.api.url)
        .post('/api/tokens')
        .set('Authorization', `Bearer ${rita.token}`)
        .send({ name: 'door', scopes })
        .expect(201)
    ).body as { id: string; token: string };
  }

  async function connect(door: number): Promise<LineClient> {
    const client = await LineClient.connect(stack.doors[door].port);
    clients.push(client);
    return client;
  }

  it('TOKEN logs in with an API token holding every chat scope, and not with a narrower one', async () => {
    const full = await createToken(CHAT_SCOPES);
    const narrow = await createToken(['messages:read', 'messages:write', 'queues']);
    const ok = await connect(0);
    expect(await ok.ask(`TOKEN ${full.token}`)).toBe(`OK NICK ${rita.username}`);
    expect(await ok.ask('PING')).toBe('OK PONG');
    const refused = await connect(0);
    expect(await refused.ask(`TOKEN ${narrow.token}`)).toMatch(/^ERR unauthorized /);
  });

  it('revoking the token closes its door connections on every door within 1 s', async () => {
    const { id, token } = await createToken(CHAT_SCOPES);
    const lines = [await connect(0), await connect(1)];
    for (const line of lines)
      expect(await line.ask(`TOKEN ${token}`)).toBe(`OK NICK ${rita.username}`);
    const since = Date.now();
    await request(stack.api.url)
      .delete(`/api/tokens/${id}`)
      .set('Authorization', `Bearer ${rita.token}`)
      .expect(204);
    for (const line of lines) {
      await line.waitClosed(REVOCATION_BOUND_MS + 2_000);
      expect(line.replies.at(-1)).toBe('ERR session_revoked Your session ended; log in again');
      expect((line.closedAt as number) - since).toBeLessThanOrEqual(REVOCATION_BOUND_MS);
    }
    expect(await (await connect(0)).ask(`TOKEN ${token}`)).toMatch(/^ERR unauthorized /);
  });

  it("a live token's socket outlasts the gateway's session re-checks", async () => {
    const { token } = await createToken(CHAT_SCOPES);
    const socket = await connectSocket(stack.gateways[0].url, token);
    sockets.push(socket);
    let cut = false;
    socket.on('disconnect', () => (cut = true));
    await sleep(RECHECK_SECONDS * 1000 * 3); // three re-checks
    expect(cut).toBe(false);
  });
});
