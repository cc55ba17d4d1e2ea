import type { Room } from '@app/contracts';
import { DomainError } from '@app/chat/errors/domain-error';
import { ChatEventMap, ChatEventName, ChatEvents } from '@app/chat/events/chat-events';
import { MessagesService } from '@app/chat/messages/messages.service';
import { MessageUpdatesService } from '@app/chat/messages/message-updates.service';
import { ReadsService } from '@app/chat/reads/reads.service';
import { MembershipService } from '@app/chat/rooms/membership.service';
import { RoomsService } from '@app/chat/rooms/rooms.service';
import { UsersService } from '@app/chat/users/users.service';
import { toParleyConfig, validateEnv } from '@app/config';
import {
  BlocksRepository,
  MessageChangesRepository,
  MessagesRepository,
  PresenceRepository,
  ReadsRepository,
  RateLimitRepository,
  RoomsRepository,
  StatusRepository,
  UsersRepository,
} from '@app/redis';
import Redis from 'ioredis';
import { testRedisUrl } from './redis-url';

export type RecordedEvent = {
  [K in ChatEventName]: { name: K; event: ChatEventMap[K] };
}[ChatEventName];

/** The ChatEvents port as a list: what a domain call announced, in order. */
export class RecordingChatEvents extends ChatEvents {
  readonly recorded: RecordedEvent[] = [];

  emit<K extends ChatEventName>(name: K, event: ChatEventMap[K]): void {
    this.recorded.push({ name, event } as RecordedEvent);
  }

  /** Everything recorded so far, forgotten: each check then sees only what came after it. */
  take(): RecordedEvent[] {
    return this.recorded.splice(0);
  }
}

/**
 * The chat domain services built by hand (no Nest container) on real repositories over database
 * `db` of the private test redis-server; the caller owns the db, which is flushed here.
 */
export async function chatDomain(db: number) {
  const redis = new Redis(testRedisUrl(db));
  await redis.flushdb();
  const config = toParleyConfig(
    validateEnv({ NODE_ENV: 'test', REDIS_URL: testRedisUrl(db), BCRYPT_COST: '4' }),
  );
  const events = new RecordingChatEvents();
  const usersRepo = new UsersRepository(redis);
  const roomsRepo = new RoomsRepository(redis);
  const limits = new RateLimitRepository(redis);
  const users = new UsersService(
    usersRepo,
    new PresenceRepository(redis),
    new StatusRepository(redis),
    limits,
    config,
  );
  const readsRepo = new ReadsRepository(redis);
  const blocks = new BlocksRepository(redis);
  const rooms = new RoomsService(roomsRepo, usersRepo, events, readsRepo, blocks);
  const membership = new MembershipService(roomsRepo, rooms, users, events, blocks);
  const messages = new MessagesService(
    new MessagesRepository(redis),
    rooms,
    events,
    limits,
    config,
  );
  const updates = new MessageUpdatesService(
    new MessageChangesRepository(redis),
    events,
    limits,
    config,
  );
  const reads = new ReadsService(readsRepo, rooms, events);
  let userCount = 0;

  /** A stored account (no password hashing: the rules under test never log in). */
  async function user(name = `user${(userCount += 1)}`): Promise<Account> {
    const record = await usersRepo.create(name, 'not-a-hash');
    if (!record) throw new Error(`user ${name} exists`);
    return { id: record.id, username: record.username };
  }

  /**
   * Every key and its serialized value, rate-limit counters left out (a refused request still
   * counts against its sender): equal snapshots mean nothing stored changed.
   */
  async function snapshot(): Promise<Record<string, string>> {
    const keys = (await redis.keys('*')).filter((k) => !k.startsWith('rl:')).sort();
    const dumps = await Promise.all(keys.map((k) => redis.dumpBuffer(k)));
    return Object.fromEntries(keys.map((k, i) => [k, dumps[i]?.toString('base64') ?? '']));
  }

  return {
    redis,
    events,
    users,
    rooms,
    membership,
    messages,
    updates,
    reads,
    user,
    snapshot,
    /** An empty database with `count` new accounts, and no events recorded. */
    async reset(count: number): Promise<Account[]> {
      await redis.flushdb();
      const accounts = [];
      for (let i = 0; i < count; i += 1) accounts.push(await user());
      events.take();
      return accounts;
    },
    /** A group room of `owner`'s with `members` added, its announcements already taken. */
    async groupRoom(owner: Account, kind: 'public' | 'private', ...members: Account[]) {
      const room: Room = await rooms.create(owner.id, { name: `${kind} room`, kind });
      for (const m of members) await membership.add(owner.id, room.id, m.id);
      events.take();
      return room;
    },
    /**
     * Runs `call` and checks that it stored and announced nothing: refused with the domain
     * error `code`, or (no code) a call that succeeds without any effect.
     */
    async expectNoEffect(call: () => Promise<unknown>, code?: string): Promise<void> {
      const before = await snapshot();
      const outcome = await call().then(
        () => null,
        (err: unknown) => err,
      );
      if (code) {
        expect(outcome).toBeInstanceOf(DomainError);
        expect(outcome).toMatchObject({ code });
      } else {
        expect(outcome).toBeNull();
      }
      expect(await snapshot()).toEqual(before);
      expect(events.take()).toEqual([]);
    },
    async close(): Promise<void> {
      await redis.quit();
    },
  };
}

export type Account = { id: string; username: string };

export type ChatDomain = Awaited<ReturnType<typeof chatDomain>>;
