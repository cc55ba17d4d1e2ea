import { ParleyApi, ParleyHttpError } from '@app/client';
import type { RoomRole, StatusSetting } from '../contracts';

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

/**
 * The SDK's REST client (libs/client) on this page's origin: the session cookie goes with every
 * call, and a login in this tab adds its token.
 */
const sdk = new ParleyApi(window.location.origin, { credentials: 'same-origin' });

/** One SDK call, its failure in words fit for the person using the page. */
async function call<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    if (!(err instanceof ParleyHttpError)) throw new ApiError(0, 'Cannot reach the server');
    const raw = err.body?.message;
    const message = Array.isArray(raw)
      ? String(raw[0])
      : typeof raw === 'string'
        ? raw
        : err.status === 429
          ? 'Too many attempts, try again in a minute'
          : `Request failed (${err.status})`;
    throw new ApiError(err.status, message);
  }
}

export const api = {
  /** The seed-compatible `GET /me`: the user, or null (200) without a session. */
  session: () => call(() => sdk.session()),
  login: (username: string, password: string) => call(() => sdk.login(username, password)),
  register: (username: string, password: string) => call(() => sdk.register(username, password)),
  logout: () => call(() => sdk.logout()),
  /** Users by id (at most Limits.userIdsMax per call); there is no "every user" route. */
  usersByIds: (ids: string[]) => call(() => sdk.users(ids)),
  searchUsers: (q: string, cursor?: string | null, limit = 30) =>
    call(() => sdk.searchUsers(q, { cursor, limit })),

  ownStatus: () => call(() => sdk.ownStatus()),
  setStatus: (status: StatusSetting, text: string) => call(() => sdk.setStatus(status, text)),

  blocks: () => call(() => sdk.blocks()),
  block: (userId: string) => call(() => sdk.block(userId)),
  unblock: (userId: string) => call(() => sdk.unblock(userId)),

  rooms: () => call(() => sdk.rooms()),
  openDm: (userId: string) => call(() => sdk.openDm({ userId })),
  createRoom: (room: { name: string; kind: 'public' | 'private'; topic?: string }) =>
    call(() => sdk.createRoom(room)),
  directory: (q: string, cursor?: string | null, limit = 30) =>
    call(() => sdk.directory(q, { cursor, limit })),
  joinRoom: (roomId: string) => call(() => sdk.joinRoom(roomId)),
  leaveRoom: (roomId: string) => call(() => sdk.leaveRoom(roomId)),
  updateRoom: (roomId: string, patch: { name?: string; topic?: string }) =>
    call(() => sdk.updateRoom(roomId, patch)),
  members: (roomId: string, cursor?: string | null, limit = 50) =>
    call(() => sdk.members(roomId, { cursor, limit })),
  addMember: (roomId: string, userId: string) => call(() => sdk.addMember(roomId, userId)),
  removeMember: (roomId: string, userId: string) => call(() => sdk.removeMember(roomId, userId)),
  setRole: (roomId: string, userId: string, role: RoomRole) =>
    call(() => sdk.setRole(roomId, userId, role)),

  markRead: (roomId: string, seq: number) => call(() => sdk.markRead(roomId, seq)),
  history: (roomId: string, before?: string, limit = 50) =>
    call(() => sdk.history(roomId, { before, limit })),

  tokens: () => call(() => sdk.tokens()),
  createToken: (token: Parameters<ParleyApi['createToken']>[0]) =>
    call(() => sdk.createToken(token)),
  revokeToken: (id: string) => call(() => sdk.revokeToken(id)),
};
