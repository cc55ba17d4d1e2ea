import type {
  ApiTokenDto,
  ApiTokenScope,
  AuthResult,
  CreatedApiTokenDto,
  CreateRoomDto,
  MembersPage,
  Message,
  MessagePage,
  OwnStatus,
  Room,
  RoomDirectoryPage,
  RoomRole,
  StatusSetting,
  UpdateRoomDto,
  User,
  UsersPage,
} from '@app/contracts';
import { ParleyHttpError } from './errors';
import { ParleySocket, type ParleySocketOptions } from './parley-socket';

export interface ParleyApiOptions {
  /** A session or API token, sent as `Authorization: Bearer`; `login`/`register` set it. */
  token?: string;
  /** Browsers on the API's own origin may rely on the session cookie instead of a token. */
  credentials?: RequestCredentials;
  /** Another fetch (tests, older runtimes); the global one by default. */
  fetch?: typeof fetch;
}

export interface HistoryQuery {
  /** Older than this message id. */
  before?: string;
  /** Newer than this message id ("0": from the first); the page then carries `nextAfter`. */
  after?: string;
  /** 1..100, 50 by default. */
  limit?: number;
}

type Query = Record<string, string | number | null | undefined>;

/** Cursor paging of the directory, members and user search. */
export interface PageQuery {
  cursor?: string | null;
  limit?: number;
}

/**
 * The REST half of Parley (docs/protocol.md), typed with the wire shapes of libs/contracts.
 * Every method resolves with the response body or rejects with a ParleyHttpError.
 */
export class ParleyApi {
  token?: string;
  private readonly fetch: typeof fetch;

