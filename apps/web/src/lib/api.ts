import type {
  ApiToken,
  ApiTokenScope,
  AuthResult,
  CreatedApiToken,
  MembersPage,
  MessagePage,
  OwnStatus,
  Room,
  RoomDirectoryPage,
  RoomRole,
  StatusSetting,
  User,
  UsersPage,
} from '../contracts';

/** An HTTP error with the server's message (a string, or the first field error). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The server's words for a failed call, or `fallback` when it could not be reached. */
export const errorText = (err: unknown, fallback: string): string =>
  err instanceof ApiError && err.status !== 0 ? err.message : fallback;

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

/** `?a=1&b=2` from the defined, non-empty values (empty string when there are none). */
function query(params: Record<string, string | number | null | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${k}=${enc(String(v))}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

const room = (roomId: string) => `/api/rooms/${enc(roomId)}`;

export const api = {
  /** The seed-compatible `GET /me`: the user, or null (200) without a session. */
  session: () => call<User | null>('GET', '/me'),
  login: (username: string, password: string) =>
    call<AuthResult>('POST', '/api/auth/login', { username, password }),
  register: (username: string, password: string) =>
    call<AuthResult>('POST', '/api/auth/register', { username, password }),
  logout: () => call<void>('POST', '/api/auth/logout'),
  /** Users by id (at most Limits.userIdsMax per call); there is no "every user" route. */
  usersByIds: (ids: string[]) => call<User[]>('GET', `/api/users?ids=${ids.map(enc).join(',')}`),
  searchUsers: (q: string, cursor?: string | null, limit = 30) =>
    call<UsersPage>('GET', `/api/users/search${query({ q, cursor, limit })}`),

  ownStatus: () => call<OwnStatus>('GET', '/api/me/status'),
  setStatus: (status: StatusSetting, text: string) =>
    call<OwnStatus>('PUT', '/api/me/status', { status, text }),

  blocks: () => call<User[]>('GET', '/api/me/blocks'),
  block: (userId: string) => call<void>('PUT', `/api/me/blocks/${enc(userId)}`),
  unblock: (userId: string) => call<void>('DELETE', `/api/me/blocks/${enc(userId)}`),

  rooms: () => call<Room[]>('GET', '/api/rooms'),
  openDm: (userId: string) => call<Room>('POST', '/api/rooms/dm', { userId }),
  createRoom: (body: { name: string; kind: 'public' | 'private'; topic?: string }) =>
    call<Room>('POST', '/api/rooms', body),
  directory: (q: string, cursor?: string | null, limit = 30) =>
    call<RoomDirectoryPage>('GET', `/api/rooms/directory${query({ q, cursor, limit })}`),
  joinRoom: (roomId: string) => call<Room>('POST', `${room(roomId)}/join`),
  leaveRoom: (roomId: string) => call<void>('POST', `${room(roomId)}/leave`),
  updateRoom: (roomId: string, patch: { name?: string; topic?: string }) =>
    call<Room>('PATCH', room(roomId), patch),
  members: (roomId: string, cursor?: string | null, limit = 50) =>
    call<MembersPage>('GET', `${room(roomId)}/members${query({ cursor, limit })}`),
  addMember: (roomId: string, userId: string) =>
    call<unknown>('POST', `${room(roomId)}/members`, { userId }),
  removeMember: (roomId: string, userId: string) =>
    call<void>('DELETE', `${room(roomId)}/members/${enc(userId)}`),
  setRole: (roomId: string, userId: string, role: RoomRole) =>
    call<unknown>('PUT', `${room(roomId)}/members/${enc(userId)}`, { role }),

  markRead: (roomId: string, seq: number) =>
    call<{ readSeq: number }>('POST', `${room(roomId)}/read`, { seq }),
  history: (roomId: string, before?: string, limit = 50) =>
    call<MessagePage>('GET', `${room(roomId)}/messages${query({ limit, before })}`),

  tokens: () => call<ApiToken[]>('GET', '/api/tokens'),
  createToken: (body: { name: string; scopes: ApiTokenScope[]; expiresInDays?: number }) =>
    call<CreatedApiToken>('POST', '/api/tokens', body),
  revokeToken: (id: string) => call<void>('DELETE', `/api/tokens/${enc(id)}`),
};
