import type { User } from '@app/contracts';
import request, { type Response } from 'supertest';

export const SESSION_COOKIE = 'parley.sid';
export const PASSWORD = 'password123';

/** One logged-in client: its user, bearer token and session cookie (`name=value`). */
export interface Session {
  user: User;
  token: string;
  cookie: string;
}

/** The `Set-Cookie` lines of a response (always an array). */
export function setCookies(res: Response): string[] {
  const raw = res.headers['set-cookie'] as string | string[] | undefined;
  if (raw === undefined) return [];
  return Array.isArray(raw) ? raw : [raw];
}

/** The full `Set-Cookie` line of the session cookie, or undefined. */
export function sessionSetCookie(res: Response): string | undefined {
  return setCookies(res).find((c) => c.startsWith(`${SESSION_COOKIE}=`));
}

/** `parley.sid=<value>` as a client sends it back. */
export function sessionCookie(res: Response): string {
  const line = sessionSetCookie(res);
  if (!line) throw new Error(`no ${SESSION_COOKIE} cookie in response ${res.status}`);
  return line.split(';')[0];
}

export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

export function toSession(res: Response): Session {
  const body = res.body as { user: User; token: string };
  return { user: body.user, token: body.token, cookie: sessionCookie(res) };
}

export async function register(
  url: string,
  username: string,
  password = PASSWORD,
): Promise<Session> {
  const res = await request(url).post('/api/auth/register').send({ username, password });
  if (res.status !== 201)
    throw new Error(`register ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  return toSession(res);
}

export async function login(url: string, username: string, password = PASSWORD): Promise<Session> {
  const res = await request(url).post('/api/auth/login').send({ username, password });
  if (res.status !== 200)
    throw new Error(`login ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  return toSession(res);
}

/** Asserts Nest's error shape `{statusCode, error, message}` with the given status, as JSON. */
export function expectError(res: Response, status: number): void {
  expect({ status: res.status, body: res.body as unknown }).toEqual({
    status,
    body: expect.objectContaining({ statusCode: status, error: expect.any(String) }),
  });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const message = (res.body as { message: unknown }).message;
  if (Array.isArray(message)) {
    expect(message.length).toBeGreaterThan(0);
    for (const m of message) expect(typeof m).toBe('string');
  } else {
    expect(typeof message).toBe('string');
    expect((message as string).length).toBeGreaterThan(0);
  }
}

/** A 400 whose `message` is an array of field errors, one of which names `field`. */
export function expectFieldError(res: Response, field: string): void {
  expectError(res, 400);
  const message = (res.body as { message: unknown }).message;
  expect(Array.isArray(message)).toBe(true);
  expect((message as string[]).some((m) => m.includes(field))).toBe(true);
}

/** Short random tag for names and texts that must not collide with other suites' bus traffic. */
export function tag(length = 6): string {
  let out = '';
  while (out.length < length) out += Math.random().toString(36).slice(2);
  return out.slice(0, length);
}

/** Compares Redis Stream ids (`<ms>-<n>`) numerically. */
export function compareStreamIds(a: string, b: string): number {
  const [am, an] = a.split('-').map(BigInt);
  const [bm, bn] = b.split('-').map(BigInt);
  if (am !== bm) return am < bm ? -1 : 1;
  if (an !== bn) return an < bn ? -1 : 1;
  return 0;
}

/**
 * A User as the API shows it: `status` follows `online` (no status set), no text; `lastSeen`
 * stays null for a user never seen going offline.
 */
export function userView(
  id: unknown,
  username: unknown,
  online: boolean,
  lastSeen: unknown = null,
) {
  return {
    id,
    username,
    online,
    status: online ? 'online' : 'offline',
    statusText: '',
    lastSeen: online ? null : lastSeen,
  };
}
