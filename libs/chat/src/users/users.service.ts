import { Inject, Injectable } from '@nestjs/common';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import type { User, UsersPage } from '@app/contracts';
import {
  LOOKALIKE,
  PresenceRepository,
  RateLimitRepository,
  StatusRepository,
  UserRecord,
  UsersRepository,
} from '@app/redis';
import * as bcrypt from 'bcrypt';
import { LRUCache } from 'lru-cache';
import { Cursor } from '../common/cursor';
import {
  BadRequest,
  Conflict,
  DomainError,
  Forbidden,
  RateLimitedException,
  Unauthorized,
} from '../errors/domain-error';
import { LoginClient, LoginLimiter } from './login-limiter';
import { toUser } from './user-view';
import { usernameSkeleton } from './username-skeleton';

export const INVALID_CREDENTIALS = 'Invalid username or password';

/** How long an account seen to exist is taken to exist: a removed one loses access that fast. */
export const ACCOUNT_RECHECK_MS = 2_000;

@Injectable()
export class UsersService {
  /** Compared against when the name is unknown, so both failures cost one bcrypt. */
  private dummyHash?: Promise<string>;

  private readonly existing = new LRUCache<string, true>({
    max: 100_000,
    ttl: ACCOUNT_RECHECK_MS,
  });

  private readonly loginLimit: LoginLimiter;

  constructor(
    private readonly users: UsersRepository,
    private readonly presence: PresenceRepository,
    private readonly statuses: StatusRepository,
    limits: RateLimitRepository,
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
  ) {
    this.loginLimit = new LoginLimiter(limits, config.limits);
  }

  async register(username: string, password: string): Promise<UserRecord> {
    const hash = await bcrypt.hash(password, this.config.bcryptCost);
    const created = await this.users.createDistinct(username, hash, usernameSkeleton(username));
    if (created === LOOKALIKE)
      throw Conflict('Username looks like one that is taken; choose another');
    if (!created) throw Conflict('Username is already taken');
    return created;
  }

  /**
   * A session outlives an account removed from Redis by hand; requests made with it must not.
   * Checked on every authenticated request, so a recent answer is reused for a moment; `fresh`
   * (a connection's handshake, once per connection) asks the store every time.
   */
  async accountExists(userId: string, fresh = false): Promise<boolean> {
    if (!fresh && this.existing.get(userId)) return true;
    const exists = await this.users.exists(userId);
    if (exists) this.existing.set(userId, true);
    return exists;
  }

  /**
   * Checks a password. The attempt is reserved before any hashing, in one atomic step, so
   * guesses sent at once cannot all pass the check; failures cost the client that makes them
   * (LoginLimiter), and a client refused gets a 429, across all API replicas.
   */
  async authenticate(username: string, password: string, client: LoginClient): Promise<UserRecord> {
    const user = await this.users.findByUsername(username);
    const attempt = await this.loginLimit.reserve(username, user?.id, client);
    if (attempt.waitMs > 0)
      throw new RateLimitedException(attempt.waitMs, 'Too many failed logins');

    const ok = await bcrypt.compare(password, user?.passwordHash ?? (await this.getDummyHash()));
    if (!user || !ok) {
      throw Unauthorized(INVALID_CREDENTIALS);
    }
    await this.loginLimit.succeeded(attempt);
    // Accounts from before look-alike keys were kept get theirs now.
    await this.users.rememberSkeleton(user.id, usernameSkeleton(user.username));
    return user;
  }

  /**
   * Changes a password after checking the current one. A wrong current password counts as a
   * failed login of that name (same limit, 429 once reached) and is a 403; a 409 when the account
   * changed meanwhile (deleted, or a concurrent change won).
   */
  async changePassword(
    session: { id: string; username: string },
    currentPassword: string,
    newPassword: string,
    client: LoginClient,
  ): Promise<UserRecord> {
    let user: UserRecord;
    try {
      user = await this.authenticate(session.username, currentPassword, client);
    } catch (err) {
      if (err instanceof DomainError && err.code === 'unauthorized')
        throw Forbidden('Current password is wrong');
      throw err;
    }
    // The name may belong to another account by now (this one deleted, the name taken again).
    if (user.id !== session.id) throw Forbidden('Current password is wrong');
    const hash = await bcrypt.hash(newPassword, this.config.bcryptCost);
    if (!(await this.users.updatePasswordHash(user.id, user.passwordHash, hash)))
      throw Conflict('The password was changed meanwhile; try again');
    return { ...user, passwordHash: hash };
  }

  async findRecord(id: string): Promise<UserRecord | null> {
    return this.users.findById(id);
  }

  async findByUsername(username: string): Promise<UserRecord | null> {
    return this.users.findByUsername(username);
  }

  /** Public views of the given ids, unknown ids left out, with live online flags. */
  async findMany(ids: readonly string[]): Promise<User[]> {
    const unique = [...new Set(ids)];
    return this.withPresence(await this.users.findMany(unique));
  }

  async findOne(id: string): Promise<User | null> {
    const [user] = await this.findMany([id]);
    return user ?? null;
  }

  /** Users by username prefix (case-insensitive), paged by an opaque cursor. */
  async search(prefix: string, cursor: string | null, limit: number): Promise<UsersPage> {
    const lower = prefix.toLowerCase();
    const after = Cursor.decode(cursor ?? undefined);
    if (after !== null && !after.startsWith(lower))
      throw BadRequest('cursor does not belong to this search');
    const page = await this.users.searchByName(lower, after, limit);
    return {
      users: await this.findMany(page.ids),
      nextCursor: page.more ? Cursor.encode(page.last) : null,
    };
  }

  async count(): Promise<number> {
    return this.users.count();
  }

  /** Adds accounts missing from the search index; returns how many. */
  repairSearchIndex(): Promise<number> {
    return this.users.repairNameIndex();
  }

  /** Everyone others can see online (invisible users are not). */
  async online(): Promise<User[]> {
    const ids = await this.presence.onlineIds();
    const records = await this.users.findMany(ids.sort((a, b) => Number(a) - Number(b)));
    const statuses = await this.statuses.findMany(records.map((r) => r.id));
    return records.map((r, i) => toUser(r, true, statuses[i])).filter((u) => u.online);
  }

  private async withPresence(records: UserRecord[]): Promise<User[]> {
    const ids = records.map((r) => r.id);
    const [flags, statuses] = await Promise.all([
      this.presence.areOnline(ids),
      this.statuses.findMany(ids),
    ]);
    return records.map((r, i) => toUser(r, flags[i], statuses[i]));
  }

  private getDummyHash(): Promise<string> {
    this.dummyHash ??= bcrypt.hash('parley-dummy-password', this.config.bcryptCost);
    return this.dummyHash;
  }
}
