import type { Message, Room } from '@app/contracts';
import type { Socket } from 'socket.io-client';
import { createRoom } from './rooms';
import { registerUser, type TestUser } from './stack';
import { useStack } from './suite';

/** Helpers of the message-updates suites (read markers, edits, deletions, reactions). */
export type AckOrError = {
  ok: boolean;
  error?: { code: string };
  message?: Message;
  readSeq?: number;
};

export const emit = (socket: Socket, event: string, payload: unknown): Promise<AckOrError> =>
  socket.timeout(10_000).emitWithAck(event, payload);

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
export function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One code point, a flag, a ZWJ family: every one a single grapheme. */
export const EMOJI = ['👍', '🎉', '🇫🇷', '👨‍👩‍👧'];

export function compareIds(a: string, b: string): number {
  const [am, an] = a.split('-').map(BigInt);
  const [bm, bn] = b.split('-').map(BigInt);
  return am === bm ? Number(an - bn) : am < bm ? -1 : 1;
}

export { ApiProcess } from './api-process';

/**
 * A two-gateway stack (no per-connection event limit: the suites fire events back to back) with
 * four users: Ada owns the rooms `sharedRoom` creates, the others join them.
 */
export function useUpdatesStack() {
  const suite = useStack({ env: { LIMIT_EVENTS_PER_SECOND: '100000' } });
  const t = {
    suite,
    ada: undefined as unknown as TestUser,
    bo: undefined as unknown as TestUser,
    cy: undefined as unknown as TestUser,
    watcher: undefined as unknown as TestUser,
    async rooms(user: TestUser): Promise<Room[]> {
      return (await suite.api(user).get('/api/rooms').expect(200)).body as Room[];
    },
    async roomOf(user: TestUser, roomId: string): Promise<Room> {
      return (await t.rooms(user)).find((r) => r.id === roomId) as Room;
    },
    /** The whole history through REST, oldest first. */
    async history(user: TestUser, roomId: string): Promise<Message[]> {
      const all: Message[] = [];
      let before: string | null = null;
      do {
        const res = await suite
          .api(user)
          .get(`/api/rooms/${roomId}/messages`)
          .query(before ? { before, limit: 100 } : { limit: 100 })
          .expect(200);
        all.unshift(...(res.body.messages as Message[]));
        before = res.body.nextBefore as string | null;
      } while (before);
      return all;
    },
    /** A public room of Ada's that `others` joined. */
    async sharedRoom(...others: TestUser[]): Promise<string> {
      const room = await createRoom(suite.stack.api.url, t.ada);
      for (const u of others) await suite.api(u).post(`/api/rooms/${room.id}/join`).expect(200);
      return room.id;
    },
  };
  beforeAll(async () => {
    const url = suite.stack.api.url;
    [t.ada, t.bo, t.cy, t.watcher] = await Promise.all(
      ['ada', 'bo', 'cy', 'w'].map((p) => registerUser(url, p)),
    );
  });
  return t;
}
