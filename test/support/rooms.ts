import type { Message, Room } from '@app/contracts';
import type { Socket } from 'socket.io-client';
import request, { type Test } from 'supertest';
import type { TestUser } from './stack';

/** REST calls as one user (bearer token), e.g. `as(alice).post('/api/rooms').send(...)`. */
export function as(apiUrl: string, user: TestUser) {
  const auth = (t: Test) => t.set('Authorization', `Bearer ${user.token}`);
  const agent = request(apiUrl);
  return {
    get: (path: string) => auth(agent.get(path)),
    post: (path: string) => auth(agent.post(path)),
    put: (path: string) => auth(agent.put(path)),
    patch: (path: string) => auth(agent.patch(path)),
    delete: (path: string) => auth(agent.delete(path)),
  };
}

let roomCounter = 0;

/** A unique room name (the directory is shared by every test of a suite). */
export function roomName(prefix = 'room'): string {
  roomCounter += 1;
  return `${prefix}-${Date.now().toString(36)}-${roomCounter}`;
}

export async function createRoom(
  apiUrl: string,
  owner: TestUser,
  body: { name?: string; kind?: 'public' | 'private'; topic?: string } = {},
): Promise<Room> {
  const res = await as(apiUrl, owner)
    .post('/api/rooms')
    .send({ name: body.name ?? roomName(), kind: body.kind ?? 'public', topic: body.topic });
  if (res.status !== 201) throw new Error(`create room: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Room;
}

/**
 * The next `event` on `socket` that `match` accepts. Listens from the call on, so call it before
 * the action that causes the event.
 */
export function nextEvent<T>(
  socket: Socket,
  event: string,
  match: (payload: T) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<T> {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      fail(new Error(`no matching "${event}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: T) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      done(payload);
    };
    socket.on(event, listener);
  });
}

/** Sends a chat message over the socket and returns the ack. */
export function send(
  socket: Socket,
  roomId: string,
  message: string,
): Promise<{ ok: boolean; message?: Message; error?: { code: string } }> {
  return socket.timeout(5_000).emitWithAck('message', { roomId, message });
}
