import request from 'supertest';
import { startApi, TestApi } from '../support/api';
import { RedisKeys } from '@app/redis';
import { bearer, expectError, expectFieldError, login, register, Session } from '../support/http';

/** Texts that render as nothing: an empty bubble in every client. */
const INVISIBLE: [string, string][] = [
  ['zero-width space, word joiner, BOM', '\u200b\u2060\ufeff'],
  ['bidi controls', '\u202e\u2066\u2069\u200f'],
  ['variation selectors', '\ufe0f\ufe0e\u{e0100}'],
  ['soft hyphen, combining grapheme joiner, Hangul filler', '\u00ad\u034f\u3164'],
  ['tag characters', '\u{e0041}\u{e0042}'],
  ['invisible characters between white space', ' \u200b\n\u2060\t'],
];

// Issue 12, weaker findings: what the API accepts from users.
describe('security: input rules', () => {
  let api: TestApi;
  let user: Session;

  beforeAll(async () => {
    api = await startApi({}, { db: 8 });
    user = await register(api.url, 'writer');
  });
  afterAll(() => api.close());

  describe('messages made only of invisible characters are refused', () => {
    it.each(INVISIBLE)('%s: 400 on REST', async (_what, text) => {
      const res = await request(api.url)
        .post('/api/rooms/0/messages')
        .set(bearer(user.token))
        .send({ message: text });
      expectFieldError(res, 'message');
    });

    it.each([
      ['a letter among them', 'a\u200b\u202e'],
      ['an emoji sequence with joiners and selectors', '👩\u200d💻 ❤\ufe0f'],
    ])('%s is still accepted', async (_what, text) => {
      const res = await request(api.url)
        .post('/api/rooms/0/messages')
        .set(bearer(user.token))
        .send({ message: text });
      expect(res.status).toBe(201);
    });
  });

  describe('a username that looks like an existing one (UTS #39 skeleton) is refused with 409', () => {
    const signUp = (username: string) =>
      request(api.url)
        .post('/api/auth/register')
        .send({ username, password: 'a-decent-passphrase' });

    it.each(['PabIo', 'pabIo', 'Pab1o', 'PAB1O', 'Pabl0', 'PabI0'])(
      'Pablo exists: %s is refused',
      async (lookalike) => {
        if (!(await api.redis.hexists(RedisKeys.usernames(), 'pablo')))
          await register(api.url, 'Pablo');
        const res = await signUp(lookalike);
        expectError(res, 409);
        expect(String(res.body.message)).toMatch(/looks like|similar/i);
      },
    );

    it('other names and plain case variants keep their own answers', async () => {
      await register(api.url, 'rnary');
      expectError(await signUp('mary'), 409); // "rn" reads as "m"
      expect((await signUp('Pablito')).status).toBe(201);
      expectError(await signUp('PABLO'), 409); // the same name, ignoring case
    });

    it('two look-alikes registered at once: exactly one wins', async () => {
      const results = await Promise.all([signUp('C1ive'), signUp('CIive'), signUp('Clive')]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    });

    it('an account from before the rule gets its skeleton at its next login', async () => {
      await register(api.url, 'Alex');
      await api.redis.del(RedisKeys.usernameSkeletons()); // as if it predated the rule
      await login(api.url, 'Alex');
      expectError(await signUp('AIex'), 409);
    });
  });

  describe('the most common passwords are refused with 400 at registration and password change', () => {
    const WEAK = [
      '12345678',
      'password',
      'PassWord',
      'qwertyui',
      '11111111',
      'iloveyou',
      'aaaaaaaa',
    ];
    const signUp = (username: string, password: string) =>
      request(api.url).post('/api/auth/register').send({ username, password });

    it.each(WEAK.map((password, i) => [password, `weak${i}`]))(
      'register with %j',
      async (password, username) => {
        expectFieldError(await signUp(username, password), 'password');
        expect(await api.redis.hexists(RedisKeys.usernames(), username)).toBe(0);
      },
    );

    it('sign-up through the reference client login too', async () => {
      const res = await request(api.url)
        .post('/login')
        .send({ username: 'seedweak', password: '12345678' });
      expect(res.status).toBe(400);
      expect(String(res.body.message)).toMatch(/password/);
    });

    it('a change to any of them', async () => {
      for (const newPassword of WEAK) {
        const res = await request(api.url)
          .post('/api/auth/password')
          .set(bearer(user.token))
          .send({ currentPassword: 'password123', newPassword });
        expectFieldError(res, 'newPassword');
      }
    });

    it('uncommon ones are fine, and password123 stays allowed (demo data, test fixtures)', async () => {
      expect((await signUp('strong1', 'correct horse battery')).status).toBe(201);
      expect((await signUp('strong2', 'password123')).status).toBe(201);
    });
  });
});
