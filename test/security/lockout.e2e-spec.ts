import { Agent } from 'node:http';
import request, { type Response } from 'supertest';
import { startApi, TestApi } from '../support/api';
import { bearer, PASSWORD, register, setCookies } from '../support/http';

const LIMIT = 3;
/** LIMIT_LOGIN_FAILURES per name and client; all clients together: ten times that. */
const NAME_CAP = LIMIT * 10;
const DEVICE_COOKIE = 'parley.device';

/**
 * The API does not trust proxies here (no TRUST_PROXY), so a client's address is its socket's:
 * each "client" binds its own loopback address (all of 127.0.0.0/8 reaches the server).
 */
function login(
  api: TestApi,
  from: string,
  username: string,
  password: string,
  headers: Record<string, string> = {},
) {
  return request(api.url)
    .post('/api/auth/login')
    .agent(new Agent({ localAddress: from }))
    .set(headers)
    .send({ username, password });
}

function deviceCookie(res: Response): string {
  const line = setCookies(res).find((c) => c.startsWith(`${DEVICE_COOKIE}=`));
  if (!line) throw new Error(`no ${DEVICE_COOKIE} cookie in response ${res.status}`);
  return line.split(';')[0];
}

// Issue 12, finding 3: ten wrong passwords for a name locked its owner out everywhere.
describe('security: failed logins cost the guesser, not the owner', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startApi({ LIMIT_LOGIN_FAILURES: String(LIMIT) }, { db: 3 });
  });
  afterAll(() => api.close());

  it('12 wrong passwords for joe from one client do not stop joe logging in from another; the guessing client stays blocked', async () => {
    await register(api.url, 'joe');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i += 1)
      statuses.push((await login(api, '127.0.0.2', 'joe', `guess-number-${i}`)).status);
    expect(statuses.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(401));
    expect(statuses.slice(LIMIT)).toEqual(Array(12 - LIMIT).fill(429));

    const owner = await login(api, '127.0.0.3', 'joe', PASSWORD);
    expect(owner.status).toBe(200);
    // The guesser's client is refused even with the right password: the block is theirs.
    const guesser = await login(api, '127.0.0.2', 'JOE', PASSWORD);
    expect(guesser.status).toBe(429);
    expect(Number(guesser.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('many clients together hit a per-name cap, which still lets in a known device or a live session of that user', async () => {
    const mary = await register(api.url, 'mary');
    const device = deviceCookie(await login(api, '127.0.0.40', 'mary', PASSWORD));
    for (let c = 0; c < NAME_CAP / LIMIT; c += 1) {
      for (let i = 0; i < LIMIT; i += 1) {
        const res = await login(api, `127.0.1.${c + 1}`, 'mary', `guess-${c}-${i}`);
        expect(res.status).toBe(401);
      }
    }
    // A new client is refused for the name now, whatever password it brings ...
    const stranger = await login(api, '127.0.2.1', 'mary', PASSWORD);
    expect(stranger.status).toBe(429);
    // ... but not mary's own browser (its device cookie), from anywhere,
    expect((await login(api, '127.0.2.1', 'mary', PASSWORD, { Cookie: device })).status).toBe(200);
    // nor a request that already has a session of mary.
    expect((await login(api, '127.0.2.2', 'mary', PASSWORD, bearer(mary.token))).status).toBe(200);
    // A device cookie of another user is no pass for mary's name.
    await register(api.url, 'eve');
    const eve = deviceCookie(await login(api, '127.0.2.3', 'eve', PASSWORD));
    expect((await login(api, '127.0.2.3', 'mary', PASSWORD, { Cookie: eve })).status).toBe(429);
  });
});
