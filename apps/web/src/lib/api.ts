import type { AuthResult, Message, MessagePage, Room, User } from '../contracts';

/** An HTTP error with the server's message (a string, or the first field error). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'Cannot reach the server');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const raw = (data as { message?: unknown } | null)?.message;
    const message = Array.isArray(raw)
      ? String(raw[0])
      : typeof raw === 'string'
        ? raw
        : res.status === 429
          ? 'Too many attempts, try again in a minute'
          : `Request failed (${res.status})`;
    throw new ApiError(res.status, message);
  }
  return data as T;
}

const enc = encodeURIComponent;

export const api = {
  /** The seed-compatible `GET /me`: the user, or null (200) without a session. */
  session: () => call<User | null>('GET', '/me'),
  login: (username: string, password: string) =>
    call<AuthResult>('POST', '/api/auth/login', { username, password }),
  register: (username: string, password: string) =>
    call<AuthResult>('POST', '/api/auth/register', { username, password }),
  logout: () => call<void>('POST', '/api/auth/logout'),
  users: () => call<User[]>('GET', '/api/users'),
  usersByIds: (ids: string[]) => call<User[]>('GET', `/api/users?ids=${ids.map(enc).join(',')}`),
  rooms: () => call<Room[]>('GET', '/api/rooms'),
  openDm: (userId: string) => call<Room>('POST', '/api/rooms/dm', { userId }),
  history: (roomId: string, before?: string, limit = 50) =>
    call<MessagePage>(
      'GET',
      `/api/rooms/${enc(roomId)}/messages?limit=${limit}${before ? `&before=${enc(before)}` : ''}`,
    ),
  post: (roomId: string, message: string, clientId: string) =>
    call<Message>('POST', `/api/rooms/${enc(roomId)}/messages`, { message, clientId }),
};
