import request from 'supertest';
import { startApi, TestApi } from '../support/api';
import { registerUser, Stack, startStack, TestUser } from '../support/stack';

const SESSIONS = 8;

/**
 * issue 12, found by review: the API's sticky /socket.io routing lived in a per-process map, so
 * a polling client whose requests reached another API replica landed on the wrong gateway
 * ("Session ID unknown"). Two API processes, two gateways; each polling session starts on API #1
 * and then alternates between the two, and keeps its session throughout.
 */
describe('sticky /socket.io routing across API replicas', () => {
  let stack: Stack;
  let second: TestApi;
  let user: TestUser;

  beforeAll(async () => {
    stack = await startStack({ gateways: 2 });
    second = await startApi(
      { ...stack.env, GATEWAY_URLS: stack.gateways.map((g) => g.url).join(',') },
      { redisUrl: stack.redis.url, flush: false },
    );
    user = await registerUser(stack.api.url, 'poll');
  }, 60_000);

  afterAll(async () => {
    await second?.close();
    await stack?.close();
  });

  const poll = (api: string, sid?: string) =>
    request(api)
      .get('/socket.io/')
      .query({ EIO: '4', transport: 'polling', ...(sid ? { sid } : {}) });

  it(`keeps ${SESSIONS} polling sessions whichever API replica each request reaches`, async () => {
    const apis = [stack.api.url, second.url];
    const failures: string[] = [];
    for (let n = 0; n < SESSIONS; n += 1) {
      const open = await poll(apis[0]).expect(200);
      const sid = (JSON.parse(open.text.slice(1)) as { sid: string }).sid;
      const connect = await request(apis[1])
        .post('/socket.io/')
        .query({ EIO: '4', transport: 'polling', sid })
        .set('Content-Type', 'text/plain;charset=UTF-8')
        .send(`40${JSON.stringify({ token: user.token })}`);
      if (connect.status !== 200) failures.push(`session ${n} CONNECT via #2: ${connect.status}`);
      // A long poll: on the wrong gateway's side nothing would ever come back for this session.
      const answer = await poll(apis[0], sid)
        .timeout(5_000)
        .catch(() => ({ status: 0, text: 'no answer' }));
      if (answer.status !== 200 || !answer.text.startsWith('40{"sid"'))
        failures.push(`session ${n} answer via #1: ${answer.status} ${answer.text.slice(0, 40)}`);
      const close = await request(apis[1])
        .post('/socket.io/')
        .query({ EIO: '4', transport: 'polling', sid })
        .set('Content-Type', 'text/plain;charset=UTF-8')
        .send('1');
      if (close.status !== 200) failures.push(`session ${n} close via #2: ${close.status}`);
    }
    expect(failures).toEqual([]);
  }, 90_000);
});
