import {
  ConflictException,
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import type { User } from '@app/contracts';
import {
  PresenceRepository,
  RateLimitRepository,
  UserRecord,
  UsersRepository,
  usernameKey,
} from '@app/redis';
import * as bcrypt from 'bcrypt';
import { LRUCache } from 'lru-cache';
import { RateLimitedException } from '../common/rate-limited.exception';

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

  constructor(
    private readonly users: UsersRepository,
    private readonly presence: PresenceRepository,
    private readonly limits: RateLimitRepository,
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
  ) {}

  async register(username: string, password: string): Promise<UserRecord> {
    const hash = await bcrypt.hash(password, this.config.bcryptCost);
    const created = await this.users.create(username, hash);
    if (!created) throw new ConflictException('Username is already taken');
    return created;
  }

  /**
   * A session outlives an account removed from Redis by hand; requests made with it must not.
   * Checked on every authenticated request, so a recent answer is reused for a moment.
   */
  async accountExists(userId: string): Promise<boolean> {
    if (this.existing.get(userId)) return true;
    const exists = await this.users.exists(userId);
    if (exists) this.existing.set(userId, true);
    return exists;
  }

  /**
   * Checks a password. Every attempt takes a slot of the per-username window before any hashing,
   * in one atomic step, so guesses sent at once cannot all pass the check; a successful login
   * frees the window, so what stays counted are failures. Once the window is full the name is
   * refused (429) until it ends, across all API replicas.
   */
  async authenticate(username: string, password: string): Promise<UserRecord> {
    const { loginFailures, loginFailureWindowSeconds } = this.config.limits;
    const subject = usernameKey(username);
    const attempt = await this.limits.hit(
      'login-fail',
      subject,
      loginFailures,
      loginFailureWindowSeconds * 1000,
    );
    if (!attempt.allowed)
      throw new RateLimitedException(attempt.retryAfterMs, 'Too many failed logins');

    const user = await this.users.findByUsername(username);
    const ok = await bcrypt.compare(password, user?.passwordHash ?? (await this.getDummyHash()));
    if (!user || !ok) {
      throw new UnauthorizedException(INVALID_CREDENTIALS);
    }
    await this.limits.clearFailures('login-fail', subject);
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
  ): Promise<UserRecord> {
    let user: UserRecord;
    try {
      user = await this.authenticate(session.username, currentPassword);
    } catch (err) {
      if (err instanceof UnauthorizedException)
        throw new ForbiddenException('Current password is wrong');
      throw err;
    }
    // The name may belong to another account by now (this one deleted, the name taken again).
    if (user.id !== session.id) throw new ForbiddenException('Current password is wrong');
    const hash = await bcrypt.hash(newPassword, this.config.bcryptCost);
    if (!(await this.users.updatePasswordHash(user.id, user.passwordHash, hash)))
      throw new ConflictException('The password was changed meanwhile; try again');
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

  async all(): Promise<User[]> {
    return this.withPresence(await this.users.all());
  }

  async online(): Promise<User[]> {
    const ids = await this.presence.onlineIds();
    const records = await this.users.findMany(ids.sort((a, b) => Number(a) - Number(b)));
    return records.map((r) => toUser(r, true));
  }

  private async withPresence(records: UserRecord[]): Promise<User[]> {
    const flags = await this.presence.areOnline(records.map((r) => r.id));
    return records.map((r, i) => toUser(r, flags[i]));
  }

  private getDummyHash(): Promise<string> {
    this.dummyHash ??= bcrypt.hash('parley-dummy-password', this.config.bcryptCost);
    return this.dummyHash;
  }
}

export function toUser(record: Pick<UserRecord, 'id' | 'username'>, online: boolean): User {
  return { id: record.id, username: record.username, online };
}