  constructor(
    readonly baseUrl: string,
    private readonly options: ParleyApiOptions = {},
  ) {
    this.token = options.token;
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  async register(username: string, password: string): Promise<AuthResult> {
    return this.keepToken(
      await this.post<AuthResult>('/api/auth/register', { username, password }),
    );
  }

  async login(username: string, password: string): Promise<AuthResult> {
    return this.keepToken(await this.post<AuthResult>('/api/auth/login', { username, password }));
  }

  /** Ends the session everywhere (its sockets are disconnected too) and forgets the token. */
  async logout(): Promise<void> {
    await this.post<void>('/api/auth/logout');
    this.token = undefined;
  }

  me(): Promise<User> {
    return this.get<User>('/api/me');
  }

  /** The signed-in user, or null (a 200, not a 401) without a session: "am I signed in?". */
  session(): Promise<User | null> {
    return this.get<User | null>('/me');
  }

  /** One's own status setting (invisible included) and text. */
  ownStatus(): Promise<OwnStatus> {
    return this.get<OwnStatus>('/api/me/status');
  }

  setStatus(status: StatusSetting, text = ''): Promise<OwnStatus> {
    return this.request<OwnStatus>('PUT', '/api/me/status', { status, text });
  }

  /** The people one blocked. */
  blocks(): Promise<User[]> {
    return this.get<User[]>('/api/me/blocks');
  }

  block(userId: string): Promise<void> {
    return this.request<void>('PUT', `/api/me/blocks/${encodeURIComponent(userId)}`);
  }

  unblock(userId: string): Promise<void> {
    return this.request<void>('DELETE', `/api/me/blocks/${encodeURIComponent(userId)}`);
  }

  /** Users by id (unknown ids are left out). */
  users(ids: readonly string[]): Promise<User[]> {
    return this.get<User[]>('/api/users', { ids: ids.join(',') });
  }

  searchUsers(q: string, page: PageQuery = {}): Promise<UsersPage> {
    return this.get<UsersPage>('/api/users/search', { q, ...page });
  }

  onlineUsers(): Promise<User[]> {
    return this.get<User[]>('/api/users/online');
  }

  /** The caller's rooms. */
  rooms(): Promise<Room[]> {
    return this.get<Room[]>('/api/rooms');
  }

  room(roomId: string): Promise<Room> {
    return this.get<Room>(`/api/rooms/${encodeURIComponent(roomId)}`);
  }

  createRoom(room: CreateRoomDto): Promise<Room> {
    return this.post<Room>('/api/rooms', room);
  }

  updateRoom(roomId: string, changes: UpdateRoomDto): Promise<Room> {
    return this.request<Room>('PATCH', `/api/rooms/${encodeURIComponent(roomId)}`, changes);
  }

  /** Public rooms by name prefix, paged. */
  directory(q = '', page: PageQuery = {}): Promise<RoomDirectoryPage> {
    return this.get<RoomDirectoryPage>('/api/rooms/directory', { q: q || undefined, ...page });
  }

  members(roomId: string, page: PageQuery = {}): Promise<MembersPage> {
    return this.get<MembersPage>(`${roomPath(roomId)}/members`, { ...page });
  }

  addMember(roomId: string, userId: string): Promise<unknown> {
    return this.post<unknown>(`${roomPath(roomId)}/members`, { userId });
  }

  removeMember(roomId: string, userId: string): Promise<void> {
    return this.request<void>(
      'DELETE',
      `${roomPath(roomId)}/members/${encodeURIComponent(userId)}`,
    );
  }

  /** `owner` hands the room over (the previous owner becomes an admin). */
  setRole(roomId: string, userId: string, role: RoomRole): Promise<unknown> {
    const path = `${roomPath(roomId)}/members/${encodeURIComponent(userId)}`;
    return this.request<unknown>('PUT', path, { role });
  }

  /** Moves the read marker forward to `seq` (never back); resolves with the marker now. */
  markRead(roomId: string, seq: number): Promise<{ readSeq: number }> {
    return this.post<{ readSeq: number }>(`${roomPath(roomId)}/read`, { seq });
  }

  joinRoom(roomId: string): Promise<Room> {
    return this.post<Room>(`/api/rooms/${encodeURIComponent(roomId)}/join`);
  }

  leaveRoom(roomId: string): Promise<void> {
    return this.post<void>(`/api/rooms/${encodeURIComponent(roomId)}/leave`);
  }

  /** Opens the DM with a user (by id or by username), or returns it when it exists. */
  openDm(peer: { userId: string } | { username: string }): Promise<Room> {
    return this.post<Room>('/api/rooms/dm', peer);
  }

  /** A page of a room's history, oldest first. */
  history(roomId: string, query: HistoryQuery = {}): Promise<MessagePage> {
    return this.get<MessagePage>(`/api/rooms/${encodeURIComponent(roomId)}/messages`, { ...query });
  }

  /**
   * Stores a message over REST; a retry with the same `clientId` returns the stored one, marked
   * `replayed` (the same key with another text is a 409).
   */
  sendMessage(
    roomId: string,
    message: string,
    clientId?: string,
  ): Promise<Message & { replayed?: true }> {
    return this.post<Message & { replayed?: true }>(
      `/api/rooms/${encodeURIComponent(roomId)}/messages`,
      {
        message,
        clientId,
      },
    );
  }

  /** Creates an API token (a session only); its secret is in this answer and never again. */
  createToken(token: {
    name: string;
    scopes: ApiTokenScope[];
    expiresInDays?: number;
  }): Promise<CreatedApiTokenDto> {
    return this.post<CreatedApiTokenDto>('/api/tokens', token);
  }

  /** The caller's live API tokens (never their secrets), newest first. */
  tokens(): Promise<ApiTokenDto[]> {
    return this.get<ApiTokenDto[]>('/api/tokens');
  }

  revokeToken(id: string): Promise<void> {
    return this.request<void>('DELETE', `/api/tokens/${encodeURIComponent(id)}`);
  }

  /** A realtime connection with this client's token (or the cookie, in a browser). */
  connect(
    options: Omit<ParleySocketOptions, 'url' | 'token'> & { url?: string } = {},
  ): ParleySocket {
    return new ParleySocket({ url: this.baseUrl, token: this.token, ...options });
  }

  private keepToken(result: AuthResult): AuthResult {
    this.token = result.token;
    return result;
  }

  private get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, undefined, query);
  }

  private post<T>(path: string, body?: object): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  private async request<T>(method: string, path: string, body?: object, query?: Query): Promise<T> {
    const url = new URL(path, this.baseUrl);
    for (const [key, value] of Object.entries(query ?? {}))
      if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const res = await this.fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: this.options.credentials,
    });
    const parsed = parseJson(await res.text());
    if (!res.ok) {
      const retryAfter = Number(res.headers.get('retry-after'));
      throw new ParleyHttpError(
        res.status,
        parsed ?? null,
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
      );
    }
    return parsed as T;
  }
}

const roomPath = (roomId: string) => `/api/rooms/${encodeURIComponent(roomId)}`;

/** The body as JSON; undefined when empty or not JSON (a proxy's HTML error page). */
function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
