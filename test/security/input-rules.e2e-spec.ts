import request from 'supertest';
import { startApi, TestApi } from '../support/api';
import { bearer, expectFieldError, register, Session } from '../support/http';

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
});
